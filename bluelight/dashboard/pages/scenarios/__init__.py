"""Scenarios: switch sites off, add or move one, see what changes; save, compare, export a report."""

from __future__ import annotations

from pathlib import Path

import dash
import numpy as np
import pandas as pd
from dash import Input, Output, State, dcc, html

from bluelight.access import tier_for
from bluelight.analysis.appraisal import describe
from bluelight.analysis.scenario import Scenario
from bluelight.dashboard import layers, reports, scenario_files
from bluelight.dashboard.auth import current_role, record, visible_sites
from bluelight.dashboard.callbacks import callback
from bluelight.dashboard.components import charts as chart_parts
from bluelight.dashboard.components import maps as map_parts
from bluelight.dashboard.components import tables as table_parts
from bluelight.dashboard.controls import Binding, banded_session, blocked_figure, blocked_note, hour_band_control
from bluelight.dashboard.layout import Page, control, map_row, no_data
from bluelight.dashboard.pages.scenarios import figures
from bluelight.dashboard.queries import Warehouse
from bluelight.errors import AnalysisError, ValidationError
from bluelight.services.scenarios import AppraisalRequest, evaluate_service, run_scenario
from bluelight.services.session import Session
from bluelight.standards import DEFAULT_STANDARD
from bluelight.vocab import EMERGENCY_SERVICES

EMPTY = {"service": "fire", "closed": [], "added": [], "moved": []}
#: whose hours' travel times every view of the page uses
BAND_BINDINGS = [Binding("hour_band", "scn-hour-band")]


def banded(session: Session, band) -> tuple[Session | None, list[str]]:
    """The session for the "Travel times for" control (None with the message beside it when it is invalid)."""
    return banded_session(AppraisalRequest, BAND_BINDINGS[0], session, band)


def layout(wh: Warehouse, session: Session, dirs: list[Path]):
    if not wh.available:
        return no_data("Scenarios")
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
            hour_band_control(AppraisalRequest, BAND_BINDINGS[0], session.profile),
            html.Button("Reset", id="scn-reset"),
        ])]),
        html.Div(id="scn-changes", className="note"),
        map_row("scn-map", [html.H3("Baseline and scenario"),
                                                                        html.Div(id="scn-table")]),
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
                html.Button("Download HTML report", id="scn-report-btn"),
                html.Button("Download PDF report", id="scn-report-pdf-btn"), dcc.Download(id="scn-report")]),
            html.Div(id="scn-compare")]),
        dcc.Store(id="scn-state", data=dict(EMPTY)),
        dcc.Store(id="scn-refresh", data=0),
    ])


def register(app: dash.Dash, wh: Warehouse, session: Session, dirs: list[Path]) -> Page:
    store = scenario_files.ScenarioStore(dirs)
    page = Page(prefixes=("scn-",), order=2, path="/scenarios", name="Scenarios", title="Blue Light Atlas – Scenarios", layout=lambda: layout(wh, session, dirs))

    @callback(app, Output("scn-close", "options"), Output("scn-move-site", "options"), Input("scn-service", "value"))
    def site_options(service):
        opts = [{"label": f"{n} ({i})", "value": i} for i, n in session.sites(service)[["site_id", "name"]].itertuples(index=False)]
        return opts, opts

    @callback(app, Output("scn-state", "data"), Input("scn-service", "value"), Input("scn-close", "value"),
                  Input("scn-map", "clickData"), Input("scn-reset", "n_clicks"), State("scn-state", "data"),
                  State("scn-click-mode", "value"), State("scn-move-site", "value"), State("scn-duty", "value"))
    def edit(service, closed, click, _reset, state, mode, move_site, duty):
        return edit_state(state, dash.ctx.triggered_id, service=service, closed=closed, click=click, mode=mode,
                          move_site=move_site, duty=duty)

    @callback(app, Output("scn-map", "figure"), Output("scn-table", "children"), Output("scn-changes", "children"),
              Output("scn-hour-band-error", "children"), Input("scn-state", "data"), Input("scn-hour-band", "value"))
    def show(state, band):
        timed, errors = banded(session, band)
        if timed is None:
            return blocked_figure(), "", blocked_note(), *errors
        return *scenario_view(wh, timed, state), *errors

    @callback(app, Output("scn-saved", "children"), Output("scn-refresh", "data"), Input("scn-save", "n_clicks"),
                  State("scn-state", "data"), State("scn-name", "value"), State("scn-note", "value"),
                  State("scn-refresh", "data"), prevent_initial_call=True)
    def save(_n, state, name, note, refresh):
        sid = store.save(scenario_files.state_to_scenario(state, name=name or "", note=note or ""),
                         service=state["service"])
        record("scenario_saved", f"{sid} (scenarios)")
        return f"Saved as {sid!r} ({store.path_of(sid).name} in the scenario store).", (refresh or 0) + 1

    @callback(app, Output("scn-a", "options"), Output("scn-b", "options"), Input("scn-refresh", "data"))
    def saved_options(_refresh):
        opts = [{"label": f"{r.name} ({r.service if isinstance(r.service, str) and r.service else 'every service it touches'})",
                  "value": r.id}
                for r in store.listing().itertuples(index=False)]
        return opts, opts

    @callback(app, Output("scn-compare", "children"), Input("scn-a", "value"), Input("scn-b", "value"),
              Input("scn-hour-band", "value"))
    def compare(a, b, band):
        timed, errors = banded(session, band)
        if timed is None:
            return blocked_note(errors[0])
        return compare_view(wh, timed, store, a, b) if b else html.P("Choose scenario B (A defaults to the baseline).")

    @callback(app, Output("scn-report", "data"), Input("scn-report-btn", "n_clicks"),
              Input("scn-report-pdf-btn", "n_clicks"), State("scn-a", "value"), State("scn-b", "value"),
              State("scn-hour-band", "value"), prevent_initial_call=True,
              running=[(Output("scn-report-pdf-btn", "disabled"), True, False)])
    def report(_html, _pdf, a, b, band):
        timed, errors = banded(session, band)
        if timed is None:
            raise ValidationError("hour_band", errors[0])
        return reports.download(comparison(wh, timed, store, a, b, tier=tier_for(current_role())),
                                filename="scenario_comparison", pdf=dash.ctx.triggered_id == "scn-report-pdf-btn")
    return page


