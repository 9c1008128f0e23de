"""Scenarios: one engine for ``bluelight scenario run``, the Scenarios page and the Co-location page.

A :class:`~bluelight.analysis.scenario.Scenario` (closures, openings, moves,
co-locations, merges, crewing changes, with finance) is applied to the estate
as of its date by :func:`~bluelight.analysis.scenario.apply_scenario`, and every
touched service is assessed before and after on population and on incidents
by category; the finance is appraised by the Green Book method. The pages
build a ``Scenario`` from their controls and call the same functions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from bluelight.analysis.coverage import summarise_by
from bluelight.analysis.finance import GREEN_BOOK_RATE, Appraisal, appraise, scenario_cash_items
from bluelight.analysis.scenario import Scenario, apply_scenario, load_scenario, touched_services
from bluelight.services.coverage import change_counts, require_demand
from bluelight.services.inputs import read_estates, read_sites
from bluelight.services.requests import HOUR_BAND_FIELD, Field, Request
from bluelight.services.session import DemandSpec, Evaluation, Session
from bluelight.standards import DEFAULT_STANDARD

__all__ = ["AppraisalRequest", "Scenario", "evaluate_service", "load_scenario", "run_scenario", "service_effect"]


@dataclass(frozen=True)
class AppraisalRequest(Request):
    """How a scenario's finance is appraised (default: the scenario file's, else the Green Book)."""

    horizon_years: int | None = None
    discount_rate: float | None = None
    hour_band: str = "all"

    FIELDS = (
        Field("horizon_years", "Appraisal horizon (years)", int, None, 1, 100, optional=True,
              help="Appraisal horizon (default: the file's, else 30)."),
        Field("discount_rate", "Discount rate", float, None, 0.0, 0.2, optional=True, unit="share",
              help=f"Annual discount rate (default: the file's, else the Green Book {GREEN_BOOK_RATE:.1%})."),
        HOUR_BAND_FIELD,
    )


#: the finance a scenario change may carry, as fields (money boxes on the pages are bound to these)
FINANCE_FIELDS = {f.name: f for f in (
    Field("build_cost_gbp", "Build cost (£)", float, None, 0.0, 1e10, optional=True),
    Field("refurbishment_gbp", "Refurbishment (£)", float, None, 0.0, 1e10, optional=True),
    Field("relocation_cost_gbp", "Relocation, one-off (£)", float, None, 0.0, 1e10, optional=True),
    Field("receipt_gbp", "Capital receipt (£)", float, None, 0.0, 1e10, optional=True),
    Field("grant_gbp", "Grant (£)", float, None, 0.0, 1e10, optional=True),
    Field("running_cost_change_gbp_pa", "Running cost change (£ a year)", float, None, -1e10, 1e10, optional=True),
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

    FIELDS = tuple(FINANCE_FIELDS.values())

    def finance(self) -> dict:
        """The ``finance`` mapping of a scenario change: the figures supplied."""
        return {f.name: getattr(self, f.name) for f in self.FIELDS if getattr(self, f.name) is not None}


def estates(session: Session) -> pd.DataFrame:
    return session.cached(("estates",), lambda: session.read(read_estates))


def baseline_sites(session: Session, as_of: str | None) -> pd.DataFrame:
    """Every service's operational sites as of a date (what a scenario changes)."""
    return session.cached(("all_sites", as_of), lambda: session.read(lambda cur: read_sites(cur, as_of=as_of)))


def evaluate_service(session: Session, scenario: Scenario, service: str,
                     spec: DemandSpec = DemandSpec()) -> tuple[Evaluation, Evaluation]:
    """Response times of one service's demand before and after the scenario (fast: from the cached model)."""
    after = apply_scenario(baseline_sites(session, scenario.as_of), scenario)
    before_ev = session.evaluate(service, spec, as_of=scenario.as_of)
    after_ev = session.evaluate(service, spec, after[after["service"] == service], as_of=scenario.as_of)
    return before_ev, after_ev


def _areas(session: Session, pts: pd.DataFrame, r0, r1, threshold_s: float) -> list[dict]:
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


