"""Hubs: merge sites of any services into one (a shared HQ, a two-into-one or tri-service station), and site a
shared headquarters, workshop or training centre for the staff and vehicles that travel to it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import dash
import numpy as np
import pandas as pd
from dash import Input, Output, State, dcc, html

from bluelight.access import tier_for
from bluelight.dashboard import layers, reports, scenario_files
from bluelight.dashboard.auth import current_role, record, visible_sites
from bluelight.dashboard.callbacks import callback
from bluelight.dashboard.components import charts as chart_parts
from bluelight.dashboard.components import maps as map_parts
from bluelight.dashboard.components import tables as table_parts
from bluelight.dashboard.controls import (
    Binding,
    blocked_figure,
    blocked_note,
    error_ids,
    field_control,
    hour_band_control,
    parse_controls,
)
from bluelight.dashboard.finance_view import finance_panel
from bluelight.dashboard.layout import Page, map_row, no_data
from bluelight.dashboard.pages.hubs import figures
from bluelight.dashboard.queries import Warehouse
from bluelight.errors import AnalysisError, ValidationError
from bluelight.geo import to_bng
from bluelight.services.facility import FacilityRequest, FacilityResult, run_facility
from bluelight.services.hubs import FINANCE, NEW_SITE, HubRequest, run_hub
from bluelight.services.inputs import read_sites
from bluelight.services.scenarios import ScenarioResult, evaluate_service
from bluelight.services.session import Session
from bluelight.vocab import EMERGENCY_SERVICES

HUB_BINDINGS = [Binding("sites", "hub-sites"), Binding("host", "hub-host"),
                *[Binding(k, f"hub-{k}") for k, _ in FINANCE], Binding("horizon_years", "hub-horizon"),
                Binding("discount_rate", "hub-rate"), Binding("hour_band", "hub-hour-band"), Binding("name", "hub-name")]
HQ_BINDINGS = [Binding("users", "hq-users"), Binding("candidates", "hq-candidates"), Binding("objective", "hq-objective"),
               Binding("k", "hq-k"), Binding("trips_per_year", "hq-trips"), Binding("value_of_time", "hq-vot")]


def _all_sites(session: Session) -> pd.DataFrame:
    return pd.concat([session.sites(s) for s in EMERGENCY_SERVICES], ignore_index=True)


def layout(wh: Warehouse, session: Session):
    if not wh.available:
        return no_data("Hubs")
    sites = _all_sites(session)
    options = [{"label": f"{n} ({s})", "value": i} for i, n, s in zip(sites["site_id"], sites["name"], sites["service"])]
    # a hub may also go to any other site loaded: HQs, workshops, council or NHS estate loaded as candidate sites
    hosts = session.read(lambda cur: read_sites(cur, statuses=("open", "candidate", "planned"), kinds=None))
    host_options = [{"label": f"{n} ({s}, {k}{'' if st == 'open' else ', ' + st})", "value": i}
                    for i, n, s, k, st in zip(hosts["site_id"], hosts["name"], hosts["service"], hosts["kind"],
                                              hosts["status"])]
    return html.Div([
        html.H2("Hubs: merge sites into one, and site a shared headquarters"),
        html.Div(className="panel", children=[
            html.H3("Merge two or more sites into a hub"),
            html.P(className="note", children="Pick the sites that move, then where the hub is: one of them, another "
                   "site, or a new point clicked on the map. Cover of every service they belong to is compared before "
                   "and after, with the finance of the whole merger."),
            html.Div(className="controls", children=[
                field_control(HubRequest, HUB_BINDINGS[0], minWidth="420px", component=dcc.Dropdown(
                    id="hub-sites", multi=True, options=options, placeholder="two or more sites, any services")),
                field_control(HubRequest, HUB_BINDINGS[1], minWidth="320px", component=dcc.Dropdown(
                    id="hub-host", options=[{"label": "a new point (click the map)", "value": NEW_SITE}] + host_options)),
                *[field_control(HubRequest, b) for b in HUB_BINDINGS[2:2 + len(FINANCE)]],
                field_control(HubRequest, HUB_BINDINGS[-4], value=30),
                field_control(HubRequest, HUB_BINDINGS[-3]),
                hour_band_control(HubRequest, HUB_BINDINGS[-2], session.profile),
            ]),
            html.Div(id="hub-headline", className="panel"),
            map_row("hub-map", [html.H3("Cover before and after"), html.Div(id="hub-table"),
                                html.H3("Capacity of the hub"), html.Div(id="hub-capacity")]),
            html.Div(className="panel", children=[html.H3("Areas that gain and lose"), html.Div(id="hub-areas")]),
            html.Div(className="panel", children=[html.H3("Finance of the merger"), html.Div(id="hub-finance")]),
            html.Div(className="controls", children=[
                field_control(HubRequest, HUB_BINDINGS[-1], component=dcc.Input(
                    id="hub-name", placeholder="e.g. town centre tri-service hub")),
                html.Button("Save scenario", id="hub-save"),
                html.Button("Download report (HTML)", id="hub-report-btn"), dcc.Download(id="hub-report")]),
            html.Div(id="hub-saved", className="note"),
            dcc.Store(id="hub-point"),
        ]),
        html.Div(className="panel", children=[
            html.H3("Site a shared headquarters, workshop or training centre"),
            html.P(className="note", children="Who travels to it, where it may be, how many, and what to minimise: "
                   "total trip time, the worst trip, or generalised cost with a value of time. Trips a year can be "
                   "edited per site in the table below the map."),
            html.Div(className="controls", children=[
                field_control(FacilityRequest, HQ_BINDINGS[0], label="Users (who travels)", component=dcc.Checklist(
                    id="hq-users", value=["fire", "police"], options=list(EMERGENCY_SERVICES), inline=True,
                    inputStyle={"marginRight": "4px", "marginLeft": "10px"})),
                field_control(FacilityRequest, HQ_BINDINGS[1], component=dcc.Checklist(
                    id="hq-candidates", value=list(EMERGENCY_SERVICES), options=list(EMERGENCY_SERVICES), inline=True,
                    inputStyle={"marginRight": "4px", "marginLeft": "10px"})),
                field_control(FacilityRequest, HQ_BINDINGS[2], component=dcc.RadioItems(
                    id="hq-objective", value="total", inline=True, options=[
                        {"label": "least total trip time", "value": "total"},
                        {"label": "least worst trip", "value": "worst"}],
                    inputStyle={"marginRight": "4px", "marginLeft": "10px"})),
                field_control(FacilityRequest, HQ_BINDINGS[3]),
                field_control(FacilityRequest, HQ_BINDINGS[4]),
                field_control(FacilityRequest, HQ_BINDINGS[5]),
            ]),
            html.Div(id="hq-summary", className="note"),
            map_row("hq-map", [html.H3("Every candidate as the one facility"), html.Div(id="hq-ranking")]),
            html.H3("Users and their trips a year (editable)"),
            html.Div(id="hq-users-table"),
            html.Div(className="controls", children=[html.Button("Download report (HTML)", id="hq-report-btn"),
                                                     dcc.Download(id="hq-report")]),
            dcc.Store(id="hq-trips-edited", data=[]),
        ]),
    ])


def register(app: dash.Dash, wh: Warehouse, session: Session, dirs: list[Path]) -> Page:
    store = scenario_files.ScenarioStore(dirs)
    page = Page(prefixes=("hub-", "hq-"), order=4, path="/hubs", name="Hubs", title="Blue Light Atlas – Hubs", layout=lambda: layout(wh, session))
    hub_inputs = [Input(b.control_id, "value") for b in HUB_BINDINGS[:-1]] + [Input("hub-point", "data")]
    hub_states = [State(i.component_id, i.component_property) for i in hub_inputs]

    @callback(app, Output("hub-point", "data"), Input("hub-map", "clickData"), State("hub-host", "value"),
              prevent_initial_call=True)
    def place(click, host):
        point = (click or {}).get("points", [{}])[0]
        return [point["lon"], point["lat"]] if host == NEW_SITE and "lon" in point else dash.no_update

    @callback(app, Output("hub-map", "figure"), Output("hub-headline", "children"), Output("hub-table", "children"),
              Output("hub-capacity", "children"), Output("hub-areas", "children"), Output("hub-finance", "children"),
              *[Output(i, "children") for i in error_ids(HUB_BINDINGS[:-1])], *hub_inputs)
    def update(*values):
        return hub_view(wh, session, *values)

    @callback(app, Output("hub-saved", "children"), Input("hub-save", "n_clicks"), State("hub-name", "value"),
              *hub_states, prevent_initial_call=True)
    def save(_n, name, *values):
        plan = hub_plan(session, *values, name=name)
        sid = store.save(plan["scenario"])
        record("scenario_saved", f"{sid} (hubs)")
        return (f"Saved to {store.path_of(sid)} (scenario {sid!r}). Evaluate it with: bluelight scenario run "
                f"{store.path_of(sid)} --json")

    @callback(app, Output("hub-report", "data"), Input("hub-report-btn", "n_clicks"), State("hub-name", "value"),
              *hub_states, prevent_initial_call=True)
    def report(_n, name, *values):
        plan = hub_plan(session, *values, name=name)
        timed = session.for_band(plan["request"].hour_band)
        return reports.download(hub_report(wh, timed, plan, tier=tier_for(current_role())),
                                filename=f"{scenario_files.slug(plan['scenario'].name)}_hub_report", pdf=False)

    hq_inputs = [Input(b.control_id, "value") for b in HQ_BINDINGS] + [Input("hq-trips-edited", "data")]

    @callback(app, Output("hq-map", "figure"), Output("hq-summary", "children"), Output("hq-ranking", "children"),
              Output("hq-users-table", "children"), *[Output(i, "children") for i in error_ids(HQ_BINDINGS)],
              *hq_inputs)
    def siting(*values):
        return hq_view(wh, session, *values)

    @callback(app, Output("hq-report", "data"), Input("hq-report-btn", "n_clicks"),
              *[State(i.component_id, i.component_property) for i in hq_inputs], prevent_initial_call=True)
    def hq_download(_n, *values):
        request, errors = hq_request(values)
        if request is None:
            raise ValidationError("users", next(e for e in errors if e))
        return reports.download(hq_report(wh, session, request, run_facility(session, request),
                                          tier=tier_for(current_role())), filename="shared_facility_report", pdf=False)

    @callback(app, Output("hq-trips-edited", "data"), Input("hq-users-grid", "cellValueChanged"),
              State("hq-trips-edited", "data"), prevent_initial_call=True)
    def edit_trips(changes, edited):
        return merged_trips(edited, changes)
    return page


def hub_request(values, *, name=None):
    """The hub request from the controls (``HUB_BINDINGS`` order, then the clicked point), and the errors."""
    *controls, point = values
    hub_e = hub_n = None
    if point:
        e, n = to_bng([point[0]], [point[1]])
        hub_e, hub_n = float(e[0]), float(n[0])
    return parse_controls(HubRequest, HUB_BINDINGS[:-1], controls, hub_easting=hub_e, hub_northing=hub_n,
                          name=name or "")


def hub_plan(session: Session, *values, name=None) -> dict:
    request, errors = hub_request(values, name=name)
    if request is None:
        raise ValidationError("sites", next(e for e in errors if e))
    return run_hub(session, request) | {"request": request}


def hub_view(wh: Warehouse, session: Session, *values):
    """Map, headline, before/after, capacity, areas and finance of the merger, and one error per control."""
    request, errors = hub_request(values)
    if request is None:
        if not values[0] and not values[1]:               # nothing chosen yet: nothing to say beside the fields
            errors = ["" for _ in errors]
        empty = map_parts.empty_map(roads=layers.roads(), boundaries=layers.BOROUGHS, bounds=wh.network_bounds())
        note = blocked_note() if any(e and "must be" in e and "Sites to merge" not in e for e in errors) else \
            html.P("Choose two or more sites to merge and where the hub is.")
        return (map_parts.with_tiles(empty, wh.web_tiles), note, "", "", "", "", *errors)
    plan = run_hub(session, request) | {"request": request}
    return (*plan_view(wh, session.for_band(request.hour_band), plan), *errors)


def cover_table(result: ScenarioResult) -> pd.DataFrame:
    """Per service the merger touches: sites and population within its standard before and after."""
    rows = []
    for service, e in result.services.items():
        b, a = e["population"]["before"]["summary"], e["population"]["after"]["summary"]
        ch = e["population"]["change"]
        rows.append({"service": service, "standard min": e["threshold_s"] / 60, "sites before": e["sites_before"],
                     "sites after": e["sites_after"], "population within before": round(ch["demand_within_before"]),
                     "population within after": round(ch["demand_within_after"]),
                     "% within (modelled) before": round(100 * b["share_within_modelled"], 1),
                     "% within (modelled) after": round(100 * a["share_within_modelled"], 1),
                     "mean min before": round(b["mean_s"] / 60, 2), "mean min after": round(a["mean_s"] / 60, 2)})
    return pd.DataFrame(rows)


def plan_view(wh: Warehouse, session: Session, plan: dict):
    result, scenario = plan["result"], plan["scenario"]
    services = list(result.services)
    fig = change_figure(wh, session, scenario, services[0]) if services else map_parts.empty_map(
        roads=layers.roads(), boundaries=layers.BOROUGHS, bounds=wh.network_bounds())
    table = cover_table(result)
    headline = html.Div([html.B(scenario.name + ". "), "; ".join(
        f"{r['service']}: {r['population within after']:,} people within {r['standard min']:g} minutes instead of "
        f"{r['population within before']:,}" for r in table.to_dict("records")) + "."])
    areas = pd.DataFrame([{"service": s, **a} for s, e in result.services.items() for a in e["areas"]])
    if not areas.empty:
        areas = areas[["service", "area", "direction", "demand_within_change", "share_within_before",
                       "share_within_after"]].round(3)
    finance = finance_panel(result.finance, table_id="hub-finance", frame_table=table_parts.frame_table)
    return (map_parts.with_tiles(fig, wh.web_tiles), headline,
            table_parts.frame_table(table, table_id="hub-cover-table", page_size=5),
            table_parts.frame_table(plan["capacity"], table_id="hub-capacity-table", page_size=5),
            table_parts.frame_table(areas, table_id="hub-areas-table", page_size=10) if not areas.empty else
            html.P("No area's cover changes."), finance)


def change_figure(wh: Warehouse, session: Session, scenario, service: str, *, standalone: bool = False):
    """Change in one service's response by zone, with the sites that move and the hub marked."""
    before, after = evaluate_service(session, scenario, service)
    delta = after.response_s - before.response_s
    sites = session.sites(service)
    change = scenario.changes[0]
    moving = sites[sites["site_id"].isin(change["sites"])]
    hub = change.get("hub") or {}
    host = _all_sites(session).query("site_id == @change.get('into', '')")
    added = pd.DataFrame([{"site_id": hub.get("name", "hub"), "easting": hub["easting"], "northing": hub["northing"]}]
                         if hub else [{"site_id": f"hub at {r.name}", "easting": r.easting, "northing": r.northing}
                                      for r in host.itertuples(index=False)])
    zones = wh.lsoa_geojson(before.points.loc[~np.isnan(delta), "zone"].tolist()) if standalone else layers.LSOAS
    return map_parts.change_map(before.points, delta, zones_geojson=zones, sites=visible_sites(sites[~sites["site_id"].isin(
        change["sites"])]), closed=visible_sites(moving), added=added, roads=None if standalone else layers.roads(),
        boundaries=wh.boundaries_geojson("borough") if standalone else layers.BOROUGHS, bounds=wh.network_bounds())


