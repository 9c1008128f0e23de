"""Scenarios: switch sites off, add or move one, see what changes; save, compare, export a report."""

from __future__ import annotations

from pathlib import Path

import dash
import numpy as np
import pandas as pd
from dash import Input, Output, State, dcc, html

from bluelight.analysis.scenario import load_scenario
from bluelight.dashboard import figures, layers, scenario_files
from bluelight.standards import DEFAULT_STANDARD
from bluelight.dashboard.engine import DemandSpec, Engine
from bluelight.dashboard.layout import control
from bluelight.dashboard.queries import Warehouse
from bluelight.vocab import EMERGENCY_SERVICES

EMPTY = {"service": "fire", "closed": [], "added": [], "moved": []}


def layout(wh: Warehouse, engine: Engine, dirs: list[Path]):
    if not wh.available:
        return html.Div([html.H2("Scenarios"), html.P("No data loaded yet.")])
    return html.Div([
        html.H2("Scenarios: change the estate and see what happens to cover"),
        html.Div(className="panel", children=[html.Div(className="controls", children=[
            control("Service", dcc.Dropdown(id="scn-service", options=list(EMERGENCY_SERVICES), value="fire", clearable=False),
                    "scn-service"),
            html.Div(className="control", style={"minWidth": "340px"}, children=[
                html.Label("Close sites", htmlFor="scn-close"), dcc.Dropdown(id="scn-close", multi=True,
                                                                             placeholder="choose sites to close")]),
            html.Div(className="control", children=[html.Span("Click on the map to", className="control-label"),
                     dcc.RadioItems(id="scn-click-mode", value="add", inline=True,
                                    options=[{"label": "add a site", "value": "add"},
                                             {"label": "move the site below", "value": "move"}],
                                    inputStyle={"marginRight": "4px", "marginLeft": "10px"})]),
            control("Site to move", dcc.Dropdown(id="scn-move-site"), "scn-move-site"),
            control("New site duty system",
                    dcc.Dropdown(id="scn-duty", value="wholetime", clearable=False,
                                 options=["wholetime", "day_crewed", "on_call", "ambulance", "police"]), "scn-duty"),
            html.Button("Reset", id="scn-reset"),
        ])]),
        html.Div(id="scn-changes", className="note"),
        html.Div(className="row", children=[
            html.Div(className="col panel", style={"flex": 3}, children=[
                dcc.Loading(dcc.Graph(id="scn-map", config={"displaylogo": False}))]),
            html.Div(className="col panel", style={"flex": 2}, children=[html.H3("Baseline and scenario"),
                                                                        html.Div(id="scn-table")]),
        ]),
        html.Div(className="panel", children=[
            html.H3("Save"),
            html.Div(className="controls", children=[
                control("Name", dcc.Input(id="scn-name", placeholder="e.g. close Soho"), "scn-name"),
                html.Div(className="control", style={"minWidth": "380px"}, children=[
                    html.Label("Note", htmlFor="scn-note"), dcc.Input(id="scn-note", style={"width": "100%"})]),
                html.Button("Save scenario", id="scn-save")]),
            html.Div(id="scn-saved", className="note")]),
        html.Div(className="panel", children=[
            html.H3("Compare two scenarios"),
            html.Div(className="controls", children=[
                html.Div(className="control", style={"minWidth": "300px"}, children=[
                    html.Label("A", htmlFor="scn-a"), dcc.Dropdown(id="scn-a", placeholder="baseline")]),
                html.Div(className="control", style={"minWidth": "300px"}, children=[
                    html.Label("B", htmlFor="scn-b"), dcc.Dropdown(id="scn-b")]),
                html.Button("Download HTML report", id="scn-report-btn"), dcc.Download(id="scn-report")]),
            html.Div(id="scn-compare")]),
        dcc.Store(id="scn-state", data=dict(EMPTY)),
        dcc.Store(id="scn-refresh", data=0),
    ])


