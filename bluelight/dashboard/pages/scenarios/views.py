"""Scenarios: switch sites off, add or move one, see what changes; save, compare, export a report: what the page shows, as plain functions of the request and the engine's answers."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from dash import dcc, html

from bluelight.analysis.appraisal import describe
from bluelight.analysis.scenario import Scenario
from bluelight.dashboard import layers, reports, scenario_files
from bluelight.dashboard.auth import visible_sites
from bluelight.dashboard.components import charts as chart_parts
from bluelight.dashboard.components import maps as map_parts
from bluelight.dashboard.components import tables as table_parts
from bluelight.dashboard.controls import Binding, blocked_figure, blocked_note, period_session
from bluelight.dashboard.pages.scenarios import figures
from bluelight.dashboard.queries import Warehouse
from bluelight.foundation.errors import AnalysisError
from bluelight.foundation.standards import DEFAULT_STANDARD
from bluelight.foundation.text import mmss, profile_words
from bluelight.foundation.vocab import EMERGENCY_SERVICES
from bluelight.services.scenarios import AppraisalRequest, evaluate_service, run_scenario
from bluelight.services.session import Session

EMPTY = {"service": "fire", "closed": [], "added": [], "moved": []}


#: whose hours' travel times every view of the page uses
PERIOD_BINDINGS = [Binding("traffic_period", "scn-traffic-period")]


def at_period(session: Session, period: str) -> tuple[Session | None, list[str]]:
    """The session for the "Travel times for" control (None with the message beside it when it is invalid)."""
    return period_session(AppraisalRequest, PERIOD_BINDINGS[0], session, period)


def edit_state(state: dict[str, Any], trigger: str, *, service: str, closed: Any, click: Any, mode: str,
               move_site: str | None, duty: str | None) -> dict[str, Any]:
    """The scenario state after one interaction (pure, so it can be tested without a browser)."""
    from bluelight.foundation.geo import to_bng

    if trigger in {"scn-service", "scn-reset"} or state.get("service") != service:
        return {**EMPTY, "service": service, "closed": [] if trigger == "scn-reset" else list(closed or [])}
    state = {**state, "closed": list(closed or [])}
    state.pop("placed", None)                        # said once, for the click that placed it
    point = (click or {}).get("points", [{}])[0]
    if trigger == "scn-map" and "lon" in point:
        snapped = isinstance(point.get("customdata"), list) and len(point["customdata"]) == 2
        if snapped:                                  # the road point under the click, in EPSG:27700 exactly
            e, n = (float(v) for v in point["customdata"])
        else:                                        # a site's marker: its own position
            e, n = (float(v[0]) for v in to_bng([point["lon"]], [point["lat"]]))
        where = (f"on the road nearest the click, at easting {e:,.0f}, northing {n:,.0f}" if snapped else
                 f"at the marker clicked (easting {e:,.0f}, northing {n:,.0f})")
        if mode == "move" and move_site:
            state["moved"] = [m for m in state["moved"] if m["site_id"] != move_site] + [
                {"site_id": move_site, "easting": e, "northing": n}]
            state["placed"] = f"Moved {move_site} {where}."
        elif mode == "add":
            k = len(state["added"]) + 1
            name = f"New {service} site {k}"
            state["added"] = state["added"] + [{"site_id": f"NEW-{k}", "name": name,
                                                "duty_system": duty, "easting": e, "northing": n}]
            state["placed"] = f"Added {name} {where}."
        else:
            state["placed"] = "Choose the site to move, then click where it should go."
    return state


def linked_closure(search: str | None, session: Session, *, current: str) -> tuple[Any, ...]:
    """The service and sites to close that a link from another page asks for (``?service=fire&close=ID``).

    Only a service and site ids of that service's stations are taken from the address. Without a link the
    page's own service is given back (not ``no_update``: the site lists wait on this answer to fill).
    """
    from urllib.parse import parse_qs

    asked = parse_qs((search or "").lstrip("?"))
    service = next(iter(asked.get("service") or []), None)
    if service not in EMERGENCY_SERVICES:
        return current, None
    known = set(session.sites(service)["site_id"])
    return service, {"service": service, "close": [s for s in asked.get("close", []) if s in known]}


def linked_sites(link: dict[str, Any] | None, service: str, options: list[dict[str, Any]]) -> list[str]:
    """The sites a link asked to close, when the page shows the link's service (else none)."""
    if not link or link.get("service") != service:
        return []
    offered = {o["value"] for o in options}
    return [s for s in link.get("close", []) if s in offered]


