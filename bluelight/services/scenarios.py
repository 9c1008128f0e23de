"""Scenarios: one engine for ``bluelight scenario run``, the Scenarios page and the Co-location page.

A :class:`~bluelight.analysis.scenario.Scenario` (closures, openings, moves,
co-locations, merges, crewing changes, with finance) is applied to the estate
as of its date by :func:`~bluelight.analysis.scenario.apply_scenario`, and every
touched service is assessed before and after on population and on incidents
by category; the finance is appraised by the Green Book method. The pages
build a ``Scenario`` from their controls and call the same functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from bluelight.analysis.appraisal import Appraisal, OptimismBias, appraise, compare_options
from bluelight.analysis.finance import GREEN_BOOK_RATE, scenario_cash_items
from bluelight.analysis.scenario import Scenario, apply_scenario, load_scenario, touched_services
from bluelight.analysis.summary import summarise_by
from bluelight.foundation.config_files import load_config
from bluelight.foundation.errors import ConfigError, ValidationError
from bluelight.foundation.standards import standard_s
from bluelight.services.coverage import change_counts, require_demand
from bluelight.services.inputs import read_estates
from bluelight.services.requests import TRAFFIC_PERIOD_FIELD, Field, Request
from bluelight.services.results import Result
from bluelight.services.session import DemandSpec, Evaluation, Session

__all__ = ["AppraisalRequest", "Scenario", "appraise_options", "evaluate_service", "load_scenario", "run_scenario",
           "service_effect"]


@dataclass(frozen=True)
class AppraisalRequest(Request):
    """How a scenario's finance is appraised (default: the scenario file's, else the Green Book)."""

    horizon_years: int | None = None
    discount_rate: float | None = None
    traffic_period: str = "all"
    project_type: str | None = None
    optimism_bias_pct: float | None = None
    cover_value_gbp_pa: float | None = None

    FIELDS = (
        Field("horizon_years", "Appraisal horizon (years)", int, None, 1, 125, optional=True,
              help="Appraisal horizon (default: the file's, else 30)."),
        Field("discount_rate", "Discount rate", float, None, 0.0, 0.2, optional=True, unit="share",
              help=f"A fixed annual discount rate (default: the file's, else the Green Book schedule: "
                   f"{GREEN_BOOK_RATE:.1%} to year 30, 3.0% after)."),
        TRAFFIC_PERIOD_FIELD,
        Field("project_type", "Project type (optimism bias)", str, None, optional=True,
              help="Optimism bias on capital costs by project type, from appraisal.yaml (default: the file's, "
                   "else standard_buildings, 24%)."),
        Field("optimism_bias_pct", "Optimism bias (%)", float, None, 0.0, 500.0, optional=True,
              help="An explicit uplift on capital costs, overriding the project type's."),
        Field("cover_value_gbp_pa", "Value of the change in cover (£ a year)", float, None, -1e10, 1e10,
              optional=True, help="A value a year you put on the change in cover (blank: not valued; never "
                                  "invented)."),
    )


@dataclass(frozen=True)
class AppraisalSettings:
    """Optimism bias by project type and the default horizon (``appraisal.yaml``), with their sources."""

    project_types: dict[str, float]
    default_project_type: str
    horizon_years: int
    sources: dict[str, Any]
    path: str


def load_appraisal_settings() -> AppraisalSettings:
    """The appraisal's settings (``appraisal.yaml``): optimism bias by project type, the default type and the horizon."""
    doc, path = load_config("appraisal.yaml")
    try:
        types = {str(k): float(v["capital_pct"]) for k, v in doc["project_types"].items()}
        out = AppraisalSettings(types, str(doc["default_project_type"]), int(doc.get("horizon_years", 30)),
                                dict(doc.get("sources") or {}), path)
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{path}: appraisal settings need project_types (each with capital_pct) and "
                          f"default_project_type ({exc})") from exc
    if out.default_project_type not in types:
        raise ConfigError(f"{path}: default_project_type {out.default_project_type!r} is not among "
                          f"{sorted(types)}")
    return out


