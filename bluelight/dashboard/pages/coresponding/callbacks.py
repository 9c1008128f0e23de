"""The coresponding page's callbacks: each reads its inputs, calls one view, returns what it gives."""

from __future__ import annotations

import json
from typing import Any

import dash
from dash import ALL, Input, Output, State, dcc

from bluelight.analysis.coresponding import DEFAULT_PARAMETERS
from bluelight.dashboard import reports
from bluelight.dashboard.auth import current_role
from bluelight.dashboard.callbacks import callback
from bluelight.dashboard.controls import (
    error_ids,
)
from bluelight.dashboard.layout import Page, control
from bluelight.dashboard.pages.coresponding.layout import layout
from bluelight.dashboard.pages.coresponding.views import BINDINGS, coresponding_report, parse, update_view
from bluelight.dashboard.queries import Warehouse
from bluelight.foundation.access import tier_for
from bluelight.foundation.errors import ValidationError
from bluelight.foundation.exports import safe_csv
from bluelight.services.coresponding import (
    load_params,
    run_coresponding,
    to_json,
)
from bluelight.services.session import Session


def register(app: dash.Dash, wh: Warehouse, session: Session) -> Page:
    page = Page(prefixes=("cr-",), order=5, path="/coresponding", name="Co-responding", title="Blue Light Atlas – Co-responding", layout=lambda: layout(wh, session))
    inputs = [Input("cr-model", "value"), State({"type": "cr-param", "name": ALL}, "id"),
              Input({"type": "cr-param", "name": ALL}, "value"), Input("cr-bystander", "value"),
              Input("cr-amb-busy", "value"),
              Input("cr-scene", "value"), Input("cr-standard", "value"), Input("cr-stations", "value"),
              Input("cr-snap", "value"), Input("cr-traffic-period", "value")]

    @callback(app, Output("cr-params", "children"), Input("cr-model", "value"))
    def parameter_inputs(model: Any) -> Any:
        values = load_params().survival_parameters.get(model, {}) | {}
        return [control(name, dcc.Input(id={"type": "cr-param", "name": name}, type="number", step="any",
                                         value=values.get(name, default), debounce=True))
                for name, default in DEFAULT_PARAMETERS[model].items()]

    @callback(app, Output("cr-map", "figure"), Output("cr-curve", "figure"), Output("cr-saved", "figure"),
                  Output("cr-kpis", "children"), Output("cr-table", "children"), Output("cr-sources", "children"),
                  *[Output(i, "children") for i in [*error_ids(BINDINGS), "cr-params-error"]], *inputs)
    def update(*values: Any) -> Any:
        return update_view(wh, session, *values)

    @callback(app, Output("cr-download", "data"), Input("cr-csv-btn", "n_clicks"), Input("cr-json-btn", "n_clicks"),
              Input("cr-report-btn", "n_clicks"), Input("cr-report-pdf-btn", "n_clicks"),
                  *[State(i.component_id, i.component_property) for i in inputs], prevent_initial_call=True)
    def download(_csv: Any, _json: Any, _report: Any, _pdf: Any, *values: Any) -> Any:
        request, errors = parse(*values)
        if request is None:
            raise ValidationError("survival_model", next(e for e in errors if e))
        result = run_coresponding(session, request)
        if dash.ctx.triggered_id in ("cr-report-btn", "cr-report-pdf-btn"):
            return reports.download(coresponding_report(wh, session, result, tier=tier_for(current_role())),
                                    filename="coresponding_report", pdf=dash.ctx.triggered_id == "cr-report-pdf-btn")
        if dash.ctx.triggered_id == "cr-csv-btn":
            return {"content": safe_csv(result.stations), "filename": "coresponding_stations.csv"}
        out = to_json(result) | {"profile": session.profile.key}
        return {"content": json.dumps(out, indent=2, default=str), "filename": "coresponding.json"}
    return page
