"""The national page's layout: its controls (built from the request's fields) and where results go."""

from __future__ import annotations

from pathlib import Path

from dash import dcc, html

from bluelight.dashboard.controls import field_control
from bluelight.dashboard.pages.national.views import BINDINGS
from bluelight.foundation.errors import BluelightError
from bluelight.services.national import NationalRequest, load_config, national_choices


def layout(data_dir: Path | None) -> html.Div:
    if data_dir is None:
        return html.Div([html.H2("National"), html.P(
            "No data directory holds the national layers (england/): set BLUELIGHT_DATA_DIR to one that does.")])
    cfg = load_config()
    try:                                             # closed lists: FIRE1001's years and fire types
        choices = national_choices(data_dir)
    except (OSError, BluelightError):                # no readable FIRE1001: the configured choice alone
        choices = {"years": [cfg["year"]], "fire_types": [cfg["fire_type"]]}
    return html.Div([
        html.H2("National: every English fire and rescue service, estimated without road data"),
        html.Div(className="panel", children=[html.Div(className="controls", children=[
            field_control(NationalRequest, BINDINGS[0], component=dcc.Dropdown(
                id="nat-year", value=cfg["year"], clearable=False, options=choices["years"])),
            field_control(NationalRequest, BINDINGS[1], component=dcc.Dropdown(
                id="nat-fire-type", value=cfg["fire_type"], clearable=False, options=choices["fire_types"]))])]),
        dcc.Loading(html.Div(id="nat-headline", className="panel")),
        html.Div(className="panel", children=[dcc.Graph(id="nat-map", config={"displaylogo": False}),
                                              html.P(id="nat-map-note", className="note")]),
        html.Div(className="panel", children=[html.H3("Each service against its published figures"),
                                              html.Div(id="nat-table")]),
        html.Div(className="panel", children=[html.H3("Published drive times by year (FIRE1001)"),
                                              dcc.Graph(id="nat-trend", config={"displaylogo": False})]),
        html.Div(className="panel", children=[
            html.H3("Ambulance trusts against what they publish (AmbSYS)"),
            dcc.Loading(html.Div(id="nat-amb-headline")),
            html.Div(className="row", children=[
                html.Div(className="col", children=[dcc.Graph(id="nat-amb-map", config={"displaylogo": False})]),
                html.Div(className="col", children=[dcc.Graph(id="nat-amb-chart", config={"displaylogo": False})])]),
            html.Div(id="nat-amb-table")]),
    ])