def hub_report(wh: Warehouse, session: Session, plan: dict, *, tier: str):
    """The merger as a report: its changes, the comparison of every service it touches, and its finance."""
    result = plan["result"]
    services = list(result.services)
    if not services:
        raise AnalysisError("the merger changes no site: nothing to report")
    service = services[0]
    threshold = result.services[service]["threshold_s"]
    curves = []
    for label, ev in (("before", result.before[service]), ("after", result.after[service])):
        curves.append((f"{label}: share reached within t", chart_parts.cumulative_curve(
            ev.response_s, ev.points["weight"].to_numpy(), threshold_s=threshold, goal=None, label=label,
            variability=session.variability)))
    names = dict(zip(_all_sites(session)["site_id"], _all_sites(session)["name"]))
    maps = []
    for svc in services:
        before, after = result.before[svc], result.after[svc]
        moved = np.abs(after.response_s - before.response_s) > 0.5
        sites = _all_sites(session)
        involved = sites[sites["site_id"].isin([*plan["scenario"].changes[0]["sites"],
                                                plan["scenario"].changes[0].get("into", "")])]
        e = np.concatenate([before.points.loc[moved, "easting"], involved["easting"]])
        n = np.concatenate([before.points.loc[moved, "northing"], involved["northing"]])
        maps.append((f"{svc.capitalize()}: change in response time by area (red slower, blue faster), framed on "
                     "the sites that merge and the areas whose cover changes",
                     change_figure(wh, session, plan["scenario"], svc, standalone=True), reports.focus_box(e, n)))
    return reports.comparison_report(
        wh, session, title=f"Hub: {plan['scenario'].name}", tier=tier,
        headline=f"Merging {', '.join(names.get(s, s) for s in plan['scenario'].changes[0]['sites'])}: cover of "
                 f"{', '.join(services)} before and after, and the money.",
        asked={"Scenario": plan["scenario"].name, "Services": ", ".join(services)},
        table=cover_table(result), curves=curves, maps=maps, changes=reports.change_words(plan["scenario"].changes,
                                                                                          names),
        money="", finance=result.finance, summary=reports.service_sentences(result.services))


