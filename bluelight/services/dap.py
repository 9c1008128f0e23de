"""The DAP planner over the warehouse: demand of a time band, candidate posts, the model, and what it gains.

Shared by ``bluelight dap`` and the DAP page, so both report the same figures
from the same inputs. Reads go through :mod:`bluelight.services.inputs`; the numbers
come from :mod:`analysis.dap` and :mod:`analysis.demand_bands`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from bluelight.analysis.dap import (
    MODELS,
    DapProblem,
    PostSettings,
    compliance_table,
    coverage_figures,
    expected_share_within,
    nested_plans,
    solve_plan,
)
from bluelight.analysis.demand_bands import (
    BAND_HOURS,
    TimeBand,
    all_bands,
    expected_demand,
    load_rates,
    observed_demand,
    validate_forecast,
)
from bluelight.analysis.speeds import SpeedProfile, period_share, prevailing_period, turnout_s
from bluelight.analysis.summary import Variability, compare_targets
from bluelight.analysis.traveltime import point_times
from bluelight.foundation.config_files import config_file, read_yaml
from bluelight.foundation.errors import AnalysisError, ConfigError, ValidationError
from bluelight.foundation.text import profile_words
from bluelight.services.ambulance_national import population_trust, published_rates
from bluelight.services.dap_candidates import CANDIDATE_SOURCES as CANDIDATE_SOURCES  # the request's choices
from bluelight.services.dap_candidates import candidate_posts
from bluelight.services.dap_simulation import simulated_compliance
from bluelight.services.fleet_system import DEMAND_RATES
from bluelight.services.inputs import (
    Connection,
    fill_age_bands,
    read_incident_times,
    read_population_by_age,
    read_targets,
    site_turnouts,
)
from bluelight.services.requests import SNAP_FIELD, Field, Request
from bluelight.services.results import Result
from bluelight.services.session import Session, frame_links

DAP_CONFIG = "dap.yaml"
#: weeks of observed incidents below which the kernel bandwidth is not validated but taken as this default
DEFAULT_BANDWIDTH_M = 500.0


@dataclass(frozen=True)
class DapRules:
    """Operating rules from ``config/dap.yaml``: opening hours by label, busy fraction, activation."""

    opening_hours: dict[str, tuple[int, int] | None]
    default_hours: tuple[int, int]
    min_open_share: float
    busy_fraction: float
    sources: dict[str, str]
    standby_spacing_m: float = 1500.0
    standby_max_points: int = 300

    def open_in_band(self, hours_labels: Iterable[Any], band: TimeBand) -> np.ndarray:
        """Per site: open for at least ``min_open_share`` of the band's hours."""
        out = []
        for label in hours_labels:
            key = str(label).strip().upper() if label is not None and not pd.isna(label) else None
            span = self.opening_hours.get(key, self.default_hours) if key else self.default_hours
            if span is None:
                out.append(False)
                continue
            open_hours = set(range(span[0], span[1]))
            out.append(len(open_hours & set(band.hours)) >= self.min_open_share * len(band.hours))
        return np.array(out, dtype=bool)


def load_rules(path: str | Path | None = None) -> DapRules:
    """The DAP rules: ``path``, else the user's or the shipped ``dap.yaml``.

    Parameters
    ----------
    path
        The rules file (default: the user's or the shipped ``dap.yaml``).
    """
    path = path or config_file(DAP_CONFIG)
    doc = read_yaml(path, what="DAP rules")
    try:
        hours = {str(k).upper(): (tuple(v) if v else None) for k, v in doc["opening_hours"].items()}
        rules = DapRules(hours, tuple(doc["default_opening_hours"]), float(doc["min_open_share_of_band"]),
                         float(doc["busy_fraction"]), {"busy_fraction": doc.get("busy_fraction_source", ""),
                                                       "activation": doc.get("activation_source", ""),
                                                       "standby_points": doc.get("standby_source", "")},
                         float(doc.get("standby_spacing_m", 1500.0)), int(doc.get("standby_max_points", 300)))
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{path}: {exc!r} (needs opening_hours, default_opening_hours, "
                          f"min_open_share_of_band, busy_fraction)") from exc
    if not 0 <= rules.busy_fraction < 1:
        raise ConfigError(f"{path}: busy_fraction must be in [0, 1), got {rules.busy_fraction}")
    return rules


