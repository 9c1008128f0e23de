"""Coverage explorer: one service, one standard, any demand; who is reached, how fast, by whom."""

from __future__ import annotations

import dash
import numpy as np
import pandas as pd
from dash import Input, Output, State, dcc, html

from bluelight.access import tier_for
from bluelight.dashboard import layers, reports
from bluelight.dashboard.auth import current_role, current_rules, note_export, visible_sites
from bluelight.dashboard.callbacks import callback
from bluelight.dashboard.components import charts as chart_parts
from bluelight.dashboard.components import maps as map_parts
from bluelight.dashboard.components import tables as table_parts
from bluelight.dashboard.controls import (
    Binding,
    blocked_figure,
    blocked_note,
    error_ids,
    field_control,
    hour_band_control,
    parse_controls,
)
from bluelight.dashboard.layout import Page, map_row, no_data
from bluelight.dashboard.pages.coverage import figures
from bluelight.dashboard.queries import Warehouse
from bluelight.errors import ValidationError
from bluelight.exports import safe_csv
from bluelight.services.coverage import (
    CoverageRequest,
    area_summary,
    availability_figures,
    every_incident,
    export_frame,
    export_geojson,
    open_selection,
)
from bluelight.services.inputs import AGE_COLUMNS
from bluelight.services.requests import SNAP_FIELD
from bluelight.services.session import DEMAND_KINDS, DemandSpec, Session
from bluelight.standards import DEFAULT_STANDARD
from bluelight.vocab import EMERGENCY_SERVICES

SITE_BANDS = (240.0, 360.0, 480.0)


#: the page's controls, bound to the fields of :class:`CoverageRequest`
BINDINGS = [Binding("service", "cov-service"), Binding("threshold_s", "cov-threshold", scale=60),
            Binding("demand", "cov-demand"), Binding("age_band", "cov-age"), Binding("categories", "cov-categories"),
            Binding("max_snap_m", "cov-snap"), Binding("hour_band", "cov-hour-band")]


def parse(service, minutes, kind, age, categories, hours, snap_m=SNAP_FIELD.default, band="all"
          ) -> tuple[CoverageRequest | None, list[str]]:
    """The request from the controls (hours from the slider), and one error text per bound control."""
    lo, hi = (hours or (0, 23))
    return parse_controls(CoverageRequest, BINDINGS, [service, minutes, kind, age, sorted(categories or []), snap_m,
                                                      band], hour_from=lo, hour_to=hi)


def parse_demand(kind, age_band, categories, hours) -> DemandSpec:
    """The demand of the controls (the spec of a :class:`CoverageRequest`)."""
    lo, hi = hours or (0, 23)
    return CoverageRequest.parse(demand=kind or "population", age_band=age_band or "all",
                                 categories=sorted(categories or []), hour_from=lo, hour_to=hi).spec


def layout(wh: Warehouse, session: Session):
    if not wh.available:
        return no_data("Coverage explorer")
    return html.Div([
        html.H2("Coverage explorer"),
        html.Div(className="panel", children=[html.Div(className="controls", children=[
            field_control(CoverageRequest, BINDINGS[0], component=dcc.Dropdown(
                id="cov-service", options=list(EMERGENCY_SERVICES), value="fire", clearable=False)),
            field_control(CoverageRequest, BINDINGS[1], label="Standard (minutes)",
                          value=DEFAULT_STANDARD["fire"][0]),
            field_control(CoverageRequest, BINDINGS[2], component=dcc.RadioItems(
                id="cov-demand", value="population", inline=True, options=list(DEMAND_KINDS),
                inputStyle={"marginRight": "4px", "marginLeft": "10px"})),
            field_control(CoverageRequest, BINDINGS[3], component=dcc.Dropdown(
                id="cov-age", options=list(AGE_COLUMNS), value="all", clearable=False)),
            field_control(CoverageRequest, BINDINGS[4], minWidth="260px", component=dcc.Dropdown(
                id="cov-categories", multi=True, placeholder="all categories")),
            field_control(CoverageRequest, BINDINGS[5]),
            hour_band_control(CoverageRequest, BINDINGS[6], session.profile),
            html.Div(className="control", style={"minWidth": "240px"}, children=[
                html.Span("Hour of day", className="control-label"),
                dcc.RangeSlider(id="cov-hours", min=0, max=23, step=1, value=[0, 23],
                                marks={h: str(h) for h in (0, 6, 12, 18, 23)}),
                html.Div(id="cov-hours-error", className="field-error", role="alert")]),
        ])]),
        html.Div(id="cov-kpis"),
        html.Div(className="panel", children=[
            html.Button("Add figures with availability", id="cov-avail-btn"),
            html.Span(" The shares above assume the nearest vehicle is always free; this simulates the service's "
                      "vehicles answering its loaded incidents (5 replications) and shows the share reached when "
                      "they are not.", className="note"),
            dcc.Loading(html.Div(id="cov-availability"))]),
        map_row("cov-map", [dcc.Graph(id="cov-curve")],
                note="Click a site to draw its response isochrones (4, 6, 8 min) and the demand it reaches first. "
                     "Stations outside the road data cannot be routed: areas near its edge may in reality be "
                     "reached sooner than shown."),
        html.Div(className="panel", children=[
            html.H3("By borough"),
            html.Button("Download CSV", id="cov-csv-btn"), " ", html.Button("Download GeoJSON", id="cov-geojson-btn"), " ",
            html.Button("Download report (HTML)", id="cov-report-btn"), " ",
            html.Button("Download report (PDF)", id="cov-report-pdf-btn"),
            dcc.Download(id="cov-download"),
            html.Div(id="cov-table")]),
        dcc.Store(id="cov-site"),
    ])


