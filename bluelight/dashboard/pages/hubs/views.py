"""Hubs: merge sites of any services into one (a shared HQ, a two-into-one or tri-service station), and site a: what the page shows, as plain functions of the request and the engine's answers."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
from dash import html

from bluelight.dashboard import layers, reports
from bluelight.dashboard.auth import visible_sites
from bluelight.dashboard.components import charts as chart_parts
from bluelight.dashboard.components import maps as map_parts
from bluelight.dashboard.components import tables as table_parts
from bluelight.dashboard.controls import (
    Binding,
    blocked_figure,
    blocked_note,
    parse_controls,
)
from bluelight.dashboard.finance_view import finance_panel
from bluelight.dashboard.pages.hubs import figures
from bluelight.dashboard.queries import Warehouse
from bluelight.foundation.errors import AnalysisError, ValidationError
from bluelight.foundation.geo import to_bng
from bluelight.foundation.text import fmt, mmss, profile_words
from bluelight.foundation.vocab import EMERGENCY_SERVICES
from bluelight.services.facility import FacilityRequest, FacilityResult, run_facility
from bluelight.services.hubs import FINANCE, HubPlan, HubRequest, run_hub
from bluelight.services.scenarios import ScenarioResult, evaluate_service
from bluelight.services.session import Session

HUB_BINDINGS = [Binding("sites", "hub-sites"), Binding("host", "hub-host"),
                *[Binding(k, f"hub-{k}") for k, _ in FINANCE], Binding("horizon_years", "hub-horizon"),
                Binding("discount_rate", "hub-rate"), Binding("traffic_period", "hub-traffic-period"),
                Binding("name", "hub-name")]


HQ_BINDINGS = [Binding("users", "hq-users"), Binding("candidates", "hq-candidates"), Binding("objective", "hq-objective"),
               Binding("k", "hq-k"), Binding("trips_per_year", "hq-trips"), Binding("value_of_time", "hq-vot")]


def _all_sites(session: Session) -> pd.DataFrame:
    return pd.concat([session.sites(s) for s in EMERGENCY_SERVICES], ignore_index=True)


def hub_request(values: tuple[Any, ...], *, name: str | None = None) -> tuple[HubRequest | None, list[str]]:
    """The hub request from the controls (``HUB_BINDINGS`` order, then the clicked point), and the errors."""
    *controls, point = values
    hub_e = hub_n = None
    if point:
        e, n = to_bng([point[0]], [point[1]])
        hub_e, hub_n = float(e[0]), float(n[0])
    return parse_controls(HubRequest, HUB_BINDINGS[:-1], controls, hub_easting=hub_e, hub_northing=hub_n,
                          name=name or "")


def hub_plan(session: Session, *values: Any, name: str | None = None) -> HubPlan:
    request, errors = hub_request(values, name=name)
    if request is None:
        raise ValidationError("sites", next(e for e in errors if e))
    return run_hub(session, request)


def hub_view(wh: Warehouse, session: Session, *values: Any) -> tuple[Any, ...]:
    """Map, headline, before/after, capacity, areas and finance of the merger, and one error per control."""
    request, errors = hub_request(values)
    if request is None:
        if not values[0] and not values[1]:               # nothing chosen yet: nothing to say beside the fields
            errors = ["" for _ in errors]
        empty = map_parts.empty_map(roads=layers.roads(), boundaries=layers.BOROUGHS, bounds=wh.network_bounds())
        note = blocked_note() if any(e and "must be" in e and "Sites to merge" not in e for e in errors) else \
            html.P("Choose two or more sites to merge and where the hub is.")
        return (map_parts.with_tiles(empty, wh.web_tiles), note, "", "", "", "", *errors)
    plan = run_hub(session, request)
    return (*plan_view(wh, session.for_period(request.traffic_period), plan), *errors)


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


def plan_view(wh: Warehouse, session: Session, plan: HubPlan) -> tuple[Any, ...]:
    result, scenario = plan.result, plan.scenario
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
            table_parts.frame_table(plan.capacity, table_id="hub-capacity-table", page_size=5),
            table_parts.frame_table(areas, table_id="hub-areas-table", page_size=10) if not areas.empty else
            html.P("No area's cover changes."), finance)


def change_figure(wh: Warehouse, session: Session, scenario: Any, service: str, *,
                  standalone: bool = False) -> dict[str, Any]:
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


def hub_report(wh: Warehouse, session: Session, plan: HubPlan, *, tier: str) -> reports.Report:
    """The merger as a report: its changes, the comparison of every service it touches, and its finance."""
    result = plan.result
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
        involved = sites[sites["site_id"].isin([*plan.scenario.changes[0]["sites"],
                                                plan.scenario.changes[0].get("into", "")])]
        e = np.concatenate([before.points.loc[moved, "easting"], involved["easting"]])
        n = np.concatenate([before.points.loc[moved, "northing"], involved["northing"]])
        maps.append((f"{svc.capitalize()}: change in response time by area (red slower, blue faster), framed on "
                     "the sites that merge and the areas whose cover changes",
                     change_figure(wh, session, plan.scenario, svc, standalone=True), reports.focus_box(e, n)))
    return reports.comparison_report(
        wh, session, title=f"Hub: {plan.scenario.name}", tier=tier,
        headline=f"Merging {', '.join(names.get(s, s) for s in plan.scenario.changes[0]['sites'])}: cover of "
                 f"{', '.join(services)} before and after, and the money.",
        asked={"Scenario": plan.scenario.name, "Services": ", ".join(services)},
        table=cover_table(result), curves=curves, maps=maps, changes=reports.change_words(plan.scenario.changes,
                                                                                          names),
        money="", finance=result.finance, summary=reports.service_sentences(result.services))


def hq_report(wh: Warehouse, session: Session, request: FacilityRequest, result: FacilityResult, *,
              tier: str) -> reports.Report:
    """Where a shared headquarters, workshop or training centre should be, as a board paper: the chosen sites, the
    trips they cost, every candidate as the one facility, framed on the users and the sites chosen."""
    from bluelight.foundation.text import mmss

    p = result.plan
    users = pd.DataFrame(result.user_sites)
    chosen = pd.DataFrame(result.chosen_points)
    fig = figures.trips_map(result.user_sites, result.chosen_points, roads=None,
                            boundaries=wh.boundaries_geojson("borough"), bounds=wh.network_bounds(), title="")
    e, n = to_bng(np.concatenate([users["lon"].to_numpy(float), chosen["lon"].to_numpy(float)]),
                  np.concatenate([users["lat"].to_numpy(float), chosen["lat"].to_numpy(float)]))
    cost = (f"{fmt(p['annual_cost_gbp'], 'gbp')} a year" if p["annual_cost_gbp"] is not None else
            f"annual cost not known: no running cost for {', '.join(_names(p, p['cost_missing_for']))}")
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


def merged_trips(edited: Any, changes: Any) -> list[Any]:
    """The per-site trips a year after a grid edit (site id, trips), latest edit of each site kept."""
    out = {s: t for s, t in (edited or [])}
    for ch in changes or []:
        row = ch.get("data") or {}
        if "site_id" in row:
            out[row["site_id"]] = row.get("trips a year")
    return [[s, t] for s, t in out.items()]


def hq_request(values: tuple[Any, ...]) -> tuple[Any, ...]:
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


def hq_view(wh: Warehouse, session: Session, *values: Any) -> tuple[Any, ...]:
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
            f"annual cost not recorded for {', '.join(_names(p, p['cost_missing_for']))}")
    summary = (f"Chosen: {', '.join(p['chosen_names'])}. {p['trip_hours_per_year']:,.0f} trip hours a year "
               f"(both ways), mean trip {mmss(p['mean_trip_s'])}, worst {mmss(p['worst_trip_s'])} (m:ss); "
               f"{cost}; {result.users} users, {result.candidates} candidates on the road network "
               f"(status {p['status']}; {profile_words(result.profile)}).")
    ranking = pd.DataFrame(result.single_site_ranking)
    shown = ranking[["name", "service", "trip_hours_per_year", "mean_trip_s", "worst_trip_s"]].rename(columns={
        "trip_hours_per_year": "trip hours a year", "mean_trip_s": "mean trip s", "worst_trip_s": "worst trip s"}) \
        if not ranking.empty else ranking
    users = pd.DataFrame(result.user_sites)[["site_id", "name", "service", "trips_per_year", "facility"]].rename(
        columns={"trips_per_year": "trips a year"})
    users["facility"] = _names(p, users["facility"])                 # the facility by name, not by id
    grid = table_parts.frame_table(users, table_id="hq-users-grid", page_size=10)
    grid.columnDefs = [c | ({"editable": True} if c["field"] == "trips a year" else {})
                       | ({"hide": True} if c["field"] == "site_id" else {}) for c in grid.columnDefs]
    return (map_parts.with_tiles(fig, wh.web_tiles), summary,
            table_parts.frame_table(shown.round(1), table_id="hq-ranking-table", page_size=10), grid, *errors)


def _names(plan: dict[str, Any], site_ids: Any) -> list[str]:
    """Chosen facilities' ids as their names (an id the plan did not choose stays as it is)."""
    names = dict(zip(plan["chosen"], plan["chosen_names"]))
    return [names.get(i, i) for i in site_ids]
