"""Coverage explorer: one service, one standard, any demand; who is reached, how fast, by whom."""

from __future__ import annotations

import dash
import numpy as np
import pandas as pd
from dash import Input, Output, State, dcc, html

from bluelight.analysis.coverage import summarise_by
from bluelight.services.inputs import AGE_COLUMNS
from bluelight.dashboard import figures, layers
from bluelight.standards import DEFAULT_STANDARD
from bluelight.dashboard.engine import DemandSpec, Engine
from bluelight.dashboard.layout import control
from bluelight.dashboard.queries import Warehouse
from bluelight.vocab import EMERGENCY_SERVICES

SITE_BANDS = (240.0, 360.0, 480.0)


def parse_demand(kind, age_band, categories, hours) -> DemandSpec:
    if kind == "incidents":
        return DemandSpec("incidents", categories=tuple(sorted(categories or [])), hours=tuple(hours or (0, 23)))
    return DemandSpec("population", age_band=age_band or "all")


def layout(wh: Warehouse, engine: Engine):
    if not wh.available:
        return html.Div([html.H2("Coverage explorer"), html.P("No data loaded yet.")])
    return html.Div([
        html.H2("Coverage explorer"),
        html.Div(className="panel", children=[html.Div(className="controls", children=[
            control("Service", dcc.Dropdown(id="cov-service", options=list(EMERGENCY_SERVICES), value="fire", clearable=False),
                    "cov-service"),
            control("Standard (minutes)", dcc.Input(id="cov-threshold", type="number", min=1, max=60, step=0.5,
                                                    value=6, debounce=True), "cov-threshold"),
            html.Div(className="control", children=[html.Span("Demand", className="control-label"),
                     dcc.RadioItems(id="cov-demand", value="population", inline=True,
                                    options=[{"label": "population", "value": "population"},
                                             {"label": "incidents", "value": "incidents"}],
                                    inputStyle={"marginRight": "4px", "marginLeft": "10px"})]),
            control("Age band", dcc.Dropdown(id="cov-age", options=list(AGE_COLUMNS), value="all", clearable=False),
                    "cov-age"),
            html.Div(className="control", style={"minWidth": "260px"}, children=[
                html.Label("Incident categories", htmlFor="cov-categories"),
                dcc.Dropdown(id="cov-categories", multi=True, placeholder="all categories")]),
            html.Div(className="control", style={"minWidth": "240px"}, children=[
                html.Span("Hour of day", className="control-label"),
                dcc.RangeSlider(id="cov-hours", min=0, max=23, step=1, value=[0, 23],
                                marks={h: str(h) for h in (0, 6, 12, 18, 23)})]),
        ])]),
        html.Div(id="cov-kpis"),
        html.Div(className="row", children=[
            html.Div(className="col panel", style={"flex": 3}, children=[
                dcc.Loading(dcc.Graph(id="cov-map", config={"displaylogo": False})),
                html.P(className="note", children="Click a site to draw its response isochrones (4, 6, 8 min) and "
                       "the demand it reaches first. Stations outside the road data cannot be routed: areas near "
                       "its edge may in reality be reached sooner than shown.")]),
            html.Div(className="col panel", style={"flex": 2}, children=[dcc.Graph(id="cov-curve")]),
        ]),
        html.Div(className="panel", children=[
            html.H3("By borough"),
            html.Button("Download CSV", id="cov-csv-btn"), " ", html.Button("Download GeoJSON", id="cov-geojson-btn"),
            dcc.Download(id="cov-download"),
            html.Div(id="cov-table")]),
        dcc.Store(id="cov-site"),
    ])


