"""The availability page's callbacks: each reads its inputs, calls one view, returns what it gives."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, State

from bluelight.dashboard.callbacks import callback
from bluelight.dashboard.controls import (
    error_ids,
)
from bluelight.dashboard.layout import Page
from bluelight.dashboard.pages.availability.layout import layout
from bluelight.dashboard.pages.availability.views import (
    BINDINGS,
    BLANK_DEFAULTS,
    placeholders,
    update_view,
    validation_view,
)
from bluelight.dashboard.queries import Warehouse
from bluelight.services.session import Session
from bluelight.services.simulation import load_settings


def register(app: dash.Dash, wh: Warehouse, session: Session) -> Page:
    page = Page(prefixes=("sim-",), order=6, path="/availability", name="Availability", title="Blue Light Atlas – Availability",
                layout=lambda: layout(wh, session))
    states = [State(b.control_id, "value") for b in BINDINGS]
    running = [(Output("sim-run", "disabled"), True, False), (Output("sim-validate", "disabled"), True, False),
               (Output("sim-status", "children"), "Simulating the replications…", "")]

    @callback(app, *[Output(b.control_id, "placeholder") for b in BLANK_DEFAULTS],
              Input("sim-service", "value"))
    def hints(service: Any) -> Any:
        return placeholders(service, load_settings())

    @callback(app, Output("sim-kpis", "children"), Output("sim-hours", "figure"), Output("sim-stations", "figure"),
              Output("sim-targets", "children"), Output("sim-table", "children"), Output("sim-map", "figure"),
              *[Output(i, "children") for i in error_ids(BINDINGS)],
              Input("sim-run", "n_clicks"), *states, prevent_initial_call=True, running=running)
    def run(_n: Any, *values: Any) -> Any:
        return update_view(wh, session, *values)

    @callback(app, Output("sim-validation", "children"), Input("sim-validate", "n_clicks"), *states,
              prevent_initial_call=True, running=running)
    def check(_n: Any, *values: Any) -> Any:
        return validation_view(session, *values)
    return page