def _before_after(session: Session, scenario: Scenario, service: str, spec: DemandSpec, threshold: float,
                  points: pd.DataFrame | None = None) -> tuple[dict, dict, np.ndarray, np.ndarray]:
    base = baseline_sites(session, scenario.as_of)
    after_sites = apply_scenario(base, scenario)
    b_sites, a_sites = base[base["service"] == service], after_sites[after_sites["service"] == service]
    ev0, ev1 = evaluate_service(session, scenario, service, spec)
    pts, r0, r1 = ev0.points, ev0.response_s, ev1.response_s
    if points is not None:                       # a subset of the demand (one incident category)
        idx = points.index.to_numpy()
        pts, r0, r1 = points.reset_index(drop=True), r0[idx], r1[idx]
    before = session.describe("before", b_sites, pts, r0, threshold, service=service)
    after = session.describe("after", a_sites, pts, r1, threshold, service=service)
    return before, after, r0, r1


def service_effect(session: Session, scenario: Scenario, service: str, *, threshold_s: float | None = None) -> dict:
    """One service before and after: population, areas that gain and lose, incidents by category."""
    threshold = float(threshold_s or DEFAULT_STANDARD[service][0])
    base = baseline_sites(session, scenario.as_of)
    after = apply_scenario(base, scenario)
    pop_spec = DemandSpec()
    pop = session.demand(pop_spec)
    require_demand(pop, what="population")
    before_pop, after_pop, r0, r1 = _before_after(session, scenario, service, pop_spec, threshold)
    entry = {"threshold_s": threshold, "sites_before": int((base["service"] == service).sum()),
             "sites_after": int((after["service"] == service).sum()),
             "population": {"before": before_pop, "after": after_pop,
                            "change": change_counts(r0, r1, pop["weight"].to_numpy(), before_pop, after_pop)},
             "areas": _areas(session, pop, r0, r1, threshold), "incidents": {}}
    inc_spec = DemandSpec("incidents")
    inc = session.demand(inc_spec, service)
    for category, grp in inc.groupby("category"):
        ib, ia, q0, q1 = _before_after(session, scenario, service, inc_spec, threshold, points=grp)
        entry["incidents"][category] = {"n": len(grp), "on_network": int((grp["node"] >= 0).sum()),
                                        "before": ib["summary"], "after": ia["summary"],
                                        "change": change_counts(q0, q1, grp["weight"].to_numpy(), ib, ia)}
    return entry


def appraisal(session: Session, scenario: Scenario, request: AppraisalRequest = AppraisalRequest()) -> Appraisal:
    """The scenario's finance: cash flows from its changes and the sites' estates figures, NPV, what is missing."""
    items, missing = scenario_cash_items(scenario.changes, estates(session))
    horizon = request.horizon_years or scenario.horizon_years
    rate = scenario.discount_rate if request.discount_rate is None else request.discount_rate
    return appraise(items, horizon_years=horizon, discount_rate=rate, missing=missing)


def run_scenario(session: Session, scenario: Scenario, request: AppraisalRequest = AppraisalRequest(), *,
                 thresholds: dict[str, float] | None = None) -> dict:
    """Before and after cover for each service the scenario touches (population, incidents by category) and NPV,
    with the times of the request's hour band."""
    session = session.for_band(request.hour_band)

    def build():
        base = baseline_sites(session, scenario.as_of)
        services = {s: service_effect(session, scenario, s, threshold_s=(thresholds or {}).get(s))
                    for s in touched_services(base, scenario)}
        return {"scenario": scenario.name, "note": scenario.note, "as_of": scenario.as_of,
                "profile": session.profile.key, "network": session.network.key, "changes": scenario.changes,
                "services": services, "finance": appraisal(session, scenario, request).as_dict()}
    key = ("scenario", scenario.name, scenario.as_of, repr(scenario.changes), request,
           tuple(sorted((thresholds or {}).items())), scenario.horizon_years, scenario.discount_rate)
    return session.cached(key, build)
