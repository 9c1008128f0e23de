"""The coresponding page's layout: its controls (built from the request's fields) and where results go."""

from __future__ import annotations

from dash import dcc, html

from bluelight.analysis.coresponding import MODEL_NAMES
from bluelight.dashboard.controls import (
    field_control,
    traffic_period_control,
)
from bluelight.dashboard.layout import map_row, no_data
from bluelight.dashboard.pages.coresponding.views import BINDINGS, MODEL_LABELS
from bluelight.dashboard.queries import Warehouse
from bluelight.services.coresponding import (
    CorespondingRequest,
    load_params,
)
from bluelight.services.session import Session


def layout(wh: Warehouse, session: Session) -> html.Div:
    if not wh.available:
        return no_data("Co-responding")
    p = load_params()
    stations = session.sites("fire")
    return html.Div([
        html.H2("Co-responding to cardiac arrests"),
        html.P(className="note", children=(
            "Fire crews sent with the ambulance to cardiac arrests: who arrives first, the minutes saved, and the "
            "expected survivors that adds under a published survival model. Fire response = alert delay + turnout "
            "by duty system + drive; ambulance response = call to dispatch + activation + drive from the nearest "
            "available station (each station's ambulance busy a set share of the time).")),
        html.Div(className="panel", children=[html.Div(className="controls", children=[
            field_control(CorespondingRequest, BINDINGS[0], minWidth="330px", component=dcc.Dropdown(
                id="cr-model", value=p.survival_model, clearable=False,
                options=[{"label": MODEL_LABELS[m], "value": m} for m in MODEL_NAMES])),
            html.Div(className="control", children=[html.Div(id="cr-params", className="controls"),
                                                    html.Div(id="cr-params-error", className="field-error")]),
            field_control(CorespondingRequest, BINDINGS[1], value=p.bystander_cpr_share),
            field_control(CorespondingRequest, BINDINGS[2], value=p.ambulance_busy_fraction),
            field_control(CorespondingRequest, BINDINGS[3], value=p.time_on_scene_min),
            field_control(CorespondingRequest, BINDINGS[4], label="Standard (minutes)", value=p.standard_s),
            field_control(CorespondingRequest, BINDINGS[6]),
            traffic_period_control(CorespondingRequest, BINDINGS[7], session.profile),
            field_control(CorespondingRequest, BINDINGS[5], minWidth="320px", component=dcc.Dropdown(
                id="cr-stations", multi=True, placeholder="all fire stations",
                options=[{"label": n, "value": s} for s, n in zip(stations["site_id"], stations["name"])])),
        ])]),
        html.Div(id="cr-kpis"),
        map_row("cr-map", [dcc.Graph(id="cr-curve"), dcc.Graph(id="cr-saved")],
                note="Red: the nearest ambulance station cannot reach within the standard, a fire station can. "
                     "Station size: expected survivors it adds a year."),
        html.Div(className="panel", children=[
            html.H3("Stations ranked by survivors added, with the cost in fire cover"),
            html.Button("Download CSV", id="cr-csv-btn"), " ", html.Button("Download JSON", id="cr-json-btn"), " ",
            html.Button("Download report (HTML)", id="cr-report-btn"), " ",
            html.Button("Download report (PDF)", id="cr-report-pdf-btn"),
            dcc.Download(id="cr-download"), html.Div(id="cr-table")]),
        html.Div(className="panel", children=[html.H3("Parameters and sources"), html.Div(id="cr-sources")]),
    ])
