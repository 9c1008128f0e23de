"""The coverage page's layout: its controls (built from the request's fields) and where results go."""

from __future__ import annotations

from dash import dcc, html

from bluelight.dashboard.controls import (
    field_control,
    traffic_period_control,
)
from bluelight.dashboard.layout import map_row, no_data
from bluelight.dashboard.pages.coverage.views import BINDINGS
from bluelight.dashboard.queries import Warehouse
from bluelight.foundation.standards import DEFAULT_STANDARD
from bluelight.foundation.vocab import EMERGENCY_SERVICES
from bluelight.services.coverage import (
    CoverageRequest,
)
from bluelight.services.inputs import AGE_COLUMNS
from bluelight.services.session import DEMAND_KINDS, Session


def layout(wh: Warehouse, session: Session) -> html.Div:
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
            traffic_period_control(CoverageRequest, BINDINGS[6], session.profile),
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
            html.H3(f"By {wh.area_word()}"),
            html.Button("Download CSV", id="cov-csv-btn"), " ", html.Button("Download GeoJSON", id="cov-geojson-btn"), " ",
            html.Button("Download report (HTML)", id="cov-report-btn"), " ",
            html.Button("Download report (PDF)", id="cov-report-pdf-btn"),
            dcc.Download(id="cov-download"),
            html.Div(id="cov-table")]),
        dcc.Store(id="cov-site"),
    ])