def register(app: dash.Dash, wh: Warehouse, engine: Engine) -> None:
    dash.register_page("coverage", order=1, path="/coverage", name="Coverage explorer",
                       title="Blue Light Atlas – Coverage explorer", layout=lambda **_: layout(wh, engine))

    @app.callback(Output("cov-categories", "options"), Output("cov-threshold", "value"), Input("cov-service", "value"))
    def service_defaults(service):
        return wh.incident_categories(service), DEFAULT_STANDARD[service][0] / 60

    @app.callback(Output("cov-site", "data"), Input("cov-map", "clickData"), Input("cov-service", "value"))
    def pick_site(click, service):
        point = (click or {}).get("points", [{}])[0]
        return point.get("customdata") if dash.ctx.triggered_id == "cov-map" and isinstance(
            point.get("customdata"), str) else None

    @app.callback(Output("cov-map", "figure"), Output("cov-curve", "figure"), Output("cov-kpis", "children"),
                  Output("cov-table", "children"),
                  Input("cov-service", "value"), Input("cov-threshold", "value"), Input("cov-demand", "value"),
                  Input("cov-age", "value"), Input("cov-categories", "value"), Input("cov-hours", "value"),
                  Input("cov-site", "data"))
    def update(service, minutes, kind, age, categories, hours, site_id):
        spec, threshold = parse_demand(kind, age, categories, hours), float(minutes or 6) * 60
        ev = engine.evaluate(service, spec)
        return explorer_view(wh, engine, ev, threshold, site_id)

    @app.callback(Output("cov-download", "data"), Input("cov-csv-btn", "n_clicks"),
                  Input("cov-geojson-btn", "n_clicks"), State("cov-service", "value"), State("cov-threshold", "value"),
                  State("cov-demand", "value"), State("cov-age", "value"), State("cov-categories", "value"),
                  State("cov-hours", "value"), prevent_initial_call=True)
    def download(_csv, _gj, service, minutes, kind, age, categories, hours):
        ev = engine.evaluate(service, parse_demand(kind, age, categories, hours))
        frame = export_frame(ev, float(minutes or 6) * 60)
        if dash.ctx.triggered_id == "cov-csv-btn":
            return dcc.send_data_frame(frame.to_csv, f"coverage_{service}.csv", index=False)
        return {"content": export_geojson(frame), "filename": f"coverage_{service}.geojson"}


def explorer_view(wh: Warehouse, engine: Engine, ev, threshold: float, site_id: str | None):
    """Map, curve, headline and borough table for one evaluation."""
    sites = engine.sites(ev.service)
    iso = highlight = None
    if site_id and site_id in set(sites["site_id"]):
        iso = figures.isochrone_layers(engine.isochrones(ev.service, SITE_BANDS, site_id), SITE_BANDS)
        highlight = engine.first_reached(ev.service, site_id, ev.demand)
    pts = ev.points
    zones = layers.LSOAS if ev.demand.kind == "population" else None
    title = f"{ev.service.title()} response, {_demand_label(ev.demand)}" + (f"; site {site_id}" if site_id else "")
    fig = figures.coverage_map(pts.assign(**_lonlat(pts)), ev.response_s, threshold_s=threshold, zones_geojson=zones,
                               sites=sites, roads=layers.ROADS, boundaries=layers.BOROUGHS,
                               bounds=wh.network_bounds(), iso_layers=iso, highlight=highlight, title=title)
    goal = _goal(wh, ev.service, threshold)
    curve = figures.cumulative_curve(ev.response_s, pts["weight"].to_numpy(), threshold_s=threshold, goal=goal,
                                     label=f"Share reached within t ({engine.profile.key})",
                                     variability=engine.variability)
    s = engine.summary(ev, threshold)
    kpi = figures.coverage_cards(s, threshold_s=threshold, demand_label=_demand_label(ev.demand),
                                 service=ev.service)
    by = summarise_by(pts["area"].to_numpy(), ev.response_s, pts["weight"].to_numpy(), threshold,
                      variability=engine.variability)
    by = by[by["demand_on_network"] > 0].sort_values("demand_on_network", ascending=False)
    return figures.with_tiles(fig, engine.web_tiles), curve, kpi, figures.frame_table(figures.area_table(by), table_id="cov-area-table", page_size=15)


def _lonlat(pts: pd.DataFrame) -> dict:
    from bluelight.etl.geo import to_wgs84

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


def export_frame(ev, threshold: float) -> pd.DataFrame:
    out = ev.points[["zone", "area", "easting", "northing", "weight"]].copy()
    out["response_s"] = np.round(ev.response_s, 1)
    out["within_standard"] = ev.response_s <= threshold
    out["on_network"] = ~np.isnan(ev.response_s)
    out["service"] = ev.service
    out["speed_profile"] = ev.profile_key
    return out


def export_geojson(frame: pd.DataFrame) -> str:
    import geopandas as gpd

    gdf = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame["easting"], frame["northing"]), crs="EPSG:27700")
    gdf["attribution"] = "© OpenStreetMap contributors (ODbL); ONS/LFB data under OGL v3"
    return gdf.to_crs("EPSG:4326").to_json(na="null", drop_id=True)
