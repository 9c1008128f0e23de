"""The scenarios page's callbacks: each reads its inputs, calls one view, returns what it gives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dash
from dash import Input, Output, State, html

from bluelight.dashboard import reports, scenario_files
from bluelight.dashboard.auth import current_role, record
from bluelight.dashboard.callbacks import callback
from bluelight.dashboard.controls import blocked_note
from bluelight.dashboard.layout import Page
from bluelight.dashboard.pages.scenarios.layout import layout
from bluelight.dashboard.pages.scenarios.views import (
    at_period,
    compare_view,
    comparison,
    edit_state,
    linked_closure,
    linked_sites,
    saved_choices,
    shown_view,
    site_choices,
)
from bluelight.dashboard.queries import Warehouse
from bluelight.foundation.access import tier_for
from bluelight.foundation.errors import ValidationError
from bluelight.services.session import Session


def register(app: dash.Dash, wh: Warehouse, session: Session, dirs: list[Path]) -> Page:
    store = scenario_files.ScenarioStore(dirs)
    page = Page(prefixes=("scn-",), order=2, path="/scenarios", name="Scenarios", title="Blue Light Atlas – Scenarios", layout=lambda: layout(wh, session, dirs))

    @callback(app, Output("scn-service", "value"), Output("scn-link", "data"), Input("url", "search"),
              Input("scn-state", "id"), State("scn-service", "value"))
    def from_link(search: Any, _here: Any, service: Any) -> Any:
        return linked_closure(search, session, current=service)

    @callback(app, Output("scn-close", "options"), Output("scn-move-site", "options"), Output("scn-close", "value"),
              Input("scn-service", "value"), State("scn-link", "data"))
    def site_options(service: Any, link: Any) -> Any:
        opts = site_choices(session.sites(service))
        return opts, opts, linked_sites(link, service, opts)

    @callback(app, Output("scn-state", "data"), Input("scn-service", "value"), Input("scn-close", "value"),
                  Input("scn-map", "clickData"), Input("scn-reset", "n_clicks"), State("scn-state", "data"),
                  State("scn-click-mode", "value"), State("scn-move-site", "value"), State("scn-duty", "value"))
    def edit(service: Any, closed: Any, click: Any, _reset: Any, state: Any, mode: Any, move_site: Any,
             duty: Any) -> Any:
        return edit_state(state, dash.ctx.triggered_id, service=service, closed=closed, click=click, mode=mode,
                          move_site=move_site, duty=duty)

    @callback(app, Output("scn-map", "figure"), Output("scn-table", "children"), Output("scn-changes", "children"),
              Output("scn-traffic-period-error", "children"), Input("scn-state", "data"),
              Input("scn-traffic-period", "value"))
    def show(state: Any, period: Any) -> Any:
        return shown_view(wh, session, state, period)

    @callback(app, Output("scn-saved", "children"), Output("scn-refresh", "data"), Input("scn-save", "n_clicks"),
                  State("scn-state", "data"), State("scn-name", "value"), State("scn-note", "value"),
                  State("scn-refresh", "data"), prevent_initial_call=True)
    def save(_n: Any, state: Any, name: Any, note: Any, refresh: Any) -> Any:
        sid = store.save(scenario_files.state_to_scenario(state, name=name or "", note=note or ""),
                         service=state["service"])
        record("scenario_saved", f"{sid} (scenarios)")
        return f"Saved as {sid!r} ({store.path_of(sid).name} in the scenario store).", (refresh or 0) + 1

    @callback(app, Output("scn-a", "options"), Output("scn-b", "options"), Input("scn-refresh", "data"))
    def saved_options(_refresh: Any) -> Any:
        opts = saved_choices(store.listing())
        return opts, opts

    @callback(app, Output("scn-compare", "children"), Input("scn-a", "value"), Input("scn-b", "value"),
              Input("scn-traffic-period", "value"))
    def compare(a: Any, b: Any, period: Any) -> Any:
        timed, errors = at_period(session, period)
        if timed is None:
            return blocked_note(errors[0])
        return compare_view(wh, timed, store, a, b) if b else html.P("Choose scenario B (A defaults to the baseline).")

    @callback(app, Output("scn-report", "data"), Input("scn-report-btn", "n_clicks"),
              Input("scn-report-pdf-btn", "n_clicks"), State("scn-a", "value"), State("scn-b", "value"),
              State("scn-traffic-period", "value"), prevent_initial_call=True,
              running=[(Output("scn-report-pdf-btn", "disabled"), True, False)])
    def report(_html: Any, _pdf: Any, a: Any, b: Any, period: Any) -> Any:
        timed, errors = at_period(session, period)
        if timed is None:
            raise ValidationError("traffic_period", errors[0])
        return reports.download(comparison(wh, timed, store, a, b, tier=tier_for(current_role())),
                                filename="scenario_comparison", pdf=dash.ctx.triggered_id == "scn-report-pdf-btn")
    return page