def optimism_bias(scenario: Scenario, request: AppraisalRequest) -> OptimismBias:
    """The uplift on capital costs: the request's, else the scenario's, else the project type's (appraisal.yaml).

    Parameters
    ----------
    scenario
        The scenario appraised.
    request
        The appraisal's terms.
    """
    settings = load_appraisal_settings()
    pct = request.optimism_bias_pct if request.optimism_bias_pct is not None else scenario.optimism_bias_pct
    kind = request.project_type or scenario.project_type or settings.default_project_type
    if kind not in settings.project_types:
        raise ValidationError("project_type", f"project type must be one of {', '.join(settings.project_types)}, "
                                              f"got {kind!r}")
    if pct is not None:
        return OptimismBias(kind if request.optimism_bias_pct is None else "as entered", float(pct),
                            "entered for this appraisal")
    return OptimismBias(kind, settings.project_types[kind], settings.sources.get("project_types", settings.path))


#: the finance a scenario change may carry, as fields (money boxes on the pages are bound to these)
FINANCE_FIELDS = {f.name: f for f in (
    Field("build_cost_gbp", "Build cost (£)", float, None, 0.0, 1e10, optional=True),
    Field("refurbishment_gbp", "Refurbishment (£)", float, None, 0.0, 1e10, optional=True),
    Field("relocation_cost_gbp", "Relocation, one-off (£)", float, None, 0.0, 1e10, optional=True),
    Field("receipt_gbp", "Capital receipt (£)", float, None, 0.0, 1e10, optional=True),
    Field("grant_gbp", "Grant (£)", float, None, 0.0, 1e10, optional=True),
    Field("running_cost_change_gbp_pa", "Running cost change (£ a year)", float, None, -1e10, 1e10, optional=True),
    Field("running_cost_saved_gbp_pa", "Running cost saved (£ a year)", float, None, 0.0, 1e10, optional=True),
    Field("backlog_maintenance_gbp", "Backlog maintenance avoided (£)", float, None, 0.0, 1e10, optional=True),
)}


@dataclass(frozen=True)
class FinanceRequest(Request):
    """The money of one change (blank: not supplied, listed as missing, never taken as zero)."""

    build_cost_gbp: float | None = None
    refurbishment_gbp: float | None = None
    relocation_cost_gbp: float | None = None
    receipt_gbp: float | None = None
    grant_gbp: float | None = None
    running_cost_change_gbp_pa: float | None = None
    running_cost_saved_gbp_pa: float | None = None
    backlog_maintenance_gbp: float | None = None

    FIELDS = tuple(FINANCE_FIELDS.values())

    def finance(self) -> dict[str, Any]:
        """The ``finance`` mapping of a scenario change: the figures supplied."""
        return {f.name: getattr(self, f.name) for f in self.FIELDS if getattr(self, f.name) is not None}


def estates(session: Session) -> pd.DataFrame:
    """Every site's estates figures (running cost, disposal value, backlog, floor area, bays), read once per session.

    Parameters
    ----------
    session
        The routing session over the warehouse (network, placed sites and demand, bounded caches).
    """
    return session.cached(("estates",), lambda: session.read(read_estates))


def evaluate_service(session: Session, scenario: Scenario, service: str,
                     spec: DemandSpec = DemandSpec()) -> tuple[Evaluation, Evaluation]:
    """Response times of one service's demand before and after the scenario (fast: from the cached model).

    Parameters
    ----------
    session
        The routing session over the warehouse (network, placed sites and demand, bounded caches).
    scenario
        The change of estate.
    service
        The service evaluated.
    spec
        The demand.
    """
    after = apply_scenario(session.estate(scenario.as_of), scenario)
    before_ev = session.evaluate(service, spec, as_of=scenario.as_of)
    after_ev = session.evaluate(service, spec, after[after["service"] == service], as_of=scenario.as_of)
    return before_ev, after_ev


def _areas(session: Session, pts: pd.DataFrame, r0: np.ndarray, r1: np.ndarray,
           threshold_s: float) -> list[dict[str, Any]]:
    """Areas (boroughs) whose cover changes, largest change in demand within the standard first."""
    w = pts["weight"].to_numpy()
    a = summarise_by(pts["area"].to_numpy(), r0, w, threshold_s, variability=session.variability).set_index("area")
    b = summarise_by(pts["area"].to_numpy(), r1, w, threshold_s, variability=session.variability).set_index("area")
    rows = []
    for area in a.index:
        if a.at[area, "demand_on_network"] <= 0:
            continue
        d_share = b.at[area, "share_within"] - a.at[area, "share_within"]
        d_mean = b.at[area, "mean_s"] - a.at[area, "mean_s"]
        if abs(d_share) > 1e-9 or abs(d_mean) > 1e-6:
            rows.append({"area": area, "share_within_before": a.at[area, "share_within"],
                         "share_within_after": b.at[area, "share_within"], "mean_s_before": a.at[area, "mean_s"],
                         "mean_s_after": b.at[area, "mean_s"],
                         "demand_within_change": float(d_share * a.at[area, "demand_on_network"]),
                         "direction": "gains" if (d_share > 0 or (d_share == 0 and d_mean < 0)) else "loses"})
    return sorted(rows, key=lambda r: -abs(r["demand_within_change"]))


