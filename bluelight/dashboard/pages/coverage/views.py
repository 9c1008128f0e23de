"""Coverage explorer: one service, one standard, any demand; who is reached, how fast, by whom: what the page shows, as plain functions of the request and the engine's answers."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from bluelight.dashboard import layers, reports
from bluelight.dashboard.auth import current_role, current_rules, visible_sites
from bluelight.dashboard.components import charts as chart_parts
from bluelight.dashboard.components import maps as map_parts
from bluelight.dashboard.components import surface as surface_parts
from bluelight.dashboard.components import tables as table_parts
from bluelight.dashboard.controls import (
    Binding,
    blocked_figure,
    blocked_note,
    error_ids,
    parse_controls,
)
from bluelight.dashboard.pages.coverage import figures
from bluelight.dashboard.queries import Warehouse
from bluelight.foundation.access import tier_for
from bluelight.foundation.errors import ValidationError
from bluelight.foundation.text import profile_words
from bluelight.services.coverage import (
    CoverageRequest,
    area_summary,
    every_incident,
    export_frame,
    open_selection,
)
from bluelight.services.requests import SNAP_FIELD
from bluelight.services.session import DemandSpec, Session

SITE_BANDS = (240.0, 360.0, 480.0)


#: the page's controls, bound to the fields of :class:`CoverageRequest`
BINDINGS = [Binding("service", "cov-service"), Binding("threshold_s", "cov-threshold", scale=60),
            Binding("demand", "cov-demand"), Binding("age_band", "cov-age"), Binding("categories", "cov-categories"),
            Binding("max_snap_m", "cov-snap"), Binding("traffic_period", "cov-traffic-period")]


def parse(service: str, minutes: Any, kind: str, age: str, categories: Any, hours: Any,
          snap_m: Any = SNAP_FIELD.default, period: str = "all") -> tuple[CoverageRequest | None, list[str]]:
    """The request from the controls (hours from the slider), and one error text per bound control."""
    lo, hi = (hours or (0, 23))
    return parse_controls(CoverageRequest, BINDINGS, [service, minutes, kind, age, sorted(categories or []), snap_m,
                                                      period], hour_from=lo, hour_to=hi)


def parse_demand(kind: str | None, age_band: str | None, categories: Any, hours: Any) -> DemandSpec:
    """The demand of the controls (the spec of a :class:`CoverageRequest`)."""
    lo, hi = hours or (0, 23)
    return CoverageRequest.parse(demand=kind or "population", age_band=age_band or "all",
                                 categories=sorted(categories or []), hour_from=lo, hour_to=hi).spec


def update_view(wh: Warehouse, session: Session, service: str, minutes: Any, kind: str, age: str, categories: Any,
                hours: Any, site_id: str | None, snap_m: Any = SNAP_FIELD.default,
                period: str = "all") -> tuple[Any, ...]:
    """Everything the page shows for its controls, and the message beside each invalid one (the hours' last)."""
    request, errors = parse(service, minutes, kind, age, categories, hours, snap_m, period)
    if request is None:
        return blocked_figure(), blocked_figure(), blocked_note(), "", *errors, ""
    if request.spec.kind == "incidents" and tier_for(current_role()) != "official-sensitive":
        try:
            open_selection(request.spec, current_rules())
        except ValidationError as exc:                    # beside the control: hours, or the categories
            text = exc.errors[exc.field]
            errors = [text if e.endswith("cov-categories-error") and exc.field == "categories" else old
                      for e, old in zip(error_ids(BINDINGS), errors)]
            return (blocked_figure(), blocked_figure(), blocked_note(text), "", *errors,
                    text if exc.field == "hours" else "")
    session = session.for_period(request.traffic_period)
    ev = session.evaluate(service, request.spec)
    return *explorer_view(wh, session, ev, request.standard_s, site_id), *errors, ""


def explorer_view(wh: Warehouse, session: Session, ev: Any, threshold: float, site_id: str | None) -> tuple[Any, ...]:
    """Map, curve, headline and borough table for one evaluation."""
    sites = session.sites(ev.service)
    iso = highlight = None
    if site_id and site_id in set(sites["site_id"]):
        iso = map_parts.isochrone_layers(session.isochrones(ev.service, SITE_BANDS, site_id), SITE_BANDS)
        highlight = session.first_reached(ev.service, site_id, ev.demand)
    pts, shown_s = ev.points, ev.response_s
    zones = layers.LSOAS if ev.demand.kind == "population" and wh.has_zone_polygons() else None
    title = f"{ev.service.title()} response, {_demand_label(ev.demand)}" + (
        f"; site {site_id}, isochrones {map_parts.isochrone_legend(SITE_BANDS)}" if iso else "")
    if ev.demand.kind == "incidents" and tier_for(current_role()) != "official-sensitive":
        pts, shown_s = _cells(session, ev, threshold)         # no incident location beyond analysts
        highlight, title = None, title + f" ({current_rules().cell_m:g} m cells; small counts suppressed)"
        lonlat = map_parts.lonlat_columns(pts)
    else:                                                     # the same points on every answer: projected once
        lonlat = session.cached(("lon/lat", ev.service, ev.demand), lambda: map_parts.lonlat_columns(ev.points))
    surface = None if wh.has_zone_polygons() else surface_parts.response_surface(session, ev.service, threshold)
    if surface is not None:
        title += f"; {surface.note}"
    fig = map_parts.coverage_map(pts.assign(**lonlat), shown_s, threshold_s=threshold, zones_geojson=zones,
                               sites=visible_sites(sites), roads=layers.roads(), boundaries=layers.BOROUGHS,
                               bounds=wh.network_bounds(), iso_layers=iso, highlight=highlight, title=title,
                               points_label="incidents" if ev.demand.kind == "incidents" else
                               "people, at their area's centre", surface=surface.layer if surface else None)
    pts = ev.points
    goal = _goal(wh, ev.service, threshold)
    curve = chart_parts.cumulative_curve(ev.response_s, pts["weight"].to_numpy(), threshold_s=threshold, goal=goal,
                                     label=f"Share reached within t ({profile_words(session.profile.key)})",
                                     variability=session.variability)
    s = session.summary(ev, threshold)
    kpi = figures.coverage_cards(s, threshold_s=threshold, demand_label=_demand_label(ev.demand),
                                 service=ev.service)
    by = area_summary(ev, threshold, tier=tier_for(current_role()), variability=session.variability,
                      rules=current_rules())
    return map_parts.with_tiles(fig, wh.web_tiles), curve, kpi, table_parts.frame_table(figures.area_table(by), table_id="cov-area-table", page_size=15)


def coverage_report(wh: Warehouse, session: Session, request: CoverageRequest, *, tier: str) -> reports.Report:
    """One service's cover against its standard as a report: map, curve, summary and the areas."""
    ev = session.evaluate(request.service, request.spec)
    threshold = request.standard_s
    pts, shown_s = ev.points, ev.response_s
    zones = None
    if ev.demand.kind == "population":
        zones = wh.lsoa_geojson(pts.loc[~np.isnan(ev.response_s), "zone"].tolist())
    elif tier != "official-sensitive":
        pts, shown_s = _cells(session, ev, threshold)
    fig = map_parts.coverage_map(pts.assign(**map_parts.lonlat_columns(pts)), shown_s, threshold_s=threshold,
                               zones_geojson=zones,
                               sites=visible_sites(session.sites(request.service)), roads=None,
                               boundaries=wh.boundaries_geojson("borough"), title="")
    s = session.summary(ev, threshold)
    by = area_summary(ev, threshold, tier=tier, variability=session.variability, rules=current_rules())
    summary = pd.DataFrame([{"share within (modelled)": s.share_within_modelled, "share within (single time)":
                             s.share_within, "mean": s.mean_s, "90th centile": s.p90_s,
                             "demand on the network": s.demand_on_network,
                             "demand beyond the road data": s.demand_off_network}])
    return reports.Report(
        title=f"{request.service.capitalize()} cover: {_demand_label(ev.demand)}",
        headline=(f"{100 * s.share_within_modelled:.1f}% of {_demand_label(ev.demand)} on the road network reached "
                  f"within {threshold / 60:g} minutes (travel variability included); "
                  f"{s.demand_off_network:,.0f} of {s.demand_total:,.0f} lie beyond the road data and are not assessed."),
        asked={"Service": request.service, "Standard": f"{threshold / 60:g} minutes",
               "Demand": _demand_label(ev.demand)},
        figures=[("Response time (minutes) of the demand on the road network.", reports.static_map(fig)),
                 ("Share reached within t.", chart_parts.cumulative_curve(
                     ev.response_s, ev.points["weight"].to_numpy(), threshold_s=threshold,
                     goal=_goal(wh, request.service, threshold), label="share reached within t",
                     variability=session.variability))],
        tables=[reports.Table("Summary", summary, {"share within (modelled)": "pct", "share within (single time)":
                                                   "pct", "mean": "duration", "90th centile": "duration",
                                                   "demand on the network": "int",
                                                   "demand beyond the road data": "int"}),
                reports.Table("By area", figures.area_table(by), {"share within (modelled) %": "num1",
                                                                  "share within (single time) %": "num1",
                                                                  "mean min": "num1", "p90 min": "num1",
                                                                  "demand on network": "int",
                                                                  "beyond road data": "int"})],
        assumptions=[f"{k}: {v}" for k, v in session.profile.sources.items()]
        + ["Stations outside the road data cannot be routed: areas near its edge may be reached sooner than shown."],
        tier=tier, **reports.provenance_and_error(wh, session))


def _cells(session: Session, ev: Any, threshold: float) -> tuple[pd.DataFrame, np.ndarray]:
    """The incidents as the cells an open-tier export gives (the suppressed ones left off the map)."""
    cells = export_frame(ev, threshold, tier="open", rules=current_rules(),
                         every=every_incident(session, ev.service, ev.demand))
    cells = cells[~cells["suppressed"]].reset_index(drop=True)
    return cells.rename(columns={"cell_id": "zone", "incidents": "weight"}), cells["mean_response_s"].to_numpy(float)


def _demand_label(spec: DemandSpec) -> str:
    if spec.kind == "population":
        return f"population aged {spec.age_band}" if spec.age_band != "all" else "all population"
    cats = ", ".join(spec.categories) or "all incidents"
    return f"{cats}, {spec.hours[0]:02d}:00–{spec.hours[1]:02d}:59"


def _goal(wh: Warehouse, service: str, threshold: float) -> float | None:
    t = wh.targets()
    hit = t[(t["service"] == service) & (t["statistic"] == "share_within") & (t["threshold_s"] == threshold)]
    return float(hit["goal"].iloc[0]) if len(hit) else None
