"""Coverage of a service's sites over demand: ``bluelight coverage`` and the Coverage page.

One request (:class:`CoverageRequest`) and one answer (:func:`run_coverage`)
for both surfaces; a scenario or a date changes the estate before it is
assessed, through the same scenario engine as ``bluelight scenario run``.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from bluelight.analysis.disclosure import published_cells
from bluelight.analysis.scenario import Scenario
from bluelight.analysis.summary import Variability, summarise_by
from bluelight.foundation.access import TIER_TEXT, DisclosureRules
from bluelight.foundation.access import load_rules as load_access_rules
from bluelight.foundation.errors import AnalysisError, ValidationError
from bluelight.foundation.standards import DEFAULT_STANDARD, standard_s
from bluelight.foundation.vocab import EMERGENCY_SERVICES
from bluelight.services.inputs import AGE_COLUMNS
from bluelight.services.requests import SNAP_FIELD, TRAFFIC_PERIOD_FIELD, Field, Request
from bluelight.services.results import Result
from bluelight.services.session import DEFAULT_CUTOFF_S, DEMAND_KINDS, DemandSpec, Evaluation, Session

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

#: the response standard of a coverage question, as a field (pages and CLI share its range and message)
THRESHOLD_FIELD = Field("threshold_s", "Response standard", float, None, 60.0, 7200.0, unit="s",
                        help="Response standard in seconds, e.g. 360 (6 minutes).")


@dataclass(frozen=True)
class CoverageRequest(Request):
    """Which service, against which standard, over which demand."""

    service: str = "fire"
    threshold_s: float | None = None
    demand: str = "population"
    age_band: str = "all"
    categories: tuple[str, ...] = ()
    hour_from: int = 0
    hour_to: int = 23
    as_of: str | None = None
    cutoff_s: float = DEFAULT_CUTOFF_S
    by_area: bool = False
    availability: bool = False
    max_snap_m: float = SNAP_FIELD.default
    traffic_period: str = "all"

    FIELDS = (
        Field("service", "Service", str, "fire", choices=EMERGENCY_SERVICES),
        THRESHOLD_FIELD,
        Field("demand", "Demand", str, "population", choices=DEMAND_KINDS),
        Field("age_band", "Age band", str, "all", choices=tuple(AGE_COLUMNS)),
        Field("categories", "Incident categories", list, (), help="Incident categories (comma-separated).",
              flag="--category"),
        Field("hour_from", "First hour of day", int, 0, 0, 23),
        Field("hour_to", "Last hour of day", int, 23, 0, 23),
        Field("as_of", "Estate as of", str, None, optional=True,
              help="Estate as on this date (YYYY-MM-DD), e.g. before the 2014 closures."),
        Field("cutoff_s", "Longest drive searched", float, DEFAULT_CUTOFF_S, 300.0, 7200.0, unit="s"),
        Field("by_area", "By area", bool, False, help="Add a breakdown by area (borough)."),
        Field("availability", "With availability", bool, False,
              help="Add the share of the service's incidents reached within the standard when vehicles are not "
                   "always free (the availability simulation, 5 replications)."),
        SNAP_FIELD,
        TRAFFIC_PERIOD_FIELD,
    )

    @classmethod
    def check(cls, values: dict[str, Any]) -> None:
        if values["threshold_s"] is None:
            values["threshold_s"] = DEFAULT_STANDARD[values["service"]][0]
        if values["as_of"] is not None and not _DATE.match(values["as_of"]):
            raise ValidationError("as_of", f"Estate as of must be a date YYYY-MM-DD, got {values['as_of']!r}")
        if values["hour_from"] > values["hour_to"]:
            raise ValidationError("hour_to", f"Last hour of day must not be before the first "
                                             f"({values['hour_from']}), got {values['hour_to']}")

    @property
    def standard_s(self) -> float:
        """The response standard in seconds (:meth:`check` fills in the service's own when none is given)."""
        return standard_s(self.service, self.threshold_s)

    @property
    def spec(self) -> DemandSpec:
        """The demand this request assesses."""
        if self.demand == "population":
            return DemandSpec("population", self.age_band, max_snap_m=self.max_snap_m)
        return DemandSpec("incidents", "all", tuple(self.categories), (self.hour_from, self.hour_to),
                          max_snap_m=self.max_snap_m)


def require_demand(points: pd.DataFrame, *, what: str) -> None:
    """Refuse to report a share computed from no demand (nothing loaded, or nothing on the network).

    Parameters
    ----------
    points
        The demand points with their weights.
    what
        The demand in words, for the message.
    """
    if len(points) == 0 or float(points["weight"].sum()) <= 0:
        raise AnalysisError(f"there is no {what} demand to assess: load it first (bluelight etl population or "
                            f"bluelight etl incidents), or choose demand that exists")


@dataclass(frozen=True)
class CoverageResult(Result):
    """Cover of one service's demand against its standard, before and after a scenario."""

    OPTIONAL: ClassVar[frozenset[str]] = frozenset({'scenario', 'with_availability', 'change'})

    service: str
    threshold_s: float
    demand: str
    age_band: str | None
    profile: str
    network: str
    cutoff_s: float
    as_of: str | None
    max_snap_m: float
    variability: bool
    demand_points: int
    demand_points_off_network: int
    baseline: dict[str, Any]
    with_availability: dict[str, Any] | None
    scenario: dict[str, Any] | None
    change: dict[str, Any] | None


def run_coverage(session: Session, request: CoverageRequest, *, scenario: Scenario | None = None) -> CoverageResult:
    """Everything ``bluelight coverage`` reports, as a JSON-ready dict (times of the request's traffic period).

    Parameters
    ----------
    session
        The routing session over the warehouse (network, placed sites and demand, bounded caches).
    request
        Service, standard, demand, date and traffic period.
    scenario
        A change of estate assessed beside the baseline (None: baseline only).
    """
    session = session.for_period(request.traffic_period)
    as_of = request.as_of or (scenario.as_of if scenario else None)
    service, threshold_s = request.service, request.standard_s
    base_sites = session.sites(service, as_of=as_of)
    if base_sites.empty:
        raise AnalysisError(f"no operational {service} sites in the warehouse" + (f" as of {as_of}" if as_of else ""))
    pts = session.demand(request.spec, service)
    require_demand(pts, what=f"{request.demand} ({service})" if request.demand == "incidents" else "population")
    base = session.evaluate(service, request.spec, as_of=as_of)
    r0 = base.response_s
    baseline = session.describe("baseline", base_sites, pts, r0, threshold_s, service=service, by_area=request.by_area)
    result: dict[str, Any] = {"service": service, "threshold_s": threshold_s, "demand": request.demand,
              "age_band": request.age_band if request.demand == "population" else None,
              "profile": session.profile.key, "network": session.network.key, "cutoff_s": session.cutoff_s,
              "as_of": as_of, "max_snap_m": session.max_snap_m, "variability": session.profile.variability is not None,
              "demand_points": len(pts), "demand_points_off_network": int((pts["node"] < 0).sum()),
              "baseline": baseline}
    if request.availability:
        result["with_availability"] = availability_figures(session, request)
    if scenario is not None:
        after_sites = session.estate_after(scenario, service, as_of=as_of)
        ev = session.evaluate(service, request.spec, after_sites, as_of=as_of)
        r1 = ev.response_s
        after = session.describe(scenario.name, after_sites, pts, r1, threshold_s, service=service,
                                 by_area=request.by_area)
        result["scenario"] = after
        result["change"] = change_counts(r0, r1, pts["weight"].to_numpy(), baseline, after)
    return CoverageResult.of(result)


def availability_figures(session: Session, request: CoverageRequest, *, replications: int = 5) -> dict[str, Any]:
    """The simulated first-vehicle share of the service's incidents within the standard, beside the static one.

    Parameters
    ----------
    session
        The routing session over the warehouse (network, placed sites and demand, bounded caches).
    request
        The coverage request (service and standard).
    replications
        Simulation replications.
    """
    from bluelight.services.simulation import SimulationRequest, build_system, load_settings, run_replications

    settings = load_settings()
    try:
        sim = SimulationRequest.parse(service=request.service, threshold_s=request.threshold_s,
                                      replications=replications, max_snap_m=request.max_snap_m)
        system = build_system(session, sim, settings)
    except (AnalysisError, ValidationError) as exc:
        return {"available": False, "reason": str(exc)}
    out = run_replications(system, sim, settings)
    return {"available": True, "over": f"{len(system.incidents):,} loaded {request.service} incidents on the network "
                                       f"(resampled at the full rate, {replications} replications)",
            "first_within": out["first_within"], "first_within_static": out["first_within_static"],
            "not_nearest_share": out["not_nearest_share"], "warnings": out["warnings"]}


def change_counts(r0: np.ndarray, r1: np.ndarray, w: np.ndarray, before: dict[str, Any],
                  after: dict[str, Any]) -> dict[str, Any]:
    """Demand made slower or faster, and within the standard before and after.

    Parameters
    ----------
    r0
        Each demand point's response before (seconds; NaN off the network).
    r1
        Each demand point's response after.
    w
        Each point's demand.
    before
        The baseline's description (:meth:`Session.describe`).
    after
        The scenario's description.
    """
    on = ~np.isnan(r0)
    return {"demand_slower": float(w[on & (r1 > r0 + 1e-9)].sum()), "demand_faster": float(w[on & (r1 < r0 - 1e-9)].sum()),
            "share_within_change": after["summary"]["share_within"] - before["summary"]["share_within"],
            "demand_within_before": before["demand_within"], "demand_within_after": after["demand_within"]}


def open_selection(spec: DemandSpec, rules: DisclosureRules) -> tuple[str, int | str | None]:
    """The fixed partition and part an incident selection is published from at the open tier.

    Beyond analysts, incidents are shown only for all hours, one of the
    ``open_hour_blocks`` (all categories) or one category (all hours): any
    other selection could be subtracted from an allowed one to isolate a few
    incidents. Returns ``("hour_block", index or None)`` or ``("category", name)``.

    Parameters
    ----------
    spec
        The incident selection asked for.
    rules
        The disclosure rules (``security.yaml``).

    Raises
    ------
    ValidationError
        On ``hours`` or ``categories``, saying what the open tier allows.
    """
    blocks = tuple(tuple(b) for b in rules.open_hour_blocks)
    hours, cats = tuple(spec.hours), tuple(spec.categories)
    allowed = ", ".join(f"{a:02d}:00-{b:02d}:59" for a, b in blocks)
    if not cats:
        if hours == (0, 23):
            return "hour_block", None
        if hours in blocks:
            return "hour_block", blocks.index(hours)
        raise ValidationError("hours", f"incident maps beyond analysts are published for all hours or one block "
                                       f"({allowed}), so that no two maps differ by a few incidents; got "
                                       f"{hours[0]:02d}:00-{hours[1]:02d}:59 (analysts may choose any hours)")
    if len(cats) == 1 and hours == (0, 23):
        return "category", cats[0]
    raise ValidationError("categories", "incident maps beyond analysts are published for one category over all "
                                        "hours, or for all categories (disclosure control); analysts may combine them")


def export_frame(ev: Evaluation, threshold_s: float, *, tier: str = "official-sensitive",
                 rules: DisclosureRules | None = None, every: Evaluation | None = None) -> pd.DataFrame:
    """An evaluation as rows for download, at ``tier``.

    Population zones are published statistics and go out as they are. Incident
    demand goes out incident by incident (ids, exact coordinates) only at the
    ``official-sensitive`` tier; at ``open`` it becomes grid cells with the
    count, the share within the standard and the mean response, published
    only for a fixed selection (:func:`open_selection`) from ``every``
    incident of the service (its evaluation), with small counts and what
    would let them be derived suppressed (:func:`analysis.disclosure.published_cells`).

    Parameters
    ----------
    ev
        The evaluation exported.
    threshold_s
        The response standard.
    tier
        The disclosure tier of the download.
    rules
        The disclosure rules (default: ``security.yaml``'s).
    every
        Every incident's evaluation (needed for incident demand below ``official-sensitive``).
    """
    rules = rules or load_access_rules()
    out = ev.points[["zone", "area", "easting", "northing", "weight"]].copy()
    out["response_s"] = np.round(ev.response_s, 1)
    out["within_standard"] = ev.response_s <= threshold_s
    out["on_network"] = ~np.isnan(ev.response_s)
    if tier not in TIER_TEXT:
        raise ValidationError("tier", f"tier must be one of {', '.join(TIER_TEXT)}, got {tier!r}")
    if ev.demand.kind == "incidents" and tier != "official-sensitive":
        if every is None:
            raise AnalysisError("open-tier incident cells are published from every incident of the service: "
                                "pass its evaluation as every=")
        cells = open_cells(every, ev.demand, threshold_s, rules)
        out = cells.rename(columns={"count": "incidents"}).assign(
            cell_m=rules.cell_m, suppressed_below=rules.min_count,
            share_within_standard=lambda f: f["share_within_standard"].round(3),
            mean_response_s=lambda f: f["mean_response_s"].round(0))
    out["service"] = ev.service
    out["speed_profile"] = ev.profile_key
    out["tier"] = tier
    return out


def open_cells(every: Evaluation, spec: DemandSpec, threshold_s: float, rules: DisclosureRules) -> pd.DataFrame:
    """The open tier's cells of ``spec``'s incidents, computed from ``every`` incident's evaluation.

    Parameters
    ----------
    every
        Every incident's evaluation.
    spec
        The incident selection published.
    threshold_s
        The response standard.
    rules
        The disclosure rules.
    """
    partition, selected = open_selection(spec, rules)
    on = ~np.isnan(every.response_s)
    pts = every.points.loc[on].assign(response_s=every.response_s[on],
                                      within=(every.response_s[on] <= threshold_s).astype(float))
    if partition == "hour_block":
        hour = pts["hour_of_day"].to_numpy(float)
        part = np.full(len(pts), -1)
        for i, (a, b) in enumerate(rules.open_hour_blocks):
            part[(hour >= a) & (hour <= b)] = i
        parts: Sequence[Hashable] = list(range(len(rules.open_hour_blocks)))
    else:
        part = pts["category"].astype(object).where(pts["category"].notna(), None).to_numpy()
        parts = sorted({str(c) for c in part if c is not None} | {str(selected)})
    return published_cells(pts.assign(part=part), part="part", parts=parts, selected=selected, cell_m=rules.cell_m,
                           min_count=rules.min_count, means={"share_within_standard": "within",
                                                             "mean_response_s": "response_s"})


def every_incident(session: Session, service: str, spec: DemandSpec) -> Evaluation:
    """The evaluation of every incident of ``service`` (what open-tier cells of any selection are cut from).

    Parameters
    ----------
    session
        The routing session over the warehouse (network, placed sites and demand, bounded caches).
    service
        The service whose incidents are evaluated.
    spec
        The selection asked for (its snap distance is kept).
    """
    return session.evaluate(service, DemandSpec("incidents", "all", (), (0, 23), max_snap_m=spec.max_snap_m))


def area_summary(ev: Evaluation, threshold_s: float, *, tier: str, variability: Variability | None = None,
                 rules: DisclosureRules | None = None) -> pd.DataFrame:
    """Cover by area (largest first), at ``tier``: for the open tier, areas with fewer incidents than the
    disclosure threshold are left out (population zones are published, so they all stay).

    Parameters
    ----------
    ev
        The evaluation summarised.
    threshold_s
        The response standard.
    tier
        The disclosure tier of the page or download.
    variability
        Travel-time spread for the modelled share (None: times as modelled).
    rules
        The disclosure rules (default: ``security.yaml``'s).
    """
    by = summarise_by(ev.points["area"].to_numpy(), ev.response_s, ev.points["weight"].to_numpy(), threshold_s,
                      variability=variability)
    by = by[by["demand_on_network"] > 0]
    if ev.demand.kind == "incidents" and tier != "official-sensitive":
        by = by[by["demand_on_network"] >= (rules or load_access_rules()).min_count]
    return by.sort_values("demand_on_network", ascending=False)


def export_geojson(frame: pd.DataFrame) -> str:
    """The export as GeoJSON in WGS84, each feature naming its sources and its tier.

    Parameters
    ----------
    frame
        The export (:func:`export_frame`), in EPSG:27700.
    """
    import geopandas as gpd

    gdf = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame["easting"], frame["northing"]), crs="EPSG:27700")
    tier = str(frame["tier"].iloc[0]) if len(frame) else "open"
    gdf["attribution"] = f"© OpenStreetMap contributors (ODbL); ONS/LFB data under OGL v3. {TIER_TEXT[tier]}"
    return str(gdf.to_crs("EPSG:4326").to_json(na="null", drop_id=True))
