"""Overview: every site, headline cover of each service against its standard, coverage and isochrones: what the page shows, as plain functions of the request and the engine's answers."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from dash import html

from bluelight.dashboard import layers
from bluelight.dashboard.components import maps as map_parts
from bluelight.dashboard.components import surface as surface_parts
from bluelight.dashboard.pages.overview import figures
from bluelight.dashboard.queries import Warehouse
from bluelight.foundation.standards import DEFAULT_STANDARD
from bluelight.foundation.text import profile_words
from bluelight.foundation.vocab import EMERGENCY_SERVICES
from bluelight.services.executive import judged, run_executive, service_busy, service_standard
from bluelight.services.session import DemandSpec, Session

ISO_BANDS = (300.0, 480.0, 600.0)


def kpis(wh: Warehouse, session: Session) -> html.Div:
    """A card per service, judged by the standard of the service where most of the population lives."""
    targets = wh.targets()
    cards = []
    for service in EMERGENCY_SERVICES:
        if session.sites(service).empty:
            continue
        st = service_standard(session, service, targets)
        threshold = st["threshold_s"]
        s = session.summary(session.evaluate(service, DemandSpec()), threshold)
        busy = service_busy(session, service, threshold)
        share, mean = (s.share_within_modelled, s.mean_s) if busy is None else (busy["share_within"], busy["mean_s"])
        met = None if st["reference"] else judged(st["statistic"], share, mean, threshold, st["goal"])
        text = st["judged_by"]
        inc = session.evaluate(service, DemandSpec("incidents"))
        inc_summary = session.summary(inc, threshold) if len(inc.points) else None
        cards.append(figures.kpi_card(service, s, threshold_s=threshold, target_text=text, met=met,
                                      profile_key=session.profile.key, incidents=inc_summary, busy=busy))
    return html.Div(className="cards", children=cards)


def executive_panel(wh: Warehouse, session: Session) -> html.Div:
    """Services x areas against each standard, with the share of each area's population assessed."""
    result = run_executive(session)
    if not result.cells:
        return html.Div()
    sc = result.scope
    return html.Div(className="panel", children=[
        html.H3("Cover by area and service"),
        html.P(html.B(f"Assessed: {sc['population_assessed']:,.0f} of {sc['population']:,.0f} people in "
                      f"{sc['areas']} areas that reach into the road data; {sc['judged']} areas are at least half "
                      "inside it. Figures for the others describe only their part inside (marked with % assessed).")),
        html.Div(className="matrix-wrap", children=figures.executive_grid(result.cells, table_id="overview-matrix")),
        html.P(className="note", children="Green: the standard is met; red: not met; white: no target to meet; "
               "grey: under half the area's people are inside the road data, so the figure describes only that "
               "part and is not judged. Hover over a cell for the whole sentence."),
        html.P(className="note", children="Shares are of the population reached within each service's standard "
               "(modelled with the travel-time spread); met / not met against the loaded target. Where incidents "
               "record their first arrival, the cell adds the actual share of those incidents within the standard "
               "and the modelled share of the same incidents (nearest station always free). "
               + " ".join(f"{s.title()}: {c}." for s, c in result.caveats.items())),
        html.Ul(id="overview-standards", className="note", children=[html.Li(t) for t in result.standards_in_use]),
        html.P(id="overview-busy", className="note", children=busy_note(result.cells))])


def busy_note(cells: list[dict[str, Any]]) -> str:
    """Which services are judged with busy vehicles, at what share, and where that figure comes from."""
    busy = {c["service"]: (c["busy_fraction"], c["busy_source"]) for c in cells if c.get("busy_fraction") is not None}
    if not busy:
        return ""
    shares = ", ".join(f"{s} {100 * f:.0f}% of the time" for s, (f, _) in sorted(busy.items()))
    published = sorted({c["published_summary"] for c in cells if c.get("published_c1_mean_s") is not None})
    return (f"Judged with vehicles busy ({shares}; config/executive.yaml): {next(iter(busy.values()))[1]} Fire is "
            "judged on its nearest station." + "".join(f" The {n}." for n in published))


def overview_coverage(wh: Warehouse, session: Session, service: str, sites: Any,
                      iso_layers: Any) -> tuple[go.Figure, str]:
    ev = session.evaluate(service, DemandSpec())
    threshold = DEFAULT_STANDARD[service][0]
    polygons = wh.has_zone_polygons()              # else (a county of LSOA centroids) the response as a surface
    points = ev.points if polygons else ev.points.assign(**session.cached(
        ("lon/lat", service, ev.demand), lambda: map_parts.lonlat_columns(ev.points)))
    surface = None if polygons else surface_parts.response_surface(session, service, threshold)
    fig = map_parts.coverage_map(points, ev.response_s, threshold_s=threshold,
                               zones_geojson=layers.LSOAS if polygons else None,
                               sites=sites[sites["service"] == service], roads=layers.roads(),
                               boundaries=layers.BOROUGHS, bounds=wh.network_bounds(),
                               iso_layers=iso_layers, points_label="people, at their area's centre",
                               surface=surface.layer if surface else None)
    return map_parts.with_tiles(fig, wh.web_tiles), legend_text(session, service, iso_layers, coverage=True,
                                                                 surface=surface)


def legend_text(session: Session, service: str, iso: Any, *, coverage: bool,
                surface: surface_parts.Surface | None = None) -> str:
    """What the map's colours and lines mean, and the profile its times are from."""
    parts = [f"Times from the {profile_words(session.profile.key)}."]
    if coverage and surface:
        parts.append(f"Colour: modelled {service} response (turnout + drive, minutes) at every road and the "
                     f"ground within {surface.buffer_m:.0f} m of it ({surface.cell_m:.0f} m cells), with each "
                     "area's people at its population-weighted centre (no area outlines are loaded for this "
                     "region).")
    elif coverage:
        parts.append(f"Colour: modelled {service} response (turnout + drive, minutes) to each LSOA's "
                     "population-weighted centre; LSOAs beyond the road data are not drawn.")
    if iso:
        parts.append(f"Isochrones: {service} response from its open stations within "
                     f"{map_parts.isochrone_legend(ISO_BANDS)} outline (drawn above the colour fill).")
    return " ".join(parts)
