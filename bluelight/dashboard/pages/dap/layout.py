"""The dap page's layout: its controls (built from the request's fields) and where results go."""

from __future__ import annotations

from dash import dcc, html

from bluelight.analysis.dap import MODELS
from bluelight.dashboard.controls import field_control
from bluelight.dashboard.layout import map_row, no_data
from bluelight.dashboard.pages.dap.views import BINDINGS, CANDIDATE_WORDS, MODEL_LABELS, candidate_options
from bluelight.dashboard.queries import Warehouse
from bluelight.services.dap import (
    CANDIDATE_SOURCES,
    DEFAULT_CANDIDATES,
    DapRequest,
    band_names,
    load_rules,
)
from bluelight.services.session import Session


def layout(wh: Warehouse, session: Session) -> html.Div:
    if not wh.available:
        return no_data("Dynamic Activation Posts")
    return html.Div([
        html.H2("Dynamic Activation Posts"),
        html.P(className="note", children=(
            "Where should ambulances wait between calls? Candidate posts are the stations and hospitals ticked "
            "below that are open in the time band, and standby points on the road (a junction near the people of "
            "each 1.5 km square); existing ambulance stations stay. Response from a post = drive time + the "
            "activation of a crew waiting in the vehicle.")),
        html.Div(className="panel", children=[html.Div(className="controls", children=[
            field_control(DapRequest, BINDINGS[6], component=dcc.Dropdown(
                id="dap-band", options=list(band_names()), value="evening", clearable=False)),
            field_control(DapRequest, BINDINGS[1], minWidth="240px", component=dcc.Dropdown(
                id="dap-model", value="mexclp", clearable=False,
                options=[{"label": MODEL_LABELS[m], "value": m} for m in MODELS])),
            field_control(DapRequest, BINDINGS[0]),
            field_control(DapRequest, BINDINGS[2], label="Standard (minutes)"),
            field_control(DapRequest, BINDINGS[7], value=load_rules().busy_fraction),
            field_control(DapRequest, BINDINGS[3], label="DSM: all within (min)"),
            field_control(DapRequest, BINDINGS[4], label="DSM: share within standard"),
            field_control(DapRequest, BINDINGS[8]),
            field_control(DapRequest, BINDINGS[5], label="Candidates", component=dcc.Checklist(
                id="dap-candidates", value=list(DEFAULT_CANDIDATES), inline=True,
                options=[{"label": CANDIDATE_WORDS[c], "value": c} for c in CANDIDATE_SOURCES],
                inputStyle={"marginRight": "4px", "marginLeft": "10px"})),
            *[field_control(DapRequest, b, minWidth="220px", component=dcc.Dropdown(
                id=b.control_id, multi=True, value=[], options=candidate_options(session),
                placeholder="none")) for b in BINDINGS[9:11]],
        ])]),
        html.Div(id="dap-demand-note", className="panel"),
        map_row("dap-map", [html.H3("Before and after"), html.Div(id="dap-summary"), dcc.Graph(id="dap-curve")]),
        html.Div(className="panel", children=[
            html.H3("Posts by time band"),
            html.P(className="note", children="The same model and settings planned for each of the eight bands "
                   "(weekday and weekend, four times of day): where ambulances should wait when. With expected "
                   "demand the pattern is the population's in every band (only its volume changes), so posts "
                   "differ only where opening hours do; a trust's observed incidents change the pattern by band."),
            html.Button("Plan every band", id="dap-bands-btn"),
            dcc.Loading(html.Div(id="dap-bands"))]),
        html.Div(className="panel", children=[
            html.H3("Compliance table: with n ambulances free, fill these posts"),
            html.Button("Download CSV", id="dap-csv-btn"), " ", html.Button("Download JSON", id="dap-json-btn"), " ",
            html.Button("Download report (HTML)", id="dap-report-btn"), " ",
            html.Button("Download report (PDF)", id="dap-report-pdf-btn"),
            dcc.Download(id="dap-download"),
            html.Div(id="dap-compliance")]),
        html.Div(className="panel", children=[html.H3("Demand and rule sources"), html.Div(id="dap-sources")]),
    ])
