"""The scenarios page's layout: its controls (built from the request's fields) and where results go."""

from __future__ import annotations

from pathlib import Path

from dash import dcc, html

from bluelight.dashboard.controls import traffic_period_control
from bluelight.dashboard.layout import control, map_row, no_data
from bluelight.dashboard.pages.scenarios.views import EMPTY, PERIOD_BINDINGS
from bluelight.dashboard.queries import Warehouse
from bluelight.foundation.vocab import EMERGENCY_SERVICES
from bluelight.services.scenarios import AppraisalRequest
from bluelight.services.session import Session


def layout(wh: Warehouse, session: Session, dirs: list[Path]) -> html.Div:
    if not wh.available:
        return no_data("Scenarios")
    return html.Div([
        html.H2("Scenarios: change the estate and see what happens to cover"),
        html.Div(className="panel", children=[html.Div(className="controls", children=[
            control("Service", dcc.Dropdown(id="scn-service", options=list(EMERGENCY_SERVICES), value="fire", clearable=False),
                    "scn-service"),
            html.Div(className="control", style={"minWidth": "340px"}, children=[
                html.Label("Close sites", htmlFor="scn-close"), dcc.Dropdown(id="scn-close", multi=True,
                                                                             placeholder="choose sites to close")]),
            html.Div(className="control", children=[html.Span("Click on the map to", className="control-label"),
                     dcc.RadioItems(id="scn-click-mode", value="add", inline=True,
                                    options=[{"label": "add a site", "value": "add"},
                                             {"label": "move the site below", "value": "move"}],
                                    inputStyle={"marginRight": "4px", "marginLeft": "10px"})]),
            control("Site to move", dcc.Dropdown(id="scn-move-site"), "scn-move-site"),
            control("New site duty system",
                    dcc.Dropdown(id="scn-duty", value="wholetime", clearable=False,
                                 options=["wholetime", "day_crewed", "on_call", "ambulance", "police"]), "scn-duty"),
            traffic_period_control(AppraisalRequest, PERIOD_BINDINGS[0], session.profile),
            html.Button("Reset", id="scn-reset"),
        ])]),
        html.Div(id="scn-changes", className="note"),
        map_row("scn-map", [html.H3("Baseline and scenario"),
                                                                        html.Div(id="scn-table")]),
        html.Div(className="panel", children=[
            html.H3("Save"),
            html.Div(className="controls", children=[
                control("Name", dcc.Input(id="scn-name", placeholder="e.g. close Soho"), "scn-name"),
                html.Div(className="control", style={"minWidth": "380px"}, children=[
                    html.Label("Note", htmlFor="scn-note"), dcc.Input(id="scn-note", style={"width": "100%"})]),
                html.Button("Save scenario", id="scn-save")]),
            html.Div(id="scn-saved", className="note")]),
        html.Div(className="panel", children=[
            html.H3("Compare two scenarios"),
            html.Div(className="controls", children=[
                html.Div(className="control", style={"minWidth": "300px"}, children=[
                    html.Label("A", htmlFor="scn-a"), dcc.Dropdown(id="scn-a", placeholder="baseline")]),
                html.Div(className="control", style={"minWidth": "300px"}, children=[
                    html.Label("B", htmlFor="scn-b"), dcc.Dropdown(id="scn-b")]),
                html.Button("Download HTML report", id="scn-report-btn"),
                html.Button("Download PDF report", id="scn-report-pdf-btn"), dcc.Download(id="scn-report")]),
            html.Div(id="scn-compare")]),
        dcc.Store(id="scn-state", data=dict(EMPTY)),
        dcc.Store(id="scn-refresh", data=0),
        dcc.Store(id="scn-link", data=None),
    ])
