"""The coverage page's callbacks: each reads its inputs, calls one view, returns what it gives."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, State

from bluelight.dashboard import reports
from bluelight.dashboard.auth import current_role, current_rules, note_export
from bluelight.dashboard.callbacks import callback
from bluelight.dashboard.controls import (
    blocked_note,
    error_ids,
)
from bluelight.dashboard.layout import Page
from bluelight.dashboard.pages.coverage import figures
from bluelight.dashboard.pages.coverage.layout import layout
from bluelight.dashboard.pages.coverage.views import BINDINGS, coverage_report, parse, update_view
from bluelight.dashboard.queries import Warehouse
from bluelight.foundation.access import tier_for
from bluelight.foundation.errors import ValidationError
from bluelight.foundation.exports import safe_csv
from bluelight.foundation.standards import DEFAULT_STANDARD
from bluelight.services.coverage import (
    availability_figures,
    every_incident,
    export_frame,
    export_geojson,
)
from bluelight.services.session import Session


def register(app: dash.Dash, wh: Warehouse, session: Session) -> Page:
    page = Page(prefixes=("cov-",), order=1, path="/coverage", name="Coverage explorer", title="Blue Light Atlas – Coverage explorer", layout=lambda: layout(wh, session))

    @callback(app, Output("cov-categories", "options"), Output("cov-threshold", "value"), Input("cov-service", "value"))
    def service_defaults(service: Any) -> Any:
        return wh.incident_categories(service), DEFAULT_STANDARD[service][0] / 60

    @callback(app, Output("cov-site", "data"), Input("cov-map", "clickData"), Input("cov-service", "value"))
    def pick_site(click: Any, service: Any) -> Any:
        point = (click or {}).get("points", [{}])[0]
        return point.get("customdata") if dash.ctx.triggered_id == "cov-map" and isinstance(
            point.get("customdata"), str) else None

    @callback(app, Output("cov-map", "figure"), Output("cov-curve", "figure"), Output("cov-kpis", "children"),
                  Output("cov-table", "children"), *[Output(i, "children") for i in error_ids(BINDINGS)],
                  Output("cov-hours-error", "children"), Input("cov-service", "value"), Input("cov-threshold", "value"), Input("cov-demand", "value"),
                  Input("cov-age", "value"), Input("cov-categories", "value"), Input("cov-hours", "value"),
                  Input("cov-site", "data"), Input("cov-snap", "value"), Input("cov-traffic-period", "value"))
    def update(*values: Any) -> Any:
        return update_view(wh, session, *values)

    @callback(app, Output("cov-availability", "children"), Input("cov-avail-btn", "n_clicks"),
              Input("cov-service", "value"), Input("cov-threshold", "value"), State("cov-snap", "value"),
              State("cov-traffic-period", "value"),
              prevent_initial_call=True, running=[(Output("cov-avail-btn", "disabled"), True, False)])
    def availability(_n: Any, service: Any, minutes: Any, snap_m: Any, period: Any) -> Any:
        if dash.ctx.triggered_id != "cov-avail-btn":
            return ""
        request, errors = parse(service, minutes, "population", "all", [], None, snap_m, period)
        if request is None:
            return blocked_note(next(e for e in errors if e))
        return figures.availability_cards(availability_figures(session.for_period(request.traffic_period), request),
                                          threshold_s=request.standard_s)

    @callback(app, Output("cov-download", "data"), Input("cov-csv-btn", "n_clicks"),
              Input("cov-geojson-btn", "n_clicks"), Input("cov-report-btn", "n_clicks"),
              Input("cov-report-pdf-btn", "n_clicks"), State("cov-service", "value"), State("cov-threshold", "value"),
              State("cov-demand", "value"), State("cov-age", "value"), State("cov-categories", "value"),
              State("cov-hours", "value"), State("cov-snap", "value"), State("cov-traffic-period", "value"),
              prevent_initial_call=True)
    def download(_csv: Any, _gj: Any, _report: Any, _pdf: Any, service: Any, minutes: Any, kind: Any, age: Any,
                 categories: Any, hours: Any, snap_m: Any, period: Any) -> Any:
        request, errors = parse(service, minutes, kind, age, categories, hours, snap_m, period)
        if request is None:
            raise ValidationError("threshold_s", next(e for e in errors if e))
        tier, session_ = tier_for(current_role()), session.for_period(request.traffic_period)
        if dash.ctx.triggered_id in ("cov-report-btn", "cov-report-pdf-btn"):
            return reports.download(coverage_report(wh, session_, request, tier=tier),
                                    filename=f"coverage_{service}_report",
                                    pdf=dash.ctx.triggered_id == "cov-report-pdf-btn")
        frame = export_frame(session_.evaluate(service, request.spec), request.standard_s, tier=tier,
                             rules=current_rules(), every=every_incident(session_, service, request.spec))
        note_export(tier)
        if dash.ctx.triggered_id == "cov-csv-btn":
            return {"content": safe_csv(frame), "filename": f"coverage_{service}.csv"}
        return {"content": export_geojson(frame), "filename": f"coverage_{service}.geojson"}
    return page
