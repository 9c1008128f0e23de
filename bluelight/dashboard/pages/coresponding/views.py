"""Co-responding: where fire crews reach cardiac arrests first, the survivors that adds, and the cost in fire cover: what the page shows, as plain functions of the request and the engine's answers."""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import Any

import pandas as pd
from dash import html

from bluelight.dashboard import layers, reports
from bluelight.dashboard.auth import visible_sites
from bluelight.dashboard.components import maps as map_parts
from bluelight.dashboard.components import tables as table_parts
from bluelight.dashboard.controls import (
    Binding,
    blocked_figure,
    blocked_note,
    parse_controls,
    unavailable,
)
from bluelight.dashboard.pages.coresponding import figures
from bluelight.dashboard.queries import Warehouse
from bluelight.foundation.errors import AnalysisError, ValidationError
from bluelight.foundation.text import mmss
from bluelight.services.coresponding import (
    CorespondingParams,
    CorespondingRequest,
    load_params,
    run_coresponding,
)
from bluelight.services.requests import SNAP_FIELD
from bluelight.services.session import Session

MODEL_LABELS = {"de_maio_2003": "De Maio 2003 (logistic, time to defibrillation)",
                "waalewijn_2001": "Waalewijn 2001 (time to CPR and to defibrillation)",
                "larsen_1993_linear": "Larsen 1993 (linear per-minute decline)"}


#: the page's controls bound to the fields of :class:`CorespondingRequest` (survival parameters apart)
BINDINGS = [Binding("survival_model", "cr-model"), Binding("bystander_cpr_share", "cr-bystander"),
            Binding("ambulance_busy_fraction", "cr-amb-busy"), Binding("time_on_scene_min", "cr-scene"),
            Binding("standard_s", "cr-standard", scale=60), Binding("stations", "cr-stations"),
            Binding("max_snap_m", "cr-snap"), Binding("traffic_period", "cr-traffic-period")]


def parse(model: str, names: Any, values: Any, bystander: Any, amb_busy: Any, on_scene: Any, minutes: Any,
          stations: Any, snap_m: Any = SNAP_FIELD.default,
          period: str = "all") -> tuple[CorespondingRequest | None, list[str]]:
    """The request from the controls, and one error text per bound control plus one for the model's parameters."""
    request, errors = parse_controls(CorespondingRequest, BINDINGS,
                                     [model, bystander, amb_busy, on_scene, minutes, sorted(stations or []), snap_m,
                                      period])
    blank = [n["name"] for n, v in zip(names or [], values or []) if not isinstance(v, (int, float))]
    param_error = f"Survival parameters must be numbers: {', '.join(blank)} blank" if blank else ""
    if request is None or param_error:
        return None, [*errors, param_error]
    chosen = tuple(sorted((n["name"], float(v)) for n, v in zip(names or [], values or [])))
    return replace(request, survival_parameters=chosen), [*errors, ""]


def parse_params(model: str, names: Any, values: Any, bystander: Any, amb_busy: Any, on_scene: Any,
                 minutes: Any) -> CorespondingParams:
    """The parameters the controls ask for (raises :class:`ValidationError` naming an invalid field)."""
    request, errors = parse(model, names, values, bystander, amb_busy, on_scene, minutes, [])
    if request is None:
        raise ValidationError("survival_model", next(e for e in errors if e))
    params: CorespondingParams = request.params(load_params())
    return params


def update_view(wh: Warehouse, session: Session, *values: Any) -> tuple[Any, ...]:
    """Everything the page shows for its controls, and the message beside each invalid one."""
    request, errors = parse(*values)
    if request is None:
        return blocked_figure(), blocked_figure(), blocked_figure(), blocked_note(), "", "", *errors
    try:
        result = run_coresponding(session, request)
    except AnalysisError as exc:                     # the data lack what co-responding needs: said in place
        why = unavailable(exc)
        return blocked_figure(why), blocked_figure(why), blocked_figure(why), blocked_note(why), "", "", *errors
    return *coresponding_view(wh, session, result), *errors