def register(app: dash.Dash, wh: Warehouse, engine: Engine, dirs: list[Path]) -> None:
    dash.register_page("scenarios", order=2, path="/scenarios", name="Scenarios", title="Blue Light Atlas – Scenarios",
                       layout=lambda **_: layout(wh, engine, dirs))

    @app.callback(Output("scn-close", "options"), Output("scn-move-site", "options"), Input("scn-service", "value"))
    def site_options(service):
        opts = [{"label": f"{n} ({i})", "value": i} for i, n in engine.sites(service)[["site_id", "name"]].itertuples(index=False)]
        return opts, opts

    @app.callback(Output("scn-state", "data"), Input("scn-service", "value"), Input("scn-close", "value"),
                  Input("scn-map", "clickData"), Input("scn-reset", "n_clicks"), State("scn-state", "data"),
                  State("scn-click-mode", "value"), State("scn-move-site", "value"), State("scn-duty", "value"))
    def edit(service, closed, click, _reset, state, mode, move_site, duty):
        return edit_state(state, dash.ctx.triggered_id, service=service, closed=closed, click=click, mode=mode,
                          move_site=move_site, duty=duty)

    @app.callback(Output("scn-map", "figure"), Output("scn-table", "children"), Output("scn-changes", "children"),
                  Input("scn-state", "data"))
    def show(state):
        return scenario_view(wh, engine, state)

    @app.callback(Output("scn-saved", "children"), Output("scn-refresh", "data"), Input("scn-save", "n_clicks"),
                  State("scn-state", "data"), State("scn-name", "value"), State("scn-note", "value"),
                  State("scn-refresh", "data"), prevent_initial_call=True)
    def save(_n, state, name, note, refresh):
        path = scenario_files.save(dirs[0], scenario_files.state_to_scenario(state, name=name or "", note=note or ""),
                                   service=state["service"])
        return f"Saved as {path}.", (refresh or 0) + 1

    @app.callback(Output("scn-a", "options"), Output("scn-b", "options"), Input("scn-refresh", "data"))
    def saved_options(_refresh):
        opts = [{"label": f"{r.name} ({r.service or '?'})", "value": r.path}
                for r in scenario_files.listing(dirs).itertuples(index=False)]
        return opts, opts

    @app.callback(Output("scn-compare", "children"), Input("scn-a", "value"), Input("scn-b", "value"))
    def compare(a, b):
        return compare_view(wh, engine, a, b) if b else html.P("Choose scenario B (A defaults to the baseline).")

    @app.callback(Output("scn-report", "data"), Input("scn-report-btn", "n_clicks"), State("scn-a", "value"),
                  State("scn-b", "value"), prevent_initial_call=True)
    def report(_n, a, b):
        return {"content": report_html(wh, engine, a, b), "filename": "scenario_comparison.html"}


def edit_state(state: dict, trigger, *, service, closed, click, mode, move_site, duty) -> dict:
    """The scenario state after one interaction (pure, so it can be tested without a browser)."""
    from bluelight.etl.geo import to_bng

    if trigger in {"scn-service", "scn-reset"} or state.get("service") != service:
        return {**EMPTY, "service": service, "closed": [] if trigger == "scn-reset" else list(closed or [])}
    state = {**state, "closed": list(closed or [])}
    point = (click or {}).get("points", [{}])[0]
    if trigger == "scn-map" and "lon" in point:
        e, n = (float(v[0]) for v in to_bng([point["lon"]], [point["lat"]]))
        if mode == "move" and move_site:
            state["moved"] = [m for m in state["moved"] if m["site_id"] != move_site] + [
                {"site_id": move_site, "easting": e, "northing": n}]
        elif mode == "add":
            k = len(state["added"]) + 1
            state["added"] = state["added"] + [{"site_id": f"NEW-{k}", "name": f"New {service} site {k}",
                                                "duty_system": duty, "easting": e, "northing": n}]
    return state