def band_names() -> tuple[str, ...]:
    """Every time band a plan can be made for: all, night ... evening, each all week, weekday or weekend."""
    parts = ["all"] + sorted((b for b in BAND_HOURS if b != "all"), key=lambda b: BAND_HOURS[b][0])
    return tuple(f"{p}{d}" for p in parts for d in ("", "-weekday", "-weekend"))


#: the model's own defaults (analysis), which the request starts from
_POST = PostSettings()


DEFAULT_CANDIDATES = ("fire", "police", "hospital", "road")


@dataclass(frozen=True)
class DapRequest(Request):
    """What to plan: the parameters of ``bluelight dap`` and of the DAP page."""

    k: int = 5
    model: str = _POST.model
    threshold_s: float = _POST.threshold_s
    threshold2_s: float = _POST.threshold2_s
    alpha: float = _POST.alpha
    candidates: tuple[str, ...] = DEFAULT_CANDIDATES
    band: str = "all"
    category: str = "category_1"
    demand: str = "auto"            # auto | observed | expected
    busy_fraction: float | None = None
    max_per_site: int = _POST.max_per_site
    time_limit_s: float = _POST.time_limit_s
    forced: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    max_snap_m: float = SNAP_FIELD.default

    FIELDS = (
        Field("k", "Ambulances to post", int, 5, 1, 50, help="Ambulances to post (and the curve's length)."),
        Field("model", "Model", str, _POST.model, choices=MODELS),
        Field("threshold_s", "Response standard", float, _POST.threshold_s, 60.0, 3600.0, unit="s",
              help="Response standard in seconds."),
        Field("threshold2_s", "DSM: everyone within", float, _POST.threshold2_s, 60.0, 7200.0, unit="s",
              help="Double standard: everyone within this."),
        Field("alpha", "DSM: share within the standard", float, _POST.alpha, 0.0, 1.0, unit="share",
              help="Double standard: share within --threshold-s."),
        Field("candidates", "Candidate posts", list, DEFAULT_CANDIDATES, choices=CANDIDATE_SOURCES, min_items=1,
              help="Where posts may be: stations of fire, police, ambulance; hospital sites; road (standby points "
                   "at junctions near demand, config/dap.yaml). Comma-separated."),
        Field("band", "Time band", str, "all", choices=band_names(),
              help="Time band: night, morning, afternoon, evening or all, optionally -weekday / -weekend."),
        Field("category", "Demand category", str, "category_1", choices=("category_1", "category_2"),
              help="Demand category (ARP)."),
        Field("demand", "Demand", str, "auto", choices=("auto", "observed", "expected"),
              help="Observed ambulance incidents, or expected from population (auto: observed when loaded)."),
        Field("busy_fraction", "Busy fraction", float, None, 0.0, 0.95, optional=True, unit="share",
              help="MEXCLP busy fraction (default: config/dap.yaml)."),
        Field("max_per_site", "Posts per site", int, _POST.max_per_site, 1, 10),
        Field("time_limit_s", "Solver time limit", float, _POST.time_limit_s, 1.0, 3600.0, unit="s",
              help="Solver time limit per model."),
        Field("forced", "Posts that must be used", list, (), flag="--force",
              help="Candidate site ids that must hold a post (comma-separated); the model places the rest."),
        Field("excluded", "Posts never used", list, (), flag="--exclude",
              help="Candidate site ids never to use (comma-separated)."),
        SNAP_FIELD,
    )

    @classmethod
    def check(cls, values: dict[str, Any]) -> None:
        both = sorted(set(values["forced"]) & set(values["excluded"]))
        if both:
            raise ValidationError("excluded", f"a post cannot be both forced and excluded: {', '.join(both)}")
        if len(values["forced"]) > values["k"]:
            raise ValidationError("forced", f"{len(values['forced'])} posts are forced but only {values['k']} "
                                            "ambulances are posted")
        if values["model"] == "dsm" and values["threshold2_s"] < values["threshold_s"]:
            raise ValidationError("threshold2_s", f"DSM: everyone within must be at least the response standard "
                                                  f"({values['threshold_s']:g} s), got {values['threshold2_s']:g}")

    def settings(self, rules: DapRules) -> PostSettings:
        return PostSettings(self.model, self.threshold_s, self.threshold2_s, self.alpha,
                            rules.busy_fraction if self.busy_fraction is None else self.busy_fraction,
                            self.max_per_site, self.time_limit_s)


