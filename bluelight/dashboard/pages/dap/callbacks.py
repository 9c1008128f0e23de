"""The dap page's callbacks: each reads its inputs, calls one view, returns what it gives."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import dash
from dash import Input, Output, State

from bluelight.analysis.demand_bands import all_bands
from bluelight.dashboard import reports
from bluelight.dashboard.auth import current_role
from bluelight.dashboard.callbacks import callback
from bluelight.dashboard.components import tables as table_parts
from bluelight.dashboard.controls import error_ids
from bluelight.dashboard.layout import Page
from bluelight.dashboard.pages.dap.layout import layout
from bluelight.dashboard.pages.dap.views import (
    BINDINGS,
    bands_frame,
    dap_report,
    exportable,
    parse_request,
    update_view,
)
from bluelight.dashboard.queries import Warehouse
from bluelight.foundation.access import tier_for
from bluelight.foundation.exports import safe_csv
from bluelight.services.dap import (
    plan_band,
)
from bluelight.services.dap_export import plan_export
from bluelight.services.session import Session


def register(app: dash.Dash, wh: Warehouse, session: Session) -> Page:
    page = Page(prefixes=("dap-",), order=4, path="/dap", name="DAPs", title="Blue Light Atlas – Dynamic Activation Posts", layout=lambda: layout(wh, session))
    inputs = [Input(b.control_id, b.prop) for b in BINDINGS]

    @callback(app, Output("dap-map", "figure"), Output("dap-summary", "children"), Output("dap-curve", "figure"),
                  Output("dap-compliance", "children"), Output("dap-demand-note", "children"),
                  Output("dap-sources", "children"), *[Output(i, "children") for i in error_ids(BINDINGS)], *inputs)
    def update(*values: Any) -> Any:
        return update_view(wh, session, *values)

    @callback(app, Output("dap-bands", "children"), Input("dap-bands-btn", "n_clicks"),
                  *[State(i.component_id, i.component_property) for i in inputs], prevent_initial_call=True)
    def every_band(_n: Any, *args: Any) -> Any:
        request = parse_request(*args)
        frame = bands_frame({b.name: plan_band(session, replace(request, band=b.name)) for b in all_bands()})
        return table_parts.frame_table(frame, table_id="dap-bands-table", page_size=8)

    @callback(app, Output("dap-download", "data"), Input("dap-csv-btn", "n_clicks"), Input("dap-json-btn", "n_clicks"),
              Input("dap-report-btn", "n_clicks"), Input("dap-report-pdf-btn", "n_clicks"),
              *[State(i.component_id, i.component_property) for i in inputs], prevent_initial_call=True)
    def download(_csv: Any, _json: Any, _report: Any, _pdf: Any, *args: Any) -> Any:
        request = parse_request(*args)
        result = plan_band(session, request)
        if dash.ctx.triggered_id in ("dap-report-btn", "dap-report-pdf-btn"):
            return reports.download(dap_report(wh, session, request, result, tier=tier_for(current_role())),
                                    filename=f"dap_{request.band}_{request.model}_report",
                                    pdf=dash.ctx.triggered_id == "dap-report-pdf-btn")
        if dash.ctx.triggered_id == "dap-csv-btn":
            return {"content": safe_csv(plan_export(result, request, profile=session.profile.key)),
                    "filename": f"dap_{request.band}_{request.model}.csv"}
        return {"content": json.dumps(exportable(result, request, session), indent=2, default=str),
                "filename": f"dap_{request.band}_{request.model}.json"}
    return page