def _evaluate_state(engine: Engine, state: dict):
    service = state["service"]
    sites = engine.sites(service)
    moved = {m["site_id"]: m for m in state.get("moved", [])}
    added = [dict(a, turnout_s=np.nan) for a in state.get("added", [])]
    for sid, m in moved.items():
        row = sites[sites["site_id"] == sid].iloc[0]
        added.append({"site_id": sid, "name": row["name"], "duty_system": row["duty_system"],
                      "turnout_s": row["turnout_s"], "easting": m["easting"], "northing": m["northing"]})
    closed = list(state.get("closed", [])) + list(moved)
    return engine.evaluate(service, DemandSpec(), closed=closed, added=pd.DataFrame(added) if added else None)


def scenario_view(wh: Warehouse, engine: Engine, state: dict):
    service = state["service"]
    threshold = DEFAULT_STANDARD[service][0]
    base = engine.evaluate(service, DemandSpec())
    scen = _evaluate_state(engine, state)
    delta = scen.response_s - base.response_s
    sites = engine.sites(service)
    shown = sites[~sites["site_id"].isin(state.get("closed", []))]
    fig = figures.change_map(base.points, delta, zones_geojson=layers.LSOAS,
                             sites=shown, closed=sites[sites["site_id"].isin(state.get("closed", []))],
                             added=pd.DataFrame(state.get("added", []) + state.get("moved", [])),
                             roads=layers.ROADS, boundaries=layers.BOROUGHS,
                             bounds=wh.network_bounds())
    table = figures.summary_table({"baseline": engine.summary(base, threshold), "scenario": engine.summary(scen, threshold)},
                                  threshold)
    changes = (f"{len(state.get('closed', []))} closed, {len(state.get('added', []))} added, "
               f"{len(state.get('moved', []))} moved; standard {threshold / 60:g} min; profile {engine.profile.key}. "
               f"Colour: change in response time (minutes), red slower, green faster.")
    return (figures.with_tiles(fig, engine.web_tiles),
            figures.frame_table(figures.with_change_row(table), table_id="scn-kpi-table", page_size=5), changes)


def _load_state(path: str | None, default_service: str) -> tuple[str, dict]:
    if not path:
        return "baseline", {**EMPTY, "service": default_service}
    sc = load_scenario(path)
    return sc.name, scenario_files.scenario_to_state(sc, sc.service or default_service)


def _compare_data(engine: Engine, a: str | None, b: str):
    name_b, state_b = _load_state(b, "fire")
    name_a, state_a = _load_state(a, state_b["service"])
    service = state_b["service"]
    threshold = DEFAULT_STANDARD[service][0]
    ev_a, ev_b = _evaluate_state(engine, state_a), _evaluate_state(engine, state_b)
    table = figures.summary_table({f"A: {name_a}": engine.summary(ev_a, threshold),
                                   f"B: {name_b}": engine.summary(ev_b, threshold)}, threshold)
    return service, threshold, ev_a, ev_b, figures.with_change_row(table)


def compare_view(wh: Warehouse, engine: Engine, a, b):
    service, threshold, ev_a, ev_b, table = _compare_data(engine, a, b)
    maps = [figures.coverage_map(ev.points, ev.response_s, threshold_s=threshold,
                                 zones_geojson=layers.LSOAS,
                                 sites=engine.sites(service), roads=layers.ROADS,
                                 boundaries=layers.BOROUGHS, bounds=wh.network_bounds(), title=t)
            for ev, t in ((ev_a, "A"), (ev_b, "B"))]
    return html.Div([figures.frame_table(table, table_id="scn-compare-table", page_size=5),
                     html.Div(className="row", children=[html.Div(className="col", children=[
                         dcc.Graph(figure=figures.with_tiles(m, engine.web_tiles))]) for m in maps])])


def report_html(wh: Warehouse, engine: Engine, a, b) -> str:
    service, threshold, ev_a, ev_b, table = _compare_data(engine, a, b)
    curves = [figures.cumulative_curve(ev.response_s, ev.points["weight"].to_numpy(), threshold_s=threshold,
                                       goal=None, label=label, variability=engine.variability)
              for ev, label in ((ev_a, "A"), (ev_b, "B"))]
    return figures.comparison_report(table, curves, service=service, threshold_s=threshold,
                                     profile=engine.profile, data_source=wh.status()["data_source"])