def _of_category(incidents: pd.DataFrame, category: str) -> tuple[pd.DataFrame, str]:
    """Incidents of an ARP category by their priority (C1, Cat 1, Category 1...), when priorities are recorded."""
    number = category.rsplit("_", 1)[-1]
    code = incidents["priority"].fillna("").astype(str).str.upper().str.replace(r"[^A-Z0-9]", "", regex=True)
    mine = code.isin({f"C{number}", f"CAT{number}", f"CATEGORY{number}", number})
    if mine.any():
        return incidents[mine], f"priority recorded as {category}"
    return incidents, f"no priority recorded as {category}: all ambulance incidents used"


def band_demand(con: Connection, band: TimeBand, request: DapRequest, *,
                rates_path: Path | None = None, trust: str | None = None) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Demand points (zones) weighted by incidents a year in ``band``, and how they were obtained.

    Parameters
    ----------
    con
        An open warehouse connection.
    band
        The demand time band.
    request
        The DAP request (category, demand source).
    rates_path
        Demand rates file (default: the configured one).
    trust
        The trust whose published category mix replaces the configured one (None: configured).
    """
    zones, filled = fill_age_bands(read_population_by_age(con))
    if zones.empty:
        raise AnalysisError("the warehouse has no population zones: load population first "
                            "(bluelight etl population, or bluelight etl region)")
    incidents = read_incident_times(con, service="ambulance")
    use_observed = request.demand == "observed" or (request.demand == "auto" and not incidents.empty)
    if request.demand == "observed" and incidents.empty:
        raise AnalysisError("no ambulance incidents are loaded: use --demand expected, or load a trust's incidents")
    if not use_observed:
        rates, published = published_rates(con, load_rates(rates_path or config_file(DEMAND_RATES)), trust)
        w = expected_demand(zones, rates, band, category=request.category)
        info = {"kind": "expected", "method": "population by age x per-person rates x weekly profile",
                "category": request.category, "rates": rates.to_dict(), "band_share_of_year": rates.band_share(band),
                "category_share_from": published or "the configured national mix (config/ambulance_demand.yaml)",
                **({"age_bands_filled": filled} if filled else {})}
        return zones.assign(weight=w), info
    week = pd.to_datetime(incidents["call_time"]).dt.to_period("W").astype(str).to_numpy()
    weeks = len(np.unique(week))                       # the observation span, whatever the category
    incidents, selection = _of_category(incidents, request.category)
    week = pd.to_datetime(incidents["call_time"]).dt.to_period("W").astype(str).to_numpy()
    xy = zones[["easting", "northing"]].to_numpy(float)
    pts = incidents[["easting", "northing"]].to_numpy(float)
    in_band = band.contains(incidents["call_time"])
    info = {"kind": "observed", "method": "kernel-smoothed incident counts (mass-preserving Gaussian kernel)",
            "incidents": int(in_band.sum()), "weeks": weeks, "category": request.category, "selection": selection}
    bandwidth, blend = DEFAULT_BANDWIDTH_M, 0.0
    if weeks >= 8 and in_band.sum() >= 20:
        v = validate_forecast(xy, zones["pop_total"].to_numpy(float), pts[in_band], week[in_band])
        bandwidth, blend = v.best_bandwidth_m, v.best_population_share
        info["validation"] = {"train_weeks": v.train_weeks, "test_weeks": v.test_weeks,
                              "test_incidents": v.test_incidents, "table": v.table.to_dict("records"),
                              "improvement_vs_counts": v.improvement_vs_counts,
                              "improvement_vs_population": v.improvement_vs_population}
    else:
        info["validation"] = None
        info["note"] = f"too few weeks or incidents to validate; bandwidth {DEFAULT_BANDWIDTH_M:.0f} m assumed"
    info |= {"bandwidth_m": bandwidth, "population_share": blend}
    return zones.assign(weight=observed_demand(xy, pts[in_band], weeks, bandwidth,
                                               zone_population=zones["pop_total"].to_numpy(float),
                                               population_share=blend)), info


def build_problem(points: pd.DataFrame, candidates: pd.DataFrame, fixed: pd.DataFrame, *, band: TimeBand,
                  rules: DapRules, profile: SpeedProfile, place_sites: Callable[..., Any],
                  site_times: Callable[..., Any],
                  place: Callable[..., Any]) -> tuple[DapProblem, pd.DataFrame, pd.DataFrame]:
    """Response matrices from candidate posts (standby activation) and existing stations to demand points.

    ``place_sites(frame)`` puts posts and stations on their road segments and
    ``site_times(frame)`` gives their drive times (:class:`SiteTimes`);
    ``place(frame)`` puts demand points on theirs. Demand, candidates and
    stations off the road network are dropped (the caller reports them).

    Parameters
    ----------
    points
        Demand points weighted for the band.
    candidates
        Candidate posts.
    fixed
        Existing ambulance stations (always open).
    band
        The demand time band.
    rules
        The DAP rules (opening hours, activation time).
    profile
        Speed profile.
    place_sites
        Places sites on their road segments.
    site_times
        Drive times from placed sites.
    place
        Places demand points on their road segments.
    """
    pts = place(points)
    pts = pts[(pts["node"] >= 0) & (pts["weight"] > 0)].reset_index(drop=True)
    cands = place_sites(candidates.reset_index(drop=True))
    cands = cands[cands["node"] >= 0].reset_index(drop=True)
    stations = place_sites(fixed.reset_index(drop=True))
    stations = stations[stations["node"] >= 0].reset_index(drop=True)
    standby = turnout_s("ambulance", profile, standby=True)
    links = frame_links(pts)
    cand_s = point_times(site_times(cands), links).T + standby
    fixed_s = point_times(site_times(stations), links).T + site_turnouts(stations, profile)[None, :]
    available = rules.open_in_band(cands["hours_current"], band) if len(cands) else np.zeros(0, bool)
    cands = cands.assign(open_in_band=available, activation_s=standby)
    return DapProblem(cand_s, fixed_s, pts["weight"].to_numpy(float), available), pts, cands


def plan(problem: DapProblem, pts: pd.DataFrame, cands: pd.DataFrame, request: DapRequest, rules: DapRules, *,
         targets: pd.DataFrame, variability: Variability | None, k_max: int | None = None) -> dict[str, Any]:
    """Solve, and report objective, before/after cover against targets, the curve and the compliance table.

    Parameters
    ----------
    problem
        The response matrices and weights.
    pts
        Demand points on the network.
    cands
        Candidate posts on the network.
    request
        Posts to open, objective and standard.
    rules
        The DAP rules.
    targets
        The standards the plan is judged against.
    variability
        Travel-time spread (None: times as modelled).
    k_max
        Most posts in the compliance curve (default: the request's, and the rules' limit).
    """
    settings = request.settings(rules)
    forced, excluded = candidate_rows(cands, request)
    problem = replace(problem, available=problem.available & ~np.isin(np.arange(len(cands)), excluded))
    result = solve_plan(problem, request.k, settings, forced=forced)
    w = problem.weight
    before, after = problem.response_s(), problem.response_s(result.chosen)
    posts = cands.iloc[result.chosen]
    table = compliance_table(problem, k_max or request.k, settings, names=cands["name"].to_numpy(),
                             variability=variability)
    try:
        nested = nested_plans(problem, k_max or request.k, settings, forced=forced, names=cands["name"].to_numpy(),
                              variability=variability, optimum=table).to_dict("records")
        nested_note = ("posts added one at a time, each the best addition to those before: a fill order, so the "
                       "n-post plan contains the (n-1)-post plan; cost of nesting = the independent optimum's "
                       f"objective minus the nested plan's ({OBJECTIVE_UNITS[settings.model]})")
    except AnalysisError as exc:
        nested, nested_note = [], str(exc)
    out = {"model": result.as_dict() | {"chosen": posts["site_id"].tolist()}, "settings": asdict(settings),
           "posts": posts[["site_id", "name", "service", "easting", "northing", "lon", "lat"]].to_dict("records"),
           "before": coverage_figures(before, w, settings.threshold_s, variability=variability),
           "after": coverage_figures(after, w, settings.threshold_s, variability=variability),
           "expected_share_within": {
               "busy_fraction": settings.busy_fraction,
               "before": expected_share_within(problem, [], settings.threshold_s, settings.busy_fraction),
               "after": expected_share_within(problem, result.chosen, settings.threshold_s, settings.busy_fraction)},
           "compliance": table.to_dict("records"), "nested": nested, "nested_note": nested_note,
           "objective_units": OBJECTIVE_UNITS[settings.model],
           "forced": cands["site_id"].iloc[forced].tolist(), "excluded": cands["site_id"].iloc[excluded].tolist(),
           "candidates": {"total": len(cands), "open_in_band": int(problem.available.sum())},
           "demand_points": len(w), "demand_total": float(w.sum())}
    if not targets.empty:
        out["targets_before"] = compare_targets(before, w, targets, variability=variability).to_dict("records")
        out["targets_after"] = compare_targets(after, w, targets, variability=variability).to_dict("records")
    return out


#: what each model's objective counts
OBJECTIVE_UNITS = {"mclp": "incidents a year newly covered within the standard",
                   "mexclp": "incidents a year expected to be covered by a free ambulance, beyond the stations",
                   "dsm": "incidents a year covered twice within the standard",
                   "pmedian": "incident-seconds a year of response (lower is better)"}


def candidate_rows(cands: pd.DataFrame, request: DapRequest) -> tuple[list[int], list[int]]:
    """Rows of the forced and excluded posts among the candidates; an unknown or closed id is named.

    Parameters
    ----------
    cands
        Candidate posts.
    request
        The DAP request (forced and excluded posts).
    """
    ids = cands["site_id"].tolist()
    out = []
    for kind in ("forced", "excluded"):
        wanted = list(getattr(request, kind))
        unknown = [i for i in wanted if i not in ids]
        if unknown:
            raise ValidationError(kind, f"not a candidate post on the road network in this band: "
                                         f"{', '.join(unknown)} (candidates are {', '.join(request.candidates)} "
                                         "stations)")
        out.append([ids.index(i) for i in wanted])
    closed = [ids[j] for j in out[0] if not cands["open_in_band"].iloc[j]]
    if closed:
        raise ValidationError("forced", f"closed in the {request.band} band, so it cannot hold a post: "
                                        f"{', '.join(closed)}")
    return out[0], out[1]


#: the standards a DAP plan is judged against, by demand category
TARGET_CATEGORIES = {"category_1": ("category_1", "category_a"), "category_2": ("category_2",)}


def dap_targets(con: Connection, category: str) -> pd.DataFrame:
    """The ambulance standards a DAP plan for ``category`` demand is judged against.

    Parameters
    ----------
    con
        An open warehouse connection.
    category
        The demand category (``category_1``, ``category_2``).
    """
    return read_targets(con, service="ambulance", categories=TARGET_CATEGORIES.get(category, (category,)))


def plan_band(session: Session, request: DapRequest, *, points: Path | None = None) -> DapBandPlan:
    """A DAP plan for the request's band, with the frames its maps need (cached per request in the session).

    ``points`` adds candidate posts anywhere (a CSV of name, easting, northing), open at all hours. Travel times
    are the profile's traffic period that covers at least half the plan's hours (night for the small hours), else
    all hours': the plan says which.

    Parameters
    ----------
    session
        The routing session over the warehouse (network, placed sites and demand, bounded caches).
    request
        The DAP request, for one band.
    points
        A CSV of extra candidate points (None: none).
    """
    band = TimeBand.parse(request.band)
    if session.profile.period in (None, "all"):
        period, share = prevailing_period(band.hours, band.days, list(session.profile.traffic_periods or {}))
        session = session.for_period(period)
    else:                                     # a period chosen for the whole session (--traffic-period) is kept
        period, share = session.profile.period, period_share(band.hours, band.days, session.profile.period)

    def build() -> DapBandPlan:
        rules = load_rules()
        cands, fixed = candidate_posts(session, request.candidates, points, spacing_m=rules.standby_spacing_m,
                                       max_points=rules.standby_max_points)
        trust = population_trust(session)
        pts, info = session.cached(("band_demand", band, request.demand, request.category, trust),
                                   lambda: session.read(lambda cur: band_demand(cur, band, request, trust=trust)))
        problem, on_pts, on_cands = build_problem(pts, cands, fixed, band=band, rules=rules, profile=session.profile,
                                                  place_sites=session.place_sites,
                                                  site_times=session.site_times,
                                                  place=lambda f: session.with_links(f, max_snap_m=request.max_snap_m))
        if problem.weight.sum() <= 0:
            raise AnalysisError(f"no {request.category} demand on the road network in the {band.name} band: "
                                "load population (with age bands) or ambulance incidents first")
        targets = session.read(lambda cur: dap_targets(cur, request.category))
        out = plan(problem, on_pts, on_cands, request, rules, targets=targets, variability=session.variability)
        out["simulated"] = simulated_compliance(session, on_pts, on_cands, fixed, out["compliance"],
                                                category=request.category, threshold_s=request.threshold_s,
                                                demand=info, band=band)
        info = info | {"zones_dropped": int(len(pts) - len(on_pts)),
                       "zones_dropped_reason": "off the road network or no demand in the band"}
        return DapBandPlan.of(out | {"demand": info, "points": on_pts, "candidates_frame": on_cands,
                                     "stations": fixed, "rules": rules,
                                     "travel_times": {"hour_band": period, "share_of_plan_hours": share,
                                                      "profile": session.profile.key}})
    return session.cached(("dap", request, str(points) if points else None), build)


def travel_times_text(travel: dict[str, Any]) -> str:
    """Whose hours' travel times a plan used (a plan by time band is timed at the band covering its hours).

    Parameters
    ----------
    travel
        The plan's ``travel_times`` (traffic period under its JSON key ``hour_band``, share of plan hours, profile).

    Examples
    --------
    >>> travel_times_text({"hour_band": "peak", "share_of_plan_hours": 0.5, "profile": "bluelight@3/peak"})
    'travel times of the peak traffic period (50% of the plan hours; speed profile bluelight, version 3 (peak hours))'
    >>> travel_times_text({"hour_band": "all", "share_of_plan_hours": 1.0, "profile": "bluelight@3"})
    'travel times of all hours (speed profile bluelight, version 3)'
    """
    if travel["hour_band"] == "all":
        return f"travel times of all hours ({profile_words(travel['profile'])})"
    return (f"travel times of the {travel['hour_band'].replace('_', '-')} traffic period "
            f"({100 * travel['share_of_plan_hours']:.0f}% of the plan hours; {profile_words(travel['profile'])})")


#: the location models in words (exports, pages and reports)
MODEL_WORDS = {"mclp": "maximal covering (MCLP)", "mexclp": "expected covering (MEXCLP)",
               "dsm": "double standard (DSM)", "pmedian": "p-median (mean response)"}


def band_words(band: str) -> str:
    """A demand time band as words: ``evening-weekend`` -> ``evenings 18:00-22:00, weekends``.

    Parameters
    ----------
    band
        A demand time band's name.
    """
    tb = TimeBand.parse(band)
    if len(tb.hours) == 24 and len(tb.days) == 7:
        return "all hours, every day"
    days = {7: "every day", 5: "weekdays", 2: "weekends"}.get(len(tb.days), f"{len(tb.days)} days a week")
    return f"{tb.name.split('-')[0]} {tb.hours[0]:02d}:00-{(tb.hours[-1] + 1) % 24:02d}:00, {days}"


@dataclass(frozen=True)
class DapBandPlan(Result):
    """One time band's plan: the posts, cover before and after, the compliance curve and its simulation, and the
    frames its maps draw (for the pages; not in the JSON)."""

    OPTIONAL: ClassVar[frozenset[str]] = frozenset({"targets_before", "targets_after"})

    model: dict[str, Any]
    settings: dict[str, Any]
    posts: list[dict[str, Any]]
    before: dict[str, Any]
    after: dict[str, Any]
    expected_share_within: dict[str, Any]
    compliance: list[dict[str, Any]]
    nested: list[dict[str, Any]]
    nested_note: str
    objective_units: str
    forced: list[str]
    excluded: list[str]
    candidates: dict[str, int]
    demand_points: int
    demand_total: float
    simulated: dict[str, Any]
    demand: dict[str, Any]
    travel_times: dict[str, Any]
    points: pd.DataFrame = field(metadata={"json": False})
    candidates_frame: pd.DataFrame = field(metadata={"json": False})
    stations: pd.DataFrame = field(metadata={"json": False})
    rules: DapRules = field(metadata={"json": False})
    targets_before: list[dict[str, Any]] | None = None
    targets_after: list[dict[str, Any]] | None = None


@dataclass(frozen=True)
class DapPlans(Result):
    """DAP plans for each time band asked for, with the request and rules they used."""

    request: dict[str, Any]
    profile: str
    rules: dict[str, Any]
    bands: dict[str, DapBandPlan]


def run_dap(session: Session, request: DapRequest, *, every_band: bool = False, points: Path | None = None) -> DapPlans:
    """Everything ``bluelight dap`` reports, as a JSON-ready dict: one plan per band asked for.

    Parameters
    ----------
    session
        The routing session over the warehouse (network, placed sites and demand, bounded caches).
    request
        The DAP request.
    every_band
        Whether to plan every band, not only the request's.
    points
        A CSV of extra candidate points (None: none).
    """
    bands = all_bands() if every_band else [TimeBand.parse(request.band)]
    plans: dict[str, DapBandPlan] = {}
    for band in bands:
        plans[band.name] = plan_band(session, replace(request, band=band.name), points=points)
    out = {"request": asdict(request), "profile": session.profile.key, "rules": asdict(load_rules()), "bands": plans}
    return DapPlans.of(out)
