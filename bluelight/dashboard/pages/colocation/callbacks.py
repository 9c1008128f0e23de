"""The colocation page's callbacks: each reads its inputs, calls one view, returns what it gives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dash
from dash import Input, Output, State

from bluelight.dashboard import reports, scenario_files
from bluelight.dashboard.auth import current_role, record
from bluelight.dashboard.callbacks import callback
from bluelight.dashboard.layout import Page
from bluelight.dashboard.pages.colocation.layout import layout
from bluelight.dashboard.pages.colocation.views import (
    FINANCE_INPUTS,
    NOTHING_CHOSEN,
    PLAN_ERROR_IDS,
    board_report,
    colocation_plan,
    entered_figures,
    ranked_view,
    show_view,
    timed,
)
from bluelight.dashboard.queries import Warehouse
from bluelight.foundation.access import tier_for
from bluelight.services.session import Session


def register(app: dash.Dash, wh: Warehouse, session: Session, dirs: list[Path]) -> Page:
    store = scenario_files.ScenarioStore(dirs)
    page = Page(prefixes=("col-",), order=3, path="/colocation", name="Co-location", title="Blue Light Atlas – Co-location", layout=lambda: layout(wh, session))
    plan_inputs = [Input("col-move", "value"), Input("col-into", "value"), Input("col-horizon", "value"),
                   Input("col-rate", "value"), *[Input(f"col-{k}", "value") for k, _ in FINANCE_INPUTS],
                   Input("col-entered", "data"), Input("col-traffic-period", "value")]

    @callback(app, Output("col-candidates", "children"), Output("col-candidates-note", "children"),
              Output("col-max-travel-error", "children"), Output("col-traffic-period-error", "children"),
              Output("col-entered-error", "children"), Input("col-max-travel", "value"),
              Input("col-allowed", "value"), Input("col-entered", "data"), Input("col-traffic-period", "value"))
    def ranked(max_travel: Any, allowed: Any, entered: Any, period: Any) -> Any:
        return ranked_view(session, max_travel, allowed, entered, period)

    @callback(app, Output("col-entered", "data"), Input("col-candidate-table", "cellValueChanged"),
              Input("col-entered-clear", "n_clicks"), State("col-entered", "data"), prevent_initial_call=True)
    def enter(changes: Any, _clear: Any, entered: Any) -> Any:
        if dash.ctx.triggered_id == "col-entered-clear":
            return {}
        return entered_figures(changes, entered) if changes else dash.no_update     # a new grid: nothing typed

    @callback(app, Output("col-move", "value"), Output("col-into", "value"),
                  Input("col-candidate-table", "selectedRows"), prevent_initial_call=True)
    def pick(rows: Any) -> Any:
        return (rows[0]["move"], rows[0]["into"]) if rows else (dash.no_update, dash.no_update)

    @callback(app, Output("col-map", "figure"), Output("col-change", "children"), Output("col-finance", "children"),
              Output("col-headline", "children"), *[Output(i, "children") for i in PLAN_ERROR_IDS], *plan_inputs)
    def show(move: Any, into: Any, horizon: Any, rate: Any, *rest: Any) -> Any:
        return show_view(wh, timed(session, rest[-1]), move, into, horizon, rate, *rest[:-2], entered=rest[-2])

    @callback(app, Output("col-saved", "children"), Input("col-save", "n_clicks"), State("col-name", "value"),
                  *[State(i.component_id, i.component_property) for i in plan_inputs], prevent_initial_call=True)
    def save(_n: Any, name: Any, move: Any, into: Any, horizon: Any, rate: Any, *rest: Any) -> Any:
        plan = colocation_plan(wh, timed(session, rest[-1]), move, into, horizon, rate, rest[:-2], name=name,
                               entered=rest[-2])
        if plan["empty"]:
            return NOTHING_CHOSEN.format(action="saving the scenario")
        sid = store.save(plan["scenario"], service=plan["service"])
        record("scenario_saved", f"{sid} (co-location)")
        name = store.path_of(sid).name
        return (f"Saved as scenario {sid!r} ({name} in the server's scenario folder), now in the Scenarios page's "
                f"list. On the server, record it in the warehouse with: bluelight etl scenarios {name}; evaluate "
                f"every service it touches with: bluelight scenario run {name} --json")

    @callback(app, Output("col-report", "data"), Output("col-saved", "children", allow_duplicate=True),
              Input("col-report-btn", "n_clicks"),
              Input("col-report-pdf-btn", "n_clicks"), State("col-name", "value"),
              *[State(i.component_id, i.component_property) for i in plan_inputs], prevent_initial_call=True,
              running=[(Output("col-report-pdf-btn", "disabled"), True, False)])
    def report(_html: Any, _pdf: Any, name: Any, move: Any, into: Any, horizon: Any, rate: Any, *rest: Any) -> Any:
        session_ = timed(session, rest[-1])
        plan = colocation_plan(wh, session_, move, into, horizon, rate, rest[:-2], name=name, entered=rest[-2])
        if plan["empty"]:
            return dash.no_update, NOTHING_CHOSEN.format(action="downloading the board report")
        return reports.download(board_report(wh, session_, plan, tier=tier_for(current_role())),
                                filename=f"{scenario_files.slug(plan['scenario'].name)}_board_report",
                                pdf=dash.ctx.triggered_id == "col-report-pdf-btn"), ""
    return page