def register(app: dash.Dash, wh: Warehouse, session: Session) -> Page:
    page = Page(prefixes=("cov-",), order=1, path="/coverage", name="Coverage explorer", title="Blue Light Atlas – Coverage explorer", layout=lambda: layout(wh, session))

    @callback(app, Output("cov-categories", "options"), Output("cov-threshold", "value"), Input("cov-service", "value"))
    def service_defaults(service):
        return wh.incident_categories(service), DEFAULT_STANDARD[service][0] / 60

    @callback(app, Output("cov-site", "data"), Input("cov-map", "clickData"), Input("cov-service", "value"))
    def pick_site(click, service):
        point = (click or {}).get("points", [{}])[0]
        return point.get("customdata") if dash.ctx.triggered_id == "cov-map" and isinstance(
            point.get("customdata"), str) else None

    @callback(app, Output("cov-map", "figure"), Output("cov-curve", "figure"), Output("cov-kpis", "children"),
                  Output("cov-table", "children"), *[Output(i, "children") for i in error_ids(BINDINGS)],
                  Output("cov-hours-error", "children"), Input("cov-service", "value"), Input("cov-threshold", "value"), Input("cov-demand", "value"),
                  Input("cov-age", "value"), Input("cov-categories", "value"), Input("cov-hours", "value"),
                  Input("cov-site", "data"), Input("cov-snap", "value"), Input("cov-hour-band", "value"))
    def update(*values):
        return update_view(wh, session, *values)

    @callback(app, Output("cov-availability", "children"), Input("cov-avail-btn", "n_clicks"),
              Input("cov-service", "value"), Input("cov-threshold", "value"), State("cov-snap", "value"),
              State("cov-hour-band", "value"),
              prevent_initial_call=True, running=[(Output("cov-avail-btn", "disabled"), True, False)])
    def availability(_n, service, minutes, snap_m, band):
        if dash.ctx.triggered_id != "cov-avail-btn":
            return ""
        request, errors = parse(service, minutes, "population", "all", [], None, snap_m, band)
        if request is None:
            return blocked_note(next(e for e in errors if e))
        return figures.availability_cards(availability_figures(session.for_band(request.hour_band), request),
                                          threshold_s=request.threshold_s)

    @callback(app, Output("cov-download", "data"), Input("cov-csv-btn", "n_clicks"),
              Input("cov-geojson-btn", "n_clicks"), Input("cov-report-btn", "n_clicks"),
              Input("cov-report-pdf-btn", "n_clicks"), State("cov-service", "value"), State("cov-threshold", "value"),
              State("cov-demand", "value"), State("cov-age", "value"), State("cov-categories", "value"),
              State("cov-hours", "value"), State("cov-snap", "value"), State("cov-hour-band", "value"),
              prevent_initial_call=True)
    def download(_csv, _gj, _report, _pdf, service, minutes, kind, age, categories, hours, snap_m, band):
        request, errors = parse(service, minutes, kind, age, categories, hours, snap_m, band)
        if request is None:
            raise ValidationError("threshold_s", next(e for e in errors if e))
        tier, session_ = tier_for(current_role()), session.for_band(request.hour_band)
        if dash.ctx.triggered_id in ("cov-report-btn", "cov-report-pdf-btn"):
            return reports.download(coverage_report(wh, session_, request, tier=tier),
                                    filename=f"coverage_{service}_report",
                                    pdf=dash.ctx.triggered_id == "cov-report-pdf-btn")
        frame = export_frame(session_.evaluate(service, request.spec), request.threshold_s, tier=tier,
                             rules=current_rules(), every=every_incident(session_, service, request.spec))
        note_export(tier)
        if dash.ctx.triggered_id == "cov-csv-btn":
            return {"content": safe_csv(frame), "filename": f"coverage_{service}.csv"}
        return {"content": export_geojson(frame), "filename": f"coverage_{service}.geojson"}
    return page


