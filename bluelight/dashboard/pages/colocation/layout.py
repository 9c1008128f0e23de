"""The colocation page's layout: its controls (built from the request's fields) and where results go."""

from __future__ import annotations

import pandas as pd
from dash import dcc, html

from bluelight.dashboard.controls import (
    field_control,
    traffic_period_control,
)
from bluelight.dashboard.layout import control, map_row, no_data
from bluelight.dashboard.pages.colocation.views import (
    APPRAISAL_BINDINGS,
    CANDIDATE_BINDINGS,
    FINANCE_INPUTS,
    PERIOD_BINDINGS,
)
from bluelight.dashboard.queries import Warehouse
from bluelight.foundation.vocab import EMERGENCY_SERVICES
from bluelight.services.colocation import CandidatesRequest
from bluelight.services.scenarios import AppraisalRequest
from bluelight.services.session import Session


def layout(wh: Warehouse, session: Session) -> html.Div:
    if not wh.available:
        return no_data("Co-location")
    sites = pd.concat([session.sites(s) for s in EMERGENCY_SERVICES], ignore_index=True)
    options = [{"label": f"{n} ({s})", "value": i} for i, n, s in zip(sites["site_id"], sites["name"],
                                                                       sites["service"])]
    return html.Div([
        html.H2("Co-location: share a site, see cover and money side by side"),
        html.Div(className="panel", children=[
            html.H3("Candidates: every cross-service pair within a drive time, ranked"),
            html.Div(className="controls", children=[
                field_control(CandidatesRequest, CANDIDATE_BINDINGS[0], label="Within (seconds)"),
                traffic_period_control(CandidatesRequest, PERIOD_BINDINGS[0], session.profile),
                control("Show", dcc.Checklist(id="col-allowed", value=[], options=[
                    {"label": "only moves that keep the standard and fit", "value": "allowed"},
                    {"label": "only moves the road data can judge", "value": "judged"}])),
                html.Button("Clear the figures entered", id="col-entered-clear")]),
            html.Div(id="col-candidates-note", className="note"),
            html.P(className="note", children="Running cost, host bays and host floor area can be typed into the "
                   "table (double-click a cell): the pairs are re-ranked with the figures entered."),
            html.Div(id="col-entered-error", className="field-error", role="alert"),
            dcc.Store(id="col-entered", data={}),
            html.Div(id="col-candidates")]),
        html.Div(className="panel", children=[html.Div(className="controls", children=[
            control("Move site", dcc.Dropdown(id="col-move", options=options), "col-move", minWidth="320px"),
            control("Into site", dcc.Dropdown(id="col-into", options=options), "col-into", minWidth="320px"),
            field_control(AppraisalRequest, APPRAISAL_BINDINGS[0], value=30),
            field_control(AppraisalRequest, APPRAISAL_BINDINGS[1], label="Discount rate (blank: the Green Book schedule)"),
            *[html.Div(className="control", children=[
                html.Label(label, htmlFor=f"col-{key}"), dcc.Input(id=f"col-{key}", type="number", debounce=True),
                html.Div(id=f"col-{key}-error", className="field-error")]) for key, label in FINANCE_INPUTS]])]),
        html.Div(id="col-headline", className="panel"),
        map_row("col-map", [html.H3("What changes (before → after)"), html.Div(id="col-change")]),
        html.Div(className="panel", children=[html.H3("Finance"), html.Div(id="col-finance")]),
        html.Div(className="panel", children=[
            html.Div(className="controls", children=[
                control("Scenario name", dcc.Input(id="col-name", placeholder="e.g. police into Kentish Town"),
                         "col-name"),
                html.Button("Save scenario", id="col-save"),
                html.Button("Download board report (HTML)", id="col-report-btn"),
                html.Button("Download board report (PDF)", id="col-report-pdf-btn"), dcc.Download(id="col-report")]),
            html.Div(id="col-saved", className="note")]),
    ])