def coresponding_view(wh: Warehouse, session: Session, result: Any) -> tuple[Any, ...]:
    s = result.summary
    title = (f"{s['enrolled_stations']} stations co-responding; standard {mmss(s['standard_s'])} (m:ss); "
             f"{MODEL_LABELS.get(result.params.survival_model, result.params.survival_model)}")
    fig = figures.fire_first_map(result.points, visible_sites(result.stations), zones_geojson=layers.LSOAS, roads=layers.roads(),
                                 boundaries=layers.BOROUGHS, bounds=wh.network_bounds(), title=title)
    med = s["minutes_saved_median"]
    cards = table_parts.count_cards({
        "fire first (share of expected arrests)": f"{100 * s['share_fire_first']:.1f}%",
        "median minutes saved when fire is first": f"{med:.1f}" if med is not None else "n/a",
        "expected arrests a year (zones on the roads)": f"{s['arrests_per_year']:,.0f}",
        "additional survivors a year": f"{s['additional_survivors']:.2f}",
        f"reached within {s['standard_s'] / 60:g} min (ambulances busy {s['ambulance_busy_fraction']:.0%}): "
        "ambulance → first crew":
            f"{100 * s['share_ambulance_within_standard']:.1f}% → {100 * s['share_first_response_within_standard']:.1f}%",
        f"fire cover lost (expected share within {s['fire_standard_s'] / 60:g} min)":
            f"{100 * s['fire_expected_share_lost']:.3f}%",
        **figures.fire_cost_cards(result.simulated_cost)})
    medical = result.medical
    note = html.P(className="note", children=(
        f"Observed medical incidents on the road network: {medical.get('on_network', 0)} of "
        f"{medical['incidents']}; fire would arrive first at {100 * medical['share_fire_first']:.0f}% of them."
        if medical.get("on_network") else "No observed medical incidents on the road network to compare with."))
    table = result.stations.sort_values("additional_survivors", ascending=False)
    shown = pd.DataFrame({
        "rank (greedy)": table["rank"], "station": table["name"], "duty system": table["duty_system"],
        "co-responding": table["enrolled"].map({True: "yes", False: "no"}),
        "turnout s": table["turnout_s"].round(0),
        "expected arrests reached first a year": table["arrests_reached_first"].round(2),
        "additional survivors a year": table["additional_survivors"].round(3),
        "appliance away on medical calls %": (100 * table["busy_fraction"]).round(3),
        "fire demand at risk while away %": (100 * table["fire_share_at_risk_while_away"]).round(1),
        "expected fire cover lost %": (100 * table["fire_expected_share_lost"]).round(4)})
    sim = result.simulated_cost
    sim_note = html.P(className="note", children=(f"Simulated fire cover: {sim['method']}; {sim['replications']} "
                                                  f"replications, {sim['vehicles']} pumps." if sim.get("available")
                                                  else f"Fire cover not simulated: {sim.get('reason')}."))
    return (map_parts.with_tiles(fig, wh.web_tiles), figures.enrolment_figure(result.curve),
            figures.minutes_saved_figure(s), html.Div([cards, note, sim_note]),
            table_parts.frame_table(shown, table_id="cr-station-table", page_size=15), sources(result.params))