def edit_state(state: dict, trigger, *, service, closed, click, mode, move_site, duty) -> dict:
    """The scenario state after one interaction (pure, so it can be tested without a browser)."""
    from bluelight.geo import to_bng

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


def edited_scenario(state: dict) -> Scenario:
    """The page's edits as a scenario (the same engine as ``bluelight scenario run`` evaluates it)."""
    return scenario_files.state_to_scenario(state, name="edits on the Scenarios page")


def scenario_view(wh: Warehouse, session: Session, state: dict):
    service = state["service"]
    threshold = DEFAULT_STANDARD[service][0]
    base, scen = evaluate_service(session, edited_scenario(state), service)
    delta = scen.response_s - base.response_s
    sites = session.sites(service)
    shown = sites[~sites["site_id"].isin(state.get("closed", []))]
    fig = map_parts.change_map(base.points, delta, zones_geojson=layers.LSOAS,
                             sites=visible_sites(shown), closed=visible_sites(sites[sites["site_id"].isin(state.get("closed", []))]),
                             added=pd.DataFrame(state.get("added", []) + state.get("moved", [])),
                             roads=layers.roads(), boundaries=layers.BOROUGHS,
                             bounds=wh.network_bounds())
    table = figures.summary_table({"baseline": session.summary(base, threshold),
                                   "scenario": session.summary(scen, threshold)}, threshold)
    changes = (f"{len(state.get('closed', []))} closed, {len(state.get('added', []))} added, "
               f"{len(state.get('moved', []))} moved; standard {threshold / 60:g} min; profile {session.profile.key}. "
               f"Colour: change in response time (minutes), red slower, green faster.")
    return (map_parts.with_tiles(fig, wh.web_tiles),
            table_parts.frame_table(table_parts.with_change_row(table), table_id="scn-kpi-table", page_size=5), changes)


def compare_data(session: Session, store: scenario_files.ScenarioStore, a: str | None, b: str) -> dict:
    """B (and A, default the baseline) through the scenario engine: ``bluelight scenario run`` of each."""
    sc_b = store.load(b)
    sc_a = store.load(a) if a else None
    return {"a": run_scenario(session, sc_a) if sc_a else None, "b": run_scenario(session, sc_b),
            "scenario_a": sc_a, "scenario_b": sc_b}


