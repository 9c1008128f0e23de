"""The What matters most page's layout: its controls (from the sweep request's fields) and where results go."""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from bluelight.dashboard.controls import blocked_figure, blocked_note, field_control, traffic_period_control
from bluelight.dashboard.layout import no_data
from bluelight.dashboard.pages.what_matters.views import BINDINGS, PAGE_REPLICATIONS
from bluelight.dashboard.queries import Warehouse
from bluelight.foundation.standards import DEFAULT_STANDARD
from bluelight.foundation.vocab import EMERGENCY_SERVICES
from bluelight.services.session import Session
from bluelight.services.sweep_closures import RANK_WORDS, ClosureSweepRequest
from bluelight.services.sweeps import SWEEP_ARRIVALS

ARRIVAL_WORDS = {"auto": "as loaded (replay, or resample a sample)", "replay": "replay the incidents",
                 "resample": "resample the incidents", "population": "expected from population"}


def _dropdown(control_id: str, value: str, options: list[dict[str, Any]]) -> dcc.Dropdown:
    return dcc.Dropdown(id=control_id, value=value, clearable=False, options=options)


def layout(wh: Warehouse, session: Session) -> html.Div:
    if not wh.available:
        return no_data("What matters most")
    b = {x.field: x for x in BINDINGS}
    return html.Div([
        html.H2("What matters most: every station closed in turn"),
        html.P(className="note", children=(
            "Which sites could be shared or released, and which must never be touched? Each station of the service "
            "is closed in turn, its vehicles with it, and the fleet simulated answering the same calls as today, "
            "so the harm of each closure is measured against the same year. Open any row as a full scenario.")),
        html.Div(className="panel", children=[html.Div(className="controls", children=[
            field_control(ClosureSweepRequest, b["service"], component=_dropdown(
                "wm-service", "fire", [{"label": s.capitalize(), "value": s} for s in EMERGENCY_SERVICES])),
            field_control(ClosureSweepRequest, b["rank_by"], component=_dropdown(
                "wm-rank", "incidents_beyond_standard_pa", [{"label": w, "value": k} for k, w in RANK_WORDS.items()]),
                minWidth="300px"),
            field_control(ClosureSweepRequest, b["arrivals"], component=_dropdown(
                "wm-arrivals", "auto", [{"label": ARRIVAL_WORDS[a], "value": a} for a in SWEEP_ARRIVALS]),
                minWidth="260px"),
            field_control(ClosureSweepRequest, b["replications"], value=PAGE_REPLICATIONS),
            field_control(ClosureSweepRequest, b["seed"]),
            field_control(ClosureSweepRequest, b["vehicles_per_station"]),
            field_control(ClosureSweepRequest, b["threshold_s"], value=DEFAULT_STANDARD["fire"][0]),
            traffic_period_control(ClosureSweepRequest, b["traffic_period"], session.profile),
            html.Div(className="control", children=[html.Button("Close each in turn", id="wm-run"),
                                                    html.Div(id="wm-status", className="note", role="status")]),
        ])]),
        dcc.Loading(html.Div(id="wm-summary", children=blocked_note(
            "Choose the service and press Close each in turn (about a second per station and replication)."))),
        html.Div(className="row", children=[
            html.Div(className="col panel", style={"flex": 3}, children=[dcc.Graph(id="wm-map",
                                                                                     figure=blocked_figure(""))]),
            html.Div(className="col panel", style={"flex": 2}, children=[dcc.Graph(id="wm-scatter",
                                                                                     figure=blocked_figure(""))])]),
        html.Div(className="panel", children=[html.H3("Stations ranked by harm"), html.Div(id="wm-table")]),
    ])