def _before_after(session: Session, service: str, sites: tuple[pd.DataFrame, pd.DataFrame], pts: pd.DataFrame,
                  times: tuple[np.ndarray, np.ndarray], threshold: float) -> tuple[dict[str, Any], dict[str, Any]]:
    """The before and after description of one demand (or a subset of it) from times already evaluated."""
    before = session.describe("before", sites[0], pts, times[0], threshold, service=service)
    after = session.describe("after", sites[1], pts, times[1], threshold, service=service)
    return before, after


def service_effect(session: Session, scenario: Scenario, service: str, *,
                   threshold_s: float | None = None) -> tuple[dict[str, Any], Evaluation, Evaluation]:
    """One service before and after: population, areas that gain and lose, incidents by category.

    The scenario is applied once and each demand (population, incidents) evaluated once before and once
    after; the incident categories are read from those two evaluations. Returns the figures and the
    population's evaluations before and after the changes (for maps and curves).

    Parameters
    ----------
    session
        The routing session over the warehouse (network, placed sites and demand, bounded caches).
    scenario
        The change of estate.
    service
        The service evaluated.
    threshold_s
        The response standard (None: the service's usual one).
    """
    threshold = standard_s(service, threshold_s)
    base = session.estate(scenario.as_of)
    after = apply_scenario(base, scenario)
    sites = (base[base["service"] == service], after[after["service"] == service])
    pop_spec = DemandSpec()
    require_demand(session.demand(pop_spec), what="population")
    ev0 = session.evaluate(service, pop_spec, as_of=scenario.as_of)
    ev1 = session.evaluate(service, pop_spec, sites[1], as_of=scenario.as_of)
    pop, r0, r1 = ev0.points, ev0.response_s, ev1.response_s
    before_pop, after_pop = _before_after(session, service, sites, pop, (r0, r1), threshold)
    entry: dict[str, Any] = {"threshold_s": threshold, "sites_before": len(sites[0]), "sites_after": len(sites[1]),
             "population": {"before": before_pop, "after": after_pop,
                            "change": change_counts(r0, r1, pop["weight"].to_numpy(), before_pop, after_pop)},
             "areas": _areas(session, pop, r0, r1, threshold), "incidents": {}}
    inc_spec = DemandSpec("incidents")
    inc = session.demand(inc_spec, service)
    if inc.empty:
        return entry, ev0, ev1
    q0 = session.evaluate(service, inc_spec, as_of=scenario.as_of).response_s
    q1 = session.evaluate(service, inc_spec, sites[1], as_of=scenario.as_of).response_s
    for category, grp in inc.groupby("category"):
        idx = grp.index.to_numpy()
        part = (q0[idx], q1[idx])
        ib, ia = _before_after(session, service, sites, grp.reset_index(drop=True), part, threshold)
        entry["incidents"][category] = {"n": len(grp), "on_network": int((grp["node"] >= 0).sum()),
                                        "before": ib["summary"], "after": ia["summary"],
                                        "change": change_counts(*part, grp["weight"].to_numpy(), ib, ia)}
    return entry, ev0, ev1


def appraisal(session: Session, scenario: Scenario, request: AppraisalRequest = AppraisalRequest()) -> Appraisal:
    """The scenario's Green Book appraisal: cash flows from its changes and the sites' estates figures, NPV,
    optimism bias, NPSV, payback, sensitivity, what is missing.

    Parameters
    ----------
    session
        The routing session over the warehouse (network, placed sites and demand, bounded caches).
    scenario
        The scenario appraised.
    request
        The appraisal's terms.
    """
    items, missing = scenario_cash_items(scenario.changes, estates(session), source=f"scenario {scenario.name!r}")
    horizon = request.horizon_years or scenario.horizon_years
    rate = scenario.discount_rate if request.discount_rate is None else request.discount_rate
    value = request.cover_value_gbp_pa if request.cover_value_gbp_pa is not None else scenario.cover_value_gbp_pa
    return appraise(items, horizon_years=horizon, discount_rate=rate, missing=missing,
                    optimism_bias=optimism_bias(scenario, request), cover_value_gbp_pa=value)


