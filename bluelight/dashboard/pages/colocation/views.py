"""Co-location: move one service into another's site; what it does to cover and to money, for a board: what the page shows, as plain functions of the request and the engine's answers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from dash import html

from bluelight.analysis.appraisal import describe
from bluelight.analysis.scenario import Scenario
from bluelight.dashboard import layers, reports
from bluelight.dashboard.auth import visible_sites
from bluelight.dashboard.components import maps as map_parts
from bluelight.dashboard.components import tables as table_parts
from bluelight.dashboard.controls import (
    Binding,
    blocked_figure,
    blocked_note,
    error_ids,
    parse_controls,
    period_session,
)
from bluelight.dashboard.finance_view import finance_panel
from bluelight.dashboard.queries import Warehouse
from bluelight.foundation.errors import AnalysisError, ValidationError
from bluelight.foundation.standards import DEFAULT_STANDARD
from bluelight.foundation.text import mmss, profile_words
from bluelight.foundation.vocab import EMERGENCY_SERVICES
from bluelight.services.colocation import CandidatesRequest, CandidatesResult, run_candidates
from bluelight.services.scenarios import AppraisalRequest, FinanceRequest, evaluate_service
from bluelight.services.scenarios import appraisal as scenario_appraisal
from bluelight.services.session import DemandSpec, Session

#: controls bound to the candidate search and to the appraisal
CANDIDATE_BINDINGS = [Binding("max_travel_s", "col-max-travel")]


#: whose hours' travel times the candidates and the plan use
PERIOD_BINDINGS = [Binding("traffic_period", "col-traffic-period")]


APPRAISAL_BINDINGS = [Binding("horizon_years", "col-horizon"), Binding("discount_rate", "col-rate")]


FINANCE_INPUTS = (("refurbishment_gbp", "Refurbishment of the host (£)"),
                  ("relocation_cost_gbp", "Relocation, one-off (£)"),
                  ("receipt_gbp", "Capital receipt (£, blank: disposal value)"),
                  ("running_cost_change_gbp_pa", "Extra running cost at the host (£ a year)"),
                  ("grant_gbp", "Grant (£)"))


FINANCE_BINDINGS = [Binding(k, f"col-{k}") for k, _ in FINANCE_INPUTS]


NOTHING_CHOSEN = "Choose a site to move and a host (or select a candidate above) before {action}."


#: editable columns of the candidates grid: the request field each sets, and whose site it is (the row's key)
EDITABLE = {"running cost released £ a year": ("running_cost_gbp_pa", "move"), "host bays": ("bays", "into"),
            "host floor area m²": ("floor_area_m2", "into")}


def entered_figures(changes: Any, entered: dict[str, Any] | None) -> dict[str, Any]:
    """The estates figures typed into the grid, by request field and site (a blank cell removes an entry)."""
    out = {k: dict(v) for k, v in (entered or {}).items()}
    for change in changes or []:
        field, key = EDITABLE.get(change.get("colId"), (None, None))
        if field is None:
            continue
        site, value = change["data"][key], change.get("value", change.get("newValue"))
        if value is None or (isinstance(value, str) and not value.strip()):
            out.get(field, {}).pop(site, None)
        else:
            out.setdefault(field, {})[site] = value
    return {k: v for k, v in out.items() if v}


def timed(session: Session, period: str | None) -> Session:
    """The session for the "Travel times for" control (an invalid period raises the message shown beside it)."""
    at_period, errors = period_session(CandidatesRequest, PERIOD_BINDINGS[0], session, period)
    if at_period is None:
        raise ValidationError("traffic_period", errors[0])
    return at_period


def ranked_view(session: Session, max_travel: Any, allowed: Any, entered: Any = None,
                period: str = "all") -> tuple[Any, ...]:
    """The ranked candidates, the messages beside the drive-time and traffic-period controls and the one about
    figures entered."""
    request, errors = parse_controls(CandidatesRequest, CANDIDATE_BINDINGS + PERIOD_BINDINGS, [max_travel, period])
    if request is None:
        return blocked_note(), "", *errors, ""
    try:
        request = CandidatesRequest.parse(max_travel_s=request.max_travel_s, traffic_period=request.traffic_period,
                                          **(entered or {}))
        result = run_candidates(session, request)
    except ValidationError as exc:
        if set(exc.errors) - set(EDITABLE_FIELDS):
            raise
        return blocked_note(), "", *errors, "; ".join(exc.errors.values()) + " (fix the cell or clear the figures)"
    return *candidates_view(result, show=set(allowed or [])), *errors, ""


EDITABLE_FIELDS = [field for field, _ in EDITABLE.values()]


def show_view(wh: Warehouse, session: Session, move: str, into: str, horizon: int, rate: float, *money: Any,
              entered: None = None) -> tuple[Any, ...]:
    """The plan of the chosen pair with its finance, and the message beside each invalid control."""
    errors = plan_errors(horizon, rate, money)
    if any(errors):
        return blocked_figure(), blocked_note(), "", "", *errors
    return *plan_view(wh, session, colocation_plan(wh, session, move, into, horizon, rate, money,
                                                   entered=entered)), *errors


def candidates_view(result: CandidatesResult, *, show: set[str]) -> tuple[Any, ...]:
    frame = pd.DataFrame(result.candidates)
    if frame.empty:
        return html.P("No cross-service pairs within this drive time."), ""
    for flag in ("allowed", "judged"):
        if flag in show:
            frame = frame[frame[flag]]
    if frame.empty:
        return html.P("No pair passes the filters ticked above: untick them to see every pair."), \
            candidates_note(result)
    shown = pd.DataFrame({          # what decides first: the pair, whether it keeps the standard and can be judged
        "move": frame["move"], "into": frame["into"], "move site": frame["move_name"],
        "into site": frame["into_name"],
        "keeps standard": frame["meets_standard_after"].map({True: "yes", False: "no"}),
        "judged by the data": frame["judged"].map({True: "yes", False: "no"}),
        "cover lost, points": frame["cover_loss_pp"].round(2),
        "£ a year per point lost": frame["dividend_gbp_pa_per_pp_lost"],
        "running cost released £ a year": frame["running_cost_released_gbp_pa"],
        "service": frame["service"], "host service": frame["into_service"], "drive s": frame["drive_s"].round(0),
        "cover before %": (100 * frame["share_within_before"]).round(1),
        "cover after %": (100 * frame["share_within_after"]).round(1),
        "population in reach beyond the road data %": (100 * frame["unseen_demand_share"]).round(1),
        "host bays": frame["into_bays"], "host floor area m²": frame["into_floor_area_m2"],
        "capacity": frame["capacity"]})
    grid = table_parts.frame_table(shown, table_id="col-candidate-table", page_size=8, pinned=("move site",))
    grid.dashGridOptions = grid.dashGridOptions | {"rowSelection": {"mode": "singleRow", "checkboxes": False,
                                                                    "enableClickSelection": True},
                                                   "singleClickEdit": False, "stopEditingWhenCellsLoseFocus": True}
    grid.columnDefs = [c | ({"hide": True} if c["field"] in ("move", "into") else {})
                       | ({"editable": True, "cellDataType": "number", "cellClass": "editable"}
                          if c["field"] in EDITABLE else {}) for c in grid.columnDefs]
    return grid, candidates_note(result)


def candidates_note(result: CandidatesResult) -> str:
    """How many pairs, how many the data can judge, what was entered, and the rules behind the columns."""
    entered = "; ".join(f"{CandidatesRequest.field(k).label}: " + ", ".join(f"{s} {v:,.0f}" for s, v in d.items())
                        for k, d in result.entered.items())
    judged = (f"{result.pairs_judged} of {result.pairs} can be judged by the road data"
              + (" (none: the road data is too small around these sites; load a larger extract)"
                 if result.pairs and not result.pairs_judged else ""))
    return (f"{result.pairs} pairs within {result.max_travel_s:.0f} s ({profile_words(result.profile)}); {judged}. "
            f"Cover is each moving service's modelled share within its standard. Select a row to evaluate it. "
            f"{result.caveat} {space_text(result.space_rules)}"
            + (f" Figures entered here (not in the warehouse): {entered}." if entered else ""))


def space_text(rules: dict[str, Any]) -> str:
    """The capacity rule behind the "capacity" column, with where its figures come from."""
    needs = ", ".join(f"{svc} {m2:.0f} m² and {rules['bays_needed'].get(svc, 0)} bay(s)"
                      for svc, m2 in rules["space_needed_m2"].items())
    return (f"Capacity: a moving service needs {needs}; a host may offer {rules['host_share_of_floor_area']:.0%} of "
            f"its floor area (config/colocation.yaml: {rules['sources'].get('space_needed_m2', '')}) "
            "\"unknown\" where the host's bays and floor area are not recorded.")


PLAN_ERROR_IDS = error_ids(APPRAISAL_BINDINGS) + [f"col-{k}-error" for k, _ in FINANCE_INPUTS]


def plan_errors(horizon: int, rate: float, money: Any) -> list[str]:
    """One error text per appraisal and finance control (empty when valid)."""
    _, errors = parse_controls(AppraisalRequest, APPRAISAL_BINDINGS, [horizon, rate])
    _, money_errors = parse_controls(FinanceRequest, FINANCE_BINDINGS, list(money))
    return errors + money_errors


def colocation_plan(wh: Warehouse, session: Session, move: str | None, into: str | None, horizon: int, rate: float,
                    money: Any, *, name: str | None = None, entered: dict[str, Any] | None = None) -> dict[str, Any]:
    """The moving service's cover before and after (population and incidents by category) and the appraisal.

    ``entered``: estates figures typed into the candidates grid; the moving site's running cost among them
    is the running cost the move saves (instead of the sites table's).

    The move is a ``co_locate`` scenario evaluated by the scenario engine
    (:mod:`bluelight.services.scenarios`), exactly as ``bluelight scenario run`` does.
    """
    errors = [e for e in plan_errors(horizon, rate, money) if e]
    if errors:
        raise ValidationError("horizon_years", errors[0])
    if not move or not into:
        return {"empty": True}
    sites = pd.concat([session.sites(s) for s in EMERGENCY_SERVICES], ignore_index=True)
    a, b = sites[sites["site_id"] == move], sites[sites["site_id"] == into]
    if a.empty or b.empty or move == into:
        raise AnalysisError("choose two different open sites")
    a, b = a.iloc[0], b.iloc[0]
    service, threshold = a["service"], DEFAULT_STANDARD[a["service"]][0]
    fin = FinanceRequest.parse(**{b.field: v for b, v in zip(FINANCE_BINDINGS, money)}).finance()
    typed = dict(CandidatesRequest.parse(**{k: v for k, v in (entered or {}).items() if k in EDITABLE_FIELDS}
                                         ).running_cost_gbp_pa)
    if move in typed:
        fin["running_cost_saved_gbp_pa"] = typed[move]
    scenario = Scenario(name=name or f"{a['name']} into {b['name']}", service=service,
                        note=f"co-location drawn on the Co-location page, {datetime.now(UTC):%Y-%m-%d}",
                        changes=[{"action": "co_locate", "site": move, "into": into} | ({"finance": fin} if fin else {})],
                        horizon_years=int(horizon or 30), discount_rate=None if rate is None else float(rate))
    rows, evaluations = [], {}
    specs = [("population", DemandSpec())] + [(f"{c} incidents", DemandSpec("incidents", categories=(c,)))
                                              for c in wh.incident_categories(service)]
    for label, spec in specs:
        before, after = evaluate_service(session, scenario, service, spec)
        evaluations[label] = (before, after)
        w = before.points["weight"].to_numpy()
        on = ~np.isnan(before.response_s)
        if w[on].sum() <= 0:
            continue
        s0, s1 = session.summary(before, threshold), session.summary(after, threshold)
        rows.append({"demand": label, "within standard before": float(w[before.response_s <= threshold].sum()),
                     "within standard after": float(w[after.response_s <= threshold].sum()),
                     "modelled share before %": 100 * s0.share_within_modelled,
                     "modelled share after %": 100 * s1.share_within_modelled,
                     "mean s before": s0.mean_s, "mean s after": s1.mean_s, "p90 s before": s0.p90_s,
                     "p90 s after": s1.p90_s})
    appraisal = scenario_appraisal(session, scenario)
    return {"empty": False, "scenario": scenario, "service": service, "host_service": b["service"],
            "threshold_s": threshold, "move": a, "into": b, "changes": pd.DataFrame(rows),
            "evaluations": evaluations, "appraisal": appraisal}


def plan_view(wh: Warehouse, session: Session, plan: dict[str, Any]) -> tuple[Any, ...]:
    if plan["empty"]:
        fig = map_parts.empty_map(roads=layers.roads(), boundaries=layers.BOROUGHS, bounds=wh.network_bounds())
        return map_parts.with_tiles(fig, wh.web_tiles), "", "", html.P(
            "Choose a pair from the candidates, or a site to move and a host.")
    fig = change_figure(wh, session, plan)
    table = plan["changes"].round(1)
    finance = finance_panel(plan["appraisal"].as_dict(), table_id="col-finance", frame_table=table_parts.frame_table)
    return (map_parts.with_tiles(fig, wh.web_tiles),
            table_parts.frame_table(table, table_id="col-change-table", page_size=10), finance, headline(plan))


def change_figure(wh: Warehouse, session: Session, plan: dict[str, Any], *, standalone: bool = False) -> dict[str, Any]:
    """Change in the moving service's response by zone; ``standalone`` embeds the zones (no app URLs)."""
    before, after = plan["evaluations"]["population"]
    sites = session.sites(plan["service"])
    delta = after.response_s - before.response_s
    zones = wh.lsoa_geojson(before.points.loc[~np.isnan(delta), "zone"].tolist()) if standalone else layers.LSOAS
    return map_parts.change_map(before.points, delta, zones_geojson=zones,
                              sites=visible_sites(sites[sites["site_id"] != plan["move"]["site_id"]]),
                              closed=visible_sites(sites[sites["site_id"] == plan["move"]["site_id"]]),
                              added=pd.DataFrame([{"site_id": f"{plan['move']['name']} at {plan['into']['name']}",
                                                   "easting": plan["into"]["easting"],
                                                   "northing": plan["into"]["northing"]}]),
                              roads=None if standalone else layers.roads(),
                              boundaries=wh.boundaries_geojson("borough") if standalone else layers.BOROUGHS,
                              bounds=wh.network_bounds())


def headline(plan: dict[str, Any]) -> html.Div:
    """Maltby-style sentence: demand within the standard after instead of before."""
    return html.Div([html.B(f"{plan['move']['name']} ({plan['service']}) into {plan['into']['name']} "
                            f"({plan['host_service']}). "),
                     headline_text(plan) + ". ",
                     html.Span(f"{plan['host_service'].title()} cover is unchanged (the host stays open). "
                               f"{npv_text(plan['appraisal'])}.")])


def npv_text(ap: Any) -> str:
    """The appraisal in words (never "£0" when nothing was entered: what is missing instead)."""
    return describe(ap.as_dict()).rstrip(".")


def board_report(wh: Warehouse, session: Session, plan: dict[str, Any], *, tier: str) -> reports.Report:
    """The co-location option as a board report: cover before and after, finance, assumptions, provenance."""
    if plan["empty"]:
        raise AnalysisError("choose a site to move and a host before downloading the report")
    ap = plan["appraisal"]
    profile = session.profile
    changes = plan["changes"]
    cover = pd.DataFrame({"demand": changes["demand"], "within standard before": changes["within standard before"],
                          "within standard after": changes["within standard after"],
                          "modelled share before": changes["modelled share before %"] / 100,
                          "modelled share after": changes["modelled share after %"] / 100,
                          "mean before": changes["mean s before"], "mean after": changes["mean s after"],
                          "90th centile before": changes["p90 s before"], "90th centile after": changes["p90 s after"]})
    assumptions = [f"Standard for {plan['service']}: {mmss(plan['threshold_s'])} (m:ss) "
                   f"({DEFAULT_STANDARD[plan['service']][1]}).",
                   f"Response = turnout + drive time on the road network; {profile_words(profile.key)}.",
                   *[f"{k}: {v}" for k, v in profile.sources.items()],
                   "Demand outside the road data is not assessed; stations outside it cannot be routed."]
    before, after = plan["evaluations"]["population"]
    moved = np.abs(after.response_s - before.response_s) > 0.5
    e = np.concatenate([before.points.loc[moved, "easting"], [plan["move"]["easting"], plan["into"]["easting"]]])
    n = np.concatenate([before.points.loc[moved, "northing"], [plan["move"]["northing"], plan["into"]["northing"]]])
    return reports.Report(
        title=f"Co-location option: {plan['scenario'].name}", headline=f"{headline_text(plan)}.",
        asked={"Site that moves": f"{plan['move']['name']} ({plan['service']})",
               "Host": f"{plan['into']['name']} ({plan['host_service']})",
               "Standard": f"{mmss(plan['threshold_s'])} (m:ss)", "Horizon": f"{ap.horizon_years} years",
               "Discount rate": ap.rate_text},
        summary=[f"{plan['move']['name']} ({plan['service']}) moves into {plan['into']['name']} "
                 f"({plan['host_service']}); {plan['host_service']} cover is unchanged (the host stays open).",
                 *[f"{r['demand'].capitalize()}: {r['within standard after']:,.0f} within the standard after, "
                   f"against {r['within standard before']:,.0f} before." for r in changes.to_dict("records")]],
        figures=[(f"Change in {plan['service']} response time by area (green faster, red slower), framed on the "
                  "two sites and the areas whose cover changes; red: the site that moves, purple: where it goes.",
                  reports.static_map(change_figure(wh, session, plan, standalone=True), focus=reports.focus_box(e, n)))],
        tables=[reports.Table("Cover before and after", cover,
                              {"within standard before": "int", "within standard after": "int",
                               "modelled share before": "pct", "modelled share after": "pct",
                               "mean before": "duration", "mean after": "duration",
                               "90th centile before": "duration", "90th centile after": "duration"})],
        finance=ap.as_dict(), assumptions=assumptions, missing=list(ap.missing), tier=tier,
        **reports.provenance_and_error(wh, session))


def headline_text(plan: dict[str, Any]) -> str:
    t = plan["changes"]
    return "; ".join(f"{r['within standard after']:,.0f} {r['demand']} within {plan['threshold_s'] / 60:g} minutes "
                     f"instead of {r['within standard before']:,.0f}" for r in t.to_dict("records"))