def coresponding_report(wh: Warehouse, session: Session, result: Any, *, tier: str) -> reports.Report:
    """The co-responding appraisal as a report: where fire is first, survivors added, the cost in fire cover."""
    s, sim = result.summary, result.simulated_cost
    fig = figures.fire_first_map(result.points, visible_sites(result.stations),
                                 zones_geojson=wh.lsoa_geojson(result.points["zone"].tolist()), roads=None,
                                 boundaries=wh.boundaries_geojson("borough"), title="")
    table = result.stations.sort_values("additional_survivors", ascending=False)[
        ["name", "duty_system", "enrolled", "turnout_s", "arrests_reached_first", "additional_survivors",
         "busy_fraction", "fire_expected_share_lost"]].rename(columns={
            "duty_system": "duty system", "turnout_s": "turnout (m:ss)",
            "arrests_reached_first": "arrests reached first a year", "additional_survivors": "survivors added a year",
            "busy_fraction": "busy", "fire_expected_share_lost": "fire cover lost"})
    fire = (f"{100 * sim['fire_first_within_alone']['mean']:.2f}% -> "
            f"{100 * sim['fire_first_within_with_coresponding']['mean']:.2f}%") if sim.get("available") else ""
    cost = f" Fire cover, simulated: first pump within {mmss(sim['threshold_s'])} (m:ss) {fire}." if fire else ""
    return reports.Report(
        title="Co-responding: fire crews to cardiac arrests",
        headline=(f"{s['enrolled_stations']} stations co-responding: fire first for {100 * s['share_fire_first']:.1f}% "
                  f"of expected arrests; expected survivors {s['survivors_without']:.1f} -> {s['survivors_with']:.1f} "
                  f"a year (+{s['additional_survivors']:.1f}, {MODEL_LABELS.get(s['survival_model'], s['survival_model'])}).{cost}"),
        asked={"Survival model": MODEL_LABELS.get(s["survival_model"], s["survival_model"]), "Ambulance busy fraction": f"{s['ambulance_busy_fraction']:.0%}",
               "Standard": f"{mmss(s['standard_s'])} (m:ss)", "Stations": str(s["enrolled_stations"])},
        summary=[f"Fire crews would reach {100 * s['share_fire_first']:.1f}% of expected cardiac arrests before the "
                 f"ambulance: {s['additional_survivors']:.1f} more survivors expected a year."]
        + ([f"The cost to fire cover (simulated, first pump within the standard): {fire}."] if fire else []),
        figures=[("Where fire crews reach expected cardiac arrests first within the standard.", reports.static_map(fig)),
                 ("Survivors added as stations enrol (greedy order).", figures.enrolment_figure(result.curve))],
        tables=[reports.Table("Stations ranked by survivors added", table,
                              {"turnout (m:ss)": "duration", "arrests reached first a year": "num1",
                               "survivors added a year": "num1", "busy": "pct", "fire cover lost": "pct"})],
        assumptions=[f"{k.replace('_', ' ')}: {v}" for k, v in result.params.sources.items()]
        + ([f"fire-cover simulation: {sim['method']}"] if sim.get("available") else []),
        tier=tier, **reports.provenance_and_error(wh, session))


def _readable(value: Any) -> str:
    """A parameter as a person reads it: ``65+ 330, 45-64 92`` rather than JSON."""
    if isinstance(value, dict):
        return "; ".join(f"{k.replace('_', ' ')}: {_readable(v)}" if isinstance(v, dict) else f"{k} {v:g}"
                         if isinstance(v, (int, float)) else f"{k} {v}" for k, v in value.items()) or "none"
    return f"{value:g}" if isinstance(value, float) else str(value)


def sources(params: CorespondingParams) -> html.Ul:
    p = asdict(params)
    shown = {k: v for k, v in p.items() if k != "sources"}
    shown["survival_model"] = MODEL_LABELS.get(params.survival_model, params.survival_model)
    items = [html.Li([html.B(f"{k.replace('_', ' ')}: "), _readable(v)]) for k, v in shown.items()]
    items += [html.Li([html.B(f"source – {k.replace('_', ' ')}: "), v]) for k, v in params.sources.items()]
    items.append(html.Li("The survival models were fitted to particular populations (e.g. De Maio: witnessed "
                         "arrests in Ontario); their absolute survival is higher than England's all-arrest figure, "
                         "so read the differences between options, not the levels. Edit config/coresponding.yaml "
                         "or the inputs above."))
    return html.Ul(items)
