"""The national page's callbacks: each reads its inputs, calls one view, returns what it gives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dash
from dash import Input, Output

from bluelight.dashboard.callbacks import callback
from bluelight.dashboard.controls import error_ids
from bluelight.dashboard.layout import Page
from bluelight.dashboard.pages.national.layout import layout
from bluelight.dashboard.pages.national.views import BINDINGS, ambulance_view, national_view
from bluelight.dashboard.queries import Warehouse
from bluelight.services.session import Session


def register(app: dash.Dash, wh: Warehouse, session: Session, data_dir: Path | None) -> Page:
    page = Page(prefixes=("nat-",), order=9, path="/national", name="National",
                title="Blue Light Atlas – National", layout=lambda: layout(data_dir))

    @callback(app, Output("nat-headline", "children"), Output("nat-map", "figure"), Output("nat-map-note", "children"),
              Output("nat-table", "children"), Output("nat-trend", "figure"),
              *[Output(i, "children") for i in error_ids(BINDINGS)],
              Input("nat-year", "value"), Input("nat-fire-type", "value"))
    def update(year: Any, fire_type: Any) -> Any:
        return national_view(wh, session, data_dir, year, fire_type)

    @callback(app, Output("nat-amb-headline", "children"), Output("nat-amb-map", "figure"),
              Output("nat-amb-chart", "figure"), Output("nat-amb-table", "children"), Input("nat-amb-headline", "id"))
    def ambulance(_id: Any) -> Any:
        return ambulance_view(session, data_dir)
    return page