def hq_report(wh: Warehouse, session: Session, request: FacilityRequest, result: FacilityResult, *, tier: str) -> reports.Report:
    """Where a shared headquarters, workshop or training centre should be, as a board paper: the chosen sites, the
    trips they cost, every candidate as the one facility, framed on the users and the sites chosen."""
    from bluelight.text import mmss

    p = result.plan
    users = pd.DataFrame(result.user_sites)
    chosen = pd.DataFrame(result.chosen_points)
    fig = figures.trips_map(result.user_sites, result.chosen_points, roads=None,
                            boundaries=wh.boundaries_geojson("borough"), bounds=wh.network_bounds(), title="")
    e, n = to_bng(np.concatenate([users["lon"].to_numpy(float), chosen["lon"].to_numpy(float)]),
                  np.concatenate([users["lat"].to_numpy(float), chosen["lat"].to_numpy(float)]))
    cost = (f"{reports.fmt(p['annual_cost_gbp'], 'gbp')} a year" if p["annual_cost_gbp"] is not None else
            f"annual cost not known: no running cost for {', '.join(p['cost_missing_for'])}")
    ranking = pd.DataFrame(result.single_site_ranking)
    ranking = ranking[["name", "service", "trip_hours_per_year", "mean_trip_s", "worst_trip_s"]].rename(columns={
        "trip_hours_per_year": "trip hours a year", "mean_trip_s": "mean trip (m:ss)",
        "worst_trip_s": "worst trip (m:ss)"}) if not ranking.empty else ranking
    shown_users = users[["name", "service", "trips_per_year", "facility"]].rename(columns={
        "trips_per_year": "trips a year", "facility": "goes to"})
    if "goes to" in shown_users and not chosen.empty and "site_id" in chosen and "name" in chosen:
        shown_users["goes to"] = shown_users["goes to"].map(dict(zip(chosen["site_id"], chosen["name"]))).fillna(
            shown_users["goes to"])
    return reports.Report(
        title=f"Shared facility for {' and '.join(request.users)}: {', '.join(p['chosen_names'])}",
        headline=(f"{', '.join(p['chosen_names'])}: {p['trip_hours_per_year']:,.0f} trip hours a year, mean trip "
                  f"{mmss(p['mean_trip_s'])}, worst {mmss(p['worst_trip_s'])} (m:ss)."),
        asked={"Who travels": ", ".join(request.users), "Where it may be": ", ".join(request.candidates),
               "Facilities": str(request.k), "Objective": {"total": "least total trip time",
                                                           "worst": "least worst trip"}.get(request.objective,
                                                                                            request.objective)},
        summary=[f"{result.users} sites' staff and vehicles travel to it; {result.candidates} candidate sites "
                 f"on the road network were weighed; the answer is {p['status']}.", f"Cost of the trips: {cost}."],
        figures=[("Who travels where (lines: each site to its facility), framed on the sites and the facility.",
                  reports.static_map(fig, focus=reports.focus_box(e, n)))],
        tables=[reports.Table("Every candidate as the one facility", ranking,
                              {"trip hours a year": "int", "mean trip (m:ss)": "duration",
                               "worst trip (m:ss)": "duration"}),
                reports.Table("Who travels", shown_users, {"trips a year": "int"})],
        assumptions=[f"Trips a year per site: {request.trips_per_year:g} unless edited (an assumption; edit it per "
                     "site on the Hubs page).", *[f"{k}: {v}" for k, v in session.profile.sources.items()]],
        tier=tier, **reports.provenance_and_error(wh, session))


