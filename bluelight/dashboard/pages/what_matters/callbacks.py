"""The What matters most page's callbacks: each reads its inputs, calls one view, returns what it gives."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, State

from bluelight.dashboard.callbacks import callback
from bluelight.dashboard.controls import error_ids
from bluelight.dashboard.layout import Page
from bluelight.dashboard.pages.what_matters.layout import layout
from bluelight.dashboard.pages.what_matters.views import BINDINGS, sweep_view
from bluelight.dashboard.queries import Warehouse
from bluelight.foundation.standards import DEFAULT_STANDARD
from bluelight.services.session import Session


def register(app: dash.Dash, wh: Warehouse, session: Session) -> Page:
    page = Page(prefixes=("wm-",), order=3, path="/what-matters-most", name="What matters most",
                title="Blue Light Atlas – What matters most", layout=lambda: layout(wh, session))
    running = [(Output("wm-run", "disabled"), True, False),
               (Output("wm-status", "children"), "Closing each station in turn and simulating…", "")]

    @callback(app, Output("wm-threshold", "value"), Input("wm-service", "value"), prevent_initial_call=True)
    def standard(service: Any) -> Any:
        return DEFAULT_STANDARD[service][0] / 60 if service in DEFAULT_STANDARD else dash.no_update

    @callback(app, Output("wm-summary", "children"), Output("wm-map", "figure"), Output("wm-scatter", "figure"),
              Output("wm-table", "children"), *[Output(i, "children") for i in error_ids(BINDINGS)],
              Input("wm-run", "n_clicks"), *[State(b.control_id, "value") for b in BINDINGS],
              prevent_initial_call=True, running=running)
    def run(_n: Any, *values: Any) -> Any:
        return sweep_view(wh, session, *values)
    return page