def edited_scenario(state: dict[str, Any]) -> Scenario:
    """The page's edits as a scenario (the same engine as ``bluelight scenario run`` evaluates it)."""
    return scenario_files.state_to_scenario(state, name="edits on the Scenarios page")


def scenario_view(wh: Warehouse, session: Session, state: dict[str, Any]) -> tuple[Any, ...]:
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
                             bounds=wh.network_bounds(), place_on=(session.network.x_m, session.network.y_m))
    table = figures.summary_table({"baseline": session.summary(base, threshold),
                                   "scenario": session.summary(scen, threshold)}, threshold)
    changes = ((state["placed"] + " ") if state.get("placed") else "") + (
               f"{len(state.get('closed', []))} closed, {len(state.get('added', []))} added, "
               f"{len(state.get('moved', []))} moved; standard {mmss(threshold)} (m:ss); {profile_words(session.profile.key)}. "
               f"Colour: change in response time (minutes), red slower, green faster.")
    return (map_parts.with_tiles(fig, wh.web_tiles),
            table_parts.frame_table(table_parts.with_change_row(table), table_id="scn-kpi-table", page_size=5), changes)


def compare_data(session: Session, store: scenario_files.ScenarioStore, a: str | None, b: str) -> dict[str, Any]:
    """B (and A, default the baseline) through the scenario engine: ``bluelight scenario run`` of each."""
    sc_b = store.load(b)
    sc_a = store.load(a) if a else None
    return {"a": run_scenario(session, sc_a) if sc_a else None, "b": run_scenario(session, sc_b),
            "scenario_a": sc_a, "scenario_b": sc_b}


def compare_table(data: dict[str, Any]) -> pd.DataFrame:
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


def shown_view(wh: Warehouse, session: Session, state: dict[str, Any], period: str) -> tuple[Any, ...]:
    """The scenario's map, table and changes at the chosen traffic period's times, and the period's message (an invalid
    period clears the last result: nothing is drawn from it)."""
    timed, errors = at_period(session, period)
    if timed is None:
        return blocked_figure(), "", blocked_note(), *errors
    return *scenario_view(wh, timed, state), *errors


def compare_view(wh: Warehouse, session: Session, store: scenario_files.ScenarioStore, a: Any,
                 b: Any) -> html.Div:
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


def comparison(wh: Warehouse, session: Session, store: scenario_files.ScenarioStore, a: Any, b: Any, *,
               tier: str) -> reports.Report:
    """Scenario B against A (default the baseline) as a report: its changes, maps after, curves, the table."""
    data = compare_data(session, store, a, b)
    service = next(iter(data["b"].services), None)
    if service is None:
        raise AnalysisError(f"scenario {data['b'].scenario!r} changes no site: nothing to compare")
    threshold = DEFAULT_STANDARD[service][0]
    curves, maps = [], []
    estates = [("baseline", data["b"].before[service])]       # the evaluations the scenario engine made, reused
    if data["a"] is not None:                                 # A may leave B's service as it was on A's date
        estates.append(("A", data["a"].after.get(service) or evaluate_service(session, data["scenario_a"], service)[1]))
    estates.append(("B", data["b"].after[service]))
    for label, ev in estates:
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
    return reports.comparison_report(
        wh, session, title=f"Scenario comparison: {data['b'].scenario}", tier=tier,
        headline=f"Cover of {', '.join(services)} with scenario B against "
                 f"{'A: ' + data['a'].scenario if data['a'] else 'the baseline'}.",
        asked={"Scenario A": data["a"].scenario if data["a"] else "baseline", "Scenario B": data["b"].scenario,
               "Standards": "; ".join(f"{svc} {mmss(e['threshold_s'])} (m:ss)"
                                      for svc, e in data["b"].services.items())},
        table=compare_table(data), curves=curves, maps=maps, changes=changes, money="",
        finance=data["b"].finance, summary=reports.service_sentences(data["b"].services))


def site_choices(sites: pd.DataFrame) -> list[dict[str, str]]:
    """Sites to close or move, by name (a name two sites share gets its site id, to tell them apart)."""
    counts = sites["name"].value_counts()
    return [{"label": name if counts[name] == 1 else f"{name} ({site_id})", "value": site_id}
            for site_id, name in sites[["site_id", "name"]].itertuples(index=False)]


def saved_choices(listing: pd.DataFrame) -> list[dict[str, str]]:
    """Saved scenarios by name and the service they change (never "(nan)" for one that changes several)."""
    def service(value: Any) -> str:
        return value if isinstance(value, str) and value else "every service it touches"
    return [{"label": f"{r.name} ({service(r.service)})", "value": r.id} for r in listing.itertuples(index=False)]
