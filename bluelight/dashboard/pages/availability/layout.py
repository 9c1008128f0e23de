"""The availability page's layout: its controls (built from the request's fields) and where results go."""

from __future__ import annotations

from dash import dcc, html

from bluelight.dashboard.controls import (
    blocked_figure,
    blocked_note,
    field_control,
    traffic_period_control,
)
from bluelight.dashboard.layout import no_data
from bluelight.dashboard.pages.availability.views import (
    BINDINGS,
    BLANK_DEFAULTS,
    _blank_input,
    _dropdown,
    placeholders,
    sources,
)
from bluelight.dashboard.queries import Warehouse
from bluelight.services.session import Session
from bluelight.services.simulation import SimulationRequest, load_settings


def layout(wh: Warehouse, session: Session) -> html.Div:
    if not wh.available:
        return no_data("Availability")
    settings = load_settings()
    return html.Div([
        html.H2("Availability: vehicles are not always free"),
        html.P(className="note", children=(
            "A discrete-event simulation of the service's vehicles answering its incidents over a year: each call "
            "gets the fastest vehicle that is free, a call that finds none waits for the first to clear, and each "
            "vehicle is committed for the drive, its time at the scene (fitted to the incidents' own pump minutes "
            "where loaded) and the drive back. Replications with different random seeds give 95% intervals. "
            "Blank fields take the defaults of simulation.yaml, listed with their sources below.")),
        html.Div(className="panel", children=[html.Div(className="controls", children=[
            field_control(SimulationRequest, BINDINGS[0], component=_dropdown(BINDINGS[0], "fire")),
            field_control(SimulationRequest, BINDINGS[1], component=_dropdown(BINDINGS[1], "resample")),
            *[field_control(SimulationRequest, b, component=_blank_input(b, hint))
              for b, hint in zip(BLANK_DEFAULTS, placeholders("fire", settings))],
            field_control(SimulationRequest, BINDINGS[4]),
            field_control(SimulationRequest, BINDINGS[7]),
            field_control(SimulationRequest, BINDINGS[8]),
            traffic_period_control(SimulationRequest, BINDINGS[9], session.profile),
            html.Div(className="control", children=[
                html.Button("Run simulation", id="sim-run"), " ",
                html.Button("Validate against actual attendance", id="sim-validate"),
                html.Div(id="sim-status", className="note", role="status")]),
        ])]),
        dcc.Loading(html.Div(id="sim-kpis", children=blocked_note("Choose the inputs and press Run simulation."))),
        html.Div(className="row", children=[
            html.Div(className="col panel", style={"flex": 1}, children=[dcc.Graph(id="sim-hours",
                                                                                     figure=blocked_figure(""))]),
            html.Div(className="col panel", style={"flex": 1}, children=[dcc.Graph(id="sim-stations",
                                                                                     figure=blocked_figure(""))]),
        ]),
        html.Div(className="panel", children=[dcc.Graph(id="sim-map", figure=blocked_figure(""))]),
        html.Div(className="panel", children=[html.H3("Response targets, with vehicles not always free"),
                                              html.Div(id="sim-targets")]),
        html.Div(className="panel", children=[html.H3("Stations"), html.Div(id="sim-table")]),
        html.Div(className="panel", children=[html.H3("Simulated against actual"), html.Div(id="sim-validation")]),
        html.Div(className="panel", children=[html.H3("Inputs, rules and sources"), html.Div(id="sim-sources",
                                                                                              children=sources(settings))]),
    ])
