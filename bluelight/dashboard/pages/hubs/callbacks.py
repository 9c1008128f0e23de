"""The hubs page's callbacks: each reads its inputs, calls one view, returns what it gives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dash
from dash import Input, Output, State

from bluelight.dashboard import reports, scenario_files
from bluelight.dashboard.auth import current_role, record
from bluelight.dashboard.callbacks import callback
from bluelight.dashboard.controls import (
    error_ids,
)
from bluelight.dashboard.layout import Page
from bluelight.dashboard.pages.hubs.layout import layout
from bluelight.dashboard.pages.hubs.views import (
    HQ_BINDINGS,
    HUB_BINDINGS,
    hq_report,
    hq_request,
    hq_view,
    hub_plan,
    hub_report,
    hub_view,
    merged_trips,
)
from bluelight.dashboard.queries import Warehouse
from bluelight.foundation.access import tier_for
from bluelight.foundation.errors import ValidationError
from bluelight.services.facility import run_facility
from bluelight.services.hubs import NEW_SITE
from bluelight.services.session import Session


def register(app: dash.Dash, wh: Warehouse, session: Session, dirs: list[Path]) -> Page:
    store = scenario_files.ScenarioStore(dirs)
    page = Page(prefixes=("hub-", "hq-"), order=4, path="/hubs", name="Hubs", title="Blue Light Atlas – Hubs", layout=lambda: layout(wh, session))
    hub_inputs = [Input(b.control_id, "value") for b in HUB_BINDINGS[:-1]] + [Input("hub-point", "data")]
    hub_states = [State(i.component_id, i.component_property) for i in hub_inputs]

    @callback(app, Output("hub-point", "data"), Input("hub-map", "clickData"), State("hub-host", "value"),
              prevent_initial_call=True)
    def place(click: Any, host: Any) -> Any:
        point = (click or {}).get("points", [{}])[0]
        return [point["lon"], point["lat"]] if host == NEW_SITE and "lon" in point else dash.no_update

    @callback(app, Output("hub-map", "figure"), Output("hub-headline", "children"), Output("hub-table", "children"),
              Output("hub-capacity", "children"), Output("hub-areas", "children"), Output("hub-finance", "children"),
              *[Output(i, "children") for i in error_ids(HUB_BINDINGS[:-1])], *hub_inputs)
    def update(*values: Any) -> Any:
        return hub_view(wh, session, *values)

    @callback(app, Output("hub-saved", "children"), Input("hub-save", "n_clicks"), State("hub-name", "value"),
              *hub_states, prevent_initial_call=True)
    def save(_n: Any, name: Any, *values: Any) -> Any:
        plan = hub_plan(session, *values, name=name)
        sid = store.save(plan.scenario)
        record("scenario_saved", f"{sid} (hubs)")
        return (f"Saved to {store.path_of(sid)} (scenario {sid!r}). Evaluate it with: bluelight scenario run "
                f"{store.path_of(sid)} --json")

    @callback(app, Output("hub-report", "data"), Input("hub-report-btn", "n_clicks"), State("hub-name", "value"),
              *hub_states, prevent_initial_call=True)
    def report(_n: Any, name: Any, *values: Any) -> Any:
        plan = hub_plan(session, *values, name=name)
        timed = session.for_period(plan.request.traffic_period)
        return reports.download(hub_report(wh, timed, plan, tier=tier_for(current_role())),
                                filename=f"{scenario_files.slug(plan.scenario.name)}_hub_report", pdf=False)

    hq_inputs = [Input(b.control_id, "value") for b in HQ_BINDINGS] + [Input("hq-trips-edited", "data")]

    @callback(app, Output("hq-map", "figure"), Output("hq-summary", "children"), Output("hq-ranking", "children"),
              Output("hq-users-table", "children"), *[Output(i, "children") for i in error_ids(HQ_BINDINGS)],
              *hq_inputs)
    def siting(*values: Any) -> Any:
        return hq_view(wh, session, *values)

    @callback(app, Output("hq-report", "data"), Input("hq-report-btn", "n_clicks"),
              *[State(i.component_id, i.component_property) for i in hq_inputs], prevent_initial_call=True)
    def hq_download(_n: Any, *values: Any) -> Any:
        request, errors = hq_request(values)
        if request is None:
            raise ValidationError("users", next(e for e in errors if e))
        return reports.download(hq_report(wh, session, request, run_facility(session, request),
                                          tier=tier_for(current_role())), filename="shared_facility_report", pdf=False)

    @callback(app, Output("hq-trips-edited", "data"), Input("hq-users-grid", "cellValueChanged"),
              State("hq-trips-edited", "data"), prevent_initial_call=True)
    def edit_trips(changes: Any, edited: Any) -> Any:
        return merged_trips(edited, changes)
    return page
