"""The data page's callbacks: each reads its inputs, calls one view, returns what it gives."""

from __future__ import annotations

from typing import Any
from bluelight.services.session import Session

import dash
import pandas as pd
from dash import Input, Output, State, dcc, html
from bluelight.foundation.access import allows, cleared_for
from bluelight.dashboard.auth import audit_log, current_role, current_user
from bluelight.dashboard.callbacks import callback
from bluelight.dashboard.layout import Page
from bluelight.dashboard.queries import OGL_ATTRIBUTION, OSM_ATTRIBUTION, Warehouse
from bluelight.services.fleet_system import SERVICES
from bluelight.services.simulation import SimulationRequest, validate
from bluelight.dashboard.components import tables as table_parts
from bluelight.dashboard.pages.data import figures
from bluelight.dashboard.pages.data.layout import layout


def register(app: dash.Dash, wh: Warehouse, session: Session) -> Page:
    page = Page(prefixes=("data-",), order=9, path="/data", name="Data", title="Blue Light Atlas – Data", layout=lambda: layout(wh, session))

    @callback(app, Output("data-validation", "children"), Input("data-val-run", "n_clicks"),
              State("data-val-service", "value"), prevent_initial_call=True,
              running=[(Output("data-val-run", "disabled"), True, False)])
    def check(_n: Any, service: Any) -> Any:
        out = validate(session, SimulationRequest.parse(service=service))
        return table_parts.validation_table(out, table_id="data-validation-table")
    return page