@dataclass(frozen=True)
class OptionsAppraisal(Result):
    """Options appraised side by side against the do-minimum (Green Book), best first."""

    horizon_years: int
    do_minimum: dict[str, Any] | None
    options: dict[str, dict[str, Any]]
    comparison: list[dict[str, Any]]


@dataclass(frozen=True)
class ScenarioResult(Result):
    """Before and after cover of every service a scenario touches, and its finance."""

    scenario: str
    note: str | None
    as_of: str | None
    profile: str
    network: str
    changes: list[dict[str, Any]]
    services: dict[str, dict[str, Any]]
    finance: dict[str, Any]
    #: per service, its population's response times before and after the changes (what the pages map and
    #: draw; not in the JSON)
    before: dict[str, Evaluation] = field(metadata={"json": False})
    after: dict[str, Evaluation] = field(metadata={"json": False})


def appraise_options(session: Session, options: list[Scenario], request: AppraisalRequest = AppraisalRequest(), *,
                     do_minimum: Scenario | None = None) -> OptionsAppraisal:
    """Options side by side against the do-minimum (keep the estate as it is, unless a do-minimum scenario is
    given): each option's appraisal, and the comparison table ranked by NPSV over the do-minimum.

    Parameters
    ----------
    session
        The routing session over the warehouse (network, placed sites and demand, bounded caches).
    options
        The scenarios compared.
    request
        The appraisal's terms.
    do_minimum
        The baseline scenario (None: keep the estate as it is).
    """
    if not options:
        raise ValidationError("options", "give at least one option to appraise against the do-minimum")
    names = [o.name for o in options]
    if len(set(names)) != len(names):
        raise ValidationError("options", f"options need different names, got {names}")
    horizon = request.horizon_years or max(o.horizon_years for o in options)
    req = AppraisalRequest(**{**request.__dict__, "horizon_years": horizon})
    apps = {o.name: appraisal(session, o, req) for o in options}
    base = appraisal(session, do_minimum, req) if do_minimum is not None else None
    table = compare_options(apps, do_minimum=base)
    return OptionsAppraisal.of({"horizon_years": horizon, "do_minimum": base.as_dict() if base else None,
            "options": {k: v.as_dict() for k, v in apps.items()}, "comparison": table.to_dict("records")})


def run_scenario(session: Session, scenario: Scenario, request: AppraisalRequest = AppraisalRequest(), *,
                 thresholds: dict[str, float] | None = None) -> ScenarioResult:
    """Before and after cover for each service the scenario touches (population, incidents by category) and NPV,
    with the times of the request's traffic period.

    Parameters
    ----------
    session
        The routing session over the warehouse (network, placed sites and demand, bounded caches).
    scenario
        The change of estate.
    request
        The appraisal's terms.
    thresholds
        Response standard by service (None: each service's usual one).
    """
    session = session.for_period(request.traffic_period)

    def build() -> ScenarioResult:
        base = session.estate(scenario.as_of)
        effects = {s: service_effect(session, scenario, s, threshold_s=(thresholds or {}).get(s))
                   for s in touched_services(base, scenario)}
        return ScenarioResult.of({
            "scenario": scenario.name, "note": scenario.note, "as_of": scenario.as_of,
            "profile": session.profile.key, "network": session.network.key, "changes": scenario.changes,
            "services": {s: e for s, (e, _, _) in effects.items()},
            "finance": appraisal(session, scenario, request).as_dict(),
            "before": {s: ev for s, (_, ev, _) in effects.items()},
            "after": {s: ev for s, (_, _, ev) in effects.items()}})
    key = ("scenario", scenario.name, scenario.as_of, repr(scenario.changes), request,
           tuple(sorted((thresholds or {}).items())), scenario.horizon_years, scenario.discount_rate,
           scenario.project_type, scenario.optimism_bias_pct, scenario.cover_value_gbp_pa)
    result: ScenarioResult = session.cached(key, build)
    return result