def update_view(wh: Warehouse, session: Session, service, minutes, kind, age, categories, hours, site_id,
                snap_m=SNAP_FIELD.default, band="all"):
    """Everything the page shows for its controls, and the message beside each invalid one (the hours' last)."""
    request, errors = parse(service, minutes, kind, age, categories, hours, snap_m, band)
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
    session = session.for_band(request.hour_band)
    ev = session.evaluate(service, request.spec)
    return *explorer_view(wh, session, ev, request.threshold_s, site_id), *errors, ""


def explorer_view(wh: Warehouse, session: Session, ev, threshold: float, site_id: str | None):
    """Map, curve, headline and borough table for one evaluation."""
    sites = session.sites(ev.service)
    iso = highlight = None
    if site_id and site_id in set(sites["site_id"]):
        iso = map_parts.isochrone_layers(session.isochrones(ev.service, SITE_BANDS, site_id), SITE_BANDS)
        highlight = session.first_reached(ev.service, site_id, ev.demand)
    pts, shown_s = ev.points, ev.response_s
    zones = layers.LSOAS if ev.demand.kind == "population" else None
    title = f"{ev.service.title()} response, {_demand_label(ev.demand)}" + (
        f"; site {site_id}, isochrones {map_parts.isochrone_legend(SITE_BANDS)}" if iso else "")
    if ev.demand.kind == "incidents" and tier_for(current_role()) != "official-sensitive":
        pts, shown_s = _cells(session, ev, threshold)         # no incident location beyond analysts
        highlight, title = None, title + f" ({current_rules().cell_m:g} m cells; small counts suppressed)"
    fig = map_parts.coverage_map(pts.assign(**_lonlat(pts)), shown_s, threshold_s=threshold, zones_geojson=zones,
                               sites=visible_sites(sites), roads=layers.roads(), boundaries=layers.BOROUGHS,
                               bounds=wh.network_bounds(), iso_layers=iso, highlight=highlight, title=title)
    pts = ev.points
    goal = _goal(wh, ev.service, threshold)
    curve = chart_parts.cumulative_curve(ev.response_s, pts["weight"].to_numpy(), threshold_s=threshold, goal=goal,
                                     label=f"Share reached within t ({session.profile.key})",
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
    threshold = request.threshold_s
    pts, shown_s = ev.points, ev.response_s
    zones = None
    if ev.demand.kind == "population":
        zones = wh.lsoa_geojson(pts.loc[~np.isnan(ev.response_s), "zone"].tolist())
    elif tier != "official-sensitive":
        pts, shown_s = _cells(session, ev, threshold)
    fig = map_parts.coverage_map(pts.assign(**_lonlat(pts)), shown_s, threshold_s=threshold, zones_geojson=zones,
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


def _cells(session: Session, ev, threshold: float) -> tuple[pd.DataFrame, np.ndarray]:
    """The incidents as the cells an open-tier export gives (the suppressed ones left off the map)."""
    cells = export_frame(ev, threshold, tier="open", rules=current_rules(),
                         every=every_incident(session, ev.service, ev.demand))
    cells = cells[~cells["suppressed"]].reset_index(drop=True)
    return cells.rename(columns={"cell_id": "zone", "incidents": "weight"}), cells["mean_response_s"].to_numpy(float)


def _lonlat(pts: pd.DataFrame) -> dict:
    from bluelight.geo import to_wgs84

    lon, lat = to_wgs84(pts["easting"], pts["northing"])
    return {"lon": lon, "lat": lat}


def _demand_label(spec: DemandSpec) -> str:
    if spec.kind == "population":
        return f"population aged {spec.age_band}" if spec.age_band != "all" else "all population"
    cats = ", ".join(spec.categories) or "all incidents"
    return f"{cats}, {spec.hours[0]:02d}:00–{spec.hours[1]:02d}:59"


def _goal(wh: Warehouse, service: str, threshold: float) -> float | None:
    t = wh.targets()
    hit = t[(t["service"] == service) & (t["statistic"] == "share_within") & (t["threshold_s"] == threshold)]
    return float(hit["goal"].iloc[0]) if len(hit) else None