def compare_table(data: dict) -> pd.DataFrame:
    """Per service B touches: the baseline, A and B, with the figures ``scenario run`` reports."""
    rows = []
    for service, eb in data["b"].services.items():
        ea = data["a"].services.get(service) if data["a"] is not None else None
        labelled = [("baseline", eb["population"]["before"], eb["sites_before"])]
        if data["a"] is not None:
            labelled.append((f"A: {data['a'].scenario}", (ea or eb)["population"]["after" if ea else "before"],
                             (ea or eb)["sites_after" if ea else "sites_before"]))
        labelled.append((f"B: {data['b'].scenario}", eb["population"]["after"], eb["sites_after"]))
        for label, part, n_sites in labelled:
            s = part["summary"]
            rows.append({"service": service, "estate": label, "sites": n_sites,
                         "population within standard": round(part["demand_within"]),
                         "% within (modelled)": round(100 * s["share_within_modelled"], 2),
                         "% within (single time)": round(100 * s["share_within"], 2),
                         "mean min": None if s["mean_s"] is None else round(s["mean_s"] / 60, 2),
                         "p90 min": None if s["p90_s"] is None else round(s["p90_s"] / 60, 2),
                         "standard min": eb["threshold_s"] / 60})
    return pd.DataFrame(rows)


def compare_view(wh: Warehouse, session: Session, store: scenario_files.ScenarioStore, a, b):
    data = compare_data(session, store, a, b)
    maps = []
    for service, after in data["b"].after.items():
        base = session.sites(service, as_of=data["scenario_b"].as_of)
        maps.append(map_parts.coverage_map(after.points, after.response_s, threshold_s=DEFAULT_STANDARD[service][0],
                                         zones_geojson=layers.LSOAS, sites=base[base["site_id"].isin(after.site_ids)],
                                         roads=layers.roads(), boundaries=layers.BOROUGHS, bounds=wh.network_bounds(),
                                         title=f"B: {service} after"))
    money = "B: " + describe(data["b"].finance)
    return html.Div([table_parts.frame_table(compare_table(data), table_id="scn-compare-table", page_size=8),
                     html.P(money, className="note"),
                     html.Div(className="row", children=[html.Div(className="col", children=[
                         dcc.Graph(figure=map_parts.with_tiles(m, wh.web_tiles))]) for m in maps])])


def comparison(wh: Warehouse, session: Session, store: scenario_files.ScenarioStore, a, b, *, tier: str):
    """Scenario B against A (default the baseline) as a report: its changes, maps after, curves, the table."""
    data = compare_data(session, store, a, b)
    service = next(iter(data["b"].services), None)
    if service is None:
        raise AnalysisError(f"scenario {data['b'].scenario!r} changes no site: nothing to compare")
    threshold = DEFAULT_STANDARD[service][0]
    curves, maps = [], []
    for label, sc in (("baseline", Scenario(name="baseline", as_of=data["scenario_b"].as_of)),
                      ("A", data["scenario_a"]), ("B", data["scenario_b"])):
        if sc is None:
            continue
        _, ev = evaluate_service(session, sc, service)
        curves.append((f"{label}: share of the population reached within t", chart_parts.cumulative_curve(
            ev.response_s, ev.points["weight"].to_numpy(), threshold_s=threshold, goal=None, label=label,
            variability=session.variability)))
    for svc, after in data["b"].after.items():
        base = session.sites(svc, as_of=data["scenario_b"].as_of)
        on = after.points.loc[~np.isnan(after.response_s), "zone"].tolist()
        maps.append((f"B: {svc} response after the changes (minutes)", map_parts.coverage_map(
            after.points, after.response_s, threshold_s=DEFAULT_STANDARD[svc][0], zones_geojson=wh.lsoa_geojson(on),
            sites=visible_sites(base[base["site_id"].isin(after.site_ids)]), roads=None,
            boundaries=wh.boundaries_geojson("borough"), title=f"B: {svc} after")))
    names = {r.site_id: r.name for svc in data["b"].services for r in session.sites(svc).itertuples()}
    changes = reports.change_words(data["scenario_b"].changes, names)
    services = list(data["b"].services)
    from bluelight.text import mmss

    return reports.comparison_report(
        wh, session, title=f"Scenario comparison: {data['b'].scenario}", tier=tier,
        headline=f"Cover of {', '.join(services)} with scenario B against "
                 f"{'A: ' + data['a'].scenario if data['a'] else 'the baseline'}.",
        asked={"Scenario A": data["a"].scenario if data["a"] else "baseline", "Scenario B": data["b"].scenario,
               "Standards": "; ".join(f"{svc} {mmss(e['threshold_s'])} (m:ss)"
                                      for svc, e in data["b"].services.items())},
        table=compare_table(data), curves=curves, maps=maps, changes=changes, money="",
        finance=data["b"].finance, summary=reports.service_sentences(data["b"].services))
