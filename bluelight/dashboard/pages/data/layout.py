"""The data page's layout: its controls (built from the request's fields) and where results go."""

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
from bluelight.dashboard.pages.data.views import audit_panel, loaded_licences, rejects_view


def layout(wh: Warehouse, session: Session) -> html.Div:
    if not wh.available:
        return html.Div([html.H2("Data"), html.P(f"No warehouse at {wh.path}.")])
    st = wh.status()
    ds = st["data_source"]
    net = st["road_network"]
    net_text = ("No road network loaded." if net is None else
                f"{net['nodes']:,} nodes and {net['edges']:,} edges kept (largest strongly connected component); "
                f"{net['nodes_dropped']:,} nodes in {net['components_dropped']:,} unconnected fragments dropped. "
                f"Edge travel times under speed profile {net['speed_profile']}.")
    return html.Div([
        html.H2("Data: what is loaded and where it came from"),
        html.P(className="note", children=[
            f"Data source: {ds['kind']} ({ds['path']})", html.B("  SYNTHETIC") if ds["synthetic"] else ""]),
        table_parts.count_cards(st["tables"]),
        html.Div(className="panel", children=[html.H3("Road network"), html.P(net_text)]),
        figures.travel_model_panel(session.profile),
        html.Div(className="panel", children=[
            html.H3("Loads"),
            html.P(className="note", children="Every file load is one transaction, identified by its SHA-256; "
                   "loading the same file again changes nothing."),
            table_parts.frame_table(wh.load_runs(), table_id="data-load-runs", page_size=12)]),
        html.Div(className="panel", children=[
            html.H3("What each load changed"),
            html.P(className="note", children="Rows new or changed, unchanged and rejected by each load; every "
                   "version of every site is kept with the load that made it and when it was current."),
            table_parts.frame_table(pd.DataFrame([{**{k: v for k, v in c.items() if k != "site_changes"},
                                               "site changes": ", ".join(f"{n} {k}" for k, n in
                                                                         c["site_changes"].items())}
                                              for c in st.get("recent_changes", [])]),
                                table_id="data-changes", page_size=8)]),
        html.Div(className="panel", children=[
            html.H3(f"Rejected rows ({st['rejects']:,})"), *rejects_view(wh.rejects())]),
        html.Div(className="panel", children=[
            html.H3("Availability model against actual attendance"),
            html.P(className="note", children=(
                "The availability simulation (Availability page, default inputs) run over the loaded incidents and "
                "compared with what happened to them: first vehicle within the standard, second vehicle within its "
                "standard, and first vehicle from a station other than the incident's station ground. The same "
                "check on other incident files: bluelight simulate --validate FILE.")),
            html.Div(className="controls", children=[
                dcc.Dropdown(id="data-val-service", options=list(SERVICES), value="fire", clearable=False,
                             style={"minWidth": "160px"}),
                html.Button("Check the availability model", id="data-val-run")]),
            dcc.Loading(html.Div(id="data-validation"))]),
        html.Div(className="panel", children=[
            html.H3("Response-time standards"),
            table_parts.frame_table(wh.targets(), table_id="data-targets", page_size=12)]),
        *audit_panel(),
        html.Div(className="panel", children=[
            html.H3("Licences and attribution"),
            html.Ul([html.Li([html.B(name + ": "), text, " ", html.A(url, href=url)])
                     for name, text, url in loaded_licences(wh.load_runs()["file_path"])])]),
    ])