def merged_trips(edited, changes) -> list:
    """The per-site trips a year after a grid edit (site id, trips), latest edit of each site kept."""
    out = {s: t for s, t in (edited or [])}
    for ch in changes or []:
        row = ch.get("data") or {}
        if "site_id" in row:
            out[row["site_id"]] = row.get("trips a year")
    return [[s, t] for s, t in out.items()]


def hq_request(values):
    *controls, edited = values
    request, errors = parse_controls(FacilityRequest, HQ_BINDINGS, controls)
    if request is not None and edited:
        trips = []
        for site, t in edited:
            try:
                trips.append((site, float(t)))
            except (TypeError, ValueError):
                return None, errors[:4] + [f"Trips a year of {site} must be a number, got {t!r}"] + errors[5:]
        request = replace(request, site_trips=tuple(trips))
    return request, errors


def hq_view(wh: Warehouse, session: Session, *values):
    """Map of trips, summary, ranking and the editable users' table, and one error per control."""
    request, errors = hq_request(values)
    if request is None:
        return blocked_figure(), blocked_note(), "", "", *errors
    result = run_facility(session, request)
    p = result.plan
    fig = figures.trips_map(result.user_sites, result.chosen_points, roads=layers.roads(),
                            boundaries=layers.BOROUGHS, bounds=wh.network_bounds(),
                            title=f"{request.k} facilit{'y' if request.k == 1 else 'ies'} for "
                                  f"{'/'.join(request.users)} ({request.objective})")
    cost = (f"£{p['annual_cost_gbp']:,.0f} a year" if p["annual_cost_gbp"] is not None else
            f"annual cost not recorded for {', '.join(p['cost_missing_for'])}")
    summary = (f"Chosen: {', '.join(p['chosen_names'])}. {p['trip_hours_per_year']:,.0f} trip hours a year "
               f"(both ways), mean trip {p['mean_trip_s'] / 60:.1f} min, worst {p['worst_trip_s'] / 60:.1f} min; "
               f"{cost}; {result.users} users, {result.candidates} candidates on the road network "
               f"(status {p['status']}; profile {result.profile}).")
    ranking = pd.DataFrame(result.single_site_ranking)
    shown = ranking[["name", "service", "trip_hours_per_year", "mean_trip_s", "worst_trip_s"]].rename(columns={
        "trip_hours_per_year": "trip hours a year", "mean_trip_s": "mean trip s", "worst_trip_s": "worst trip s"}) \
        if not ranking.empty else ranking
    users = pd.DataFrame(result.user_sites)[["site_id", "name", "service", "trips_per_year", "facility"]].rename(
        columns={"trips_per_year": "trips a year"})
    grid = table_parts.frame_table(users, table_id="hq-users-grid", page_size=10)
    grid.columnDefs = [c | ({"editable": True} if c["field"] == "trips a year" else {}) for c in grid.columnDefs]
    return (map_parts.with_tiles(fig, wh.web_tiles), summary,
            table_parts.frame_table(shown.round(1), table_id="hq-ranking-table", page_size=10), grid, *errors)
