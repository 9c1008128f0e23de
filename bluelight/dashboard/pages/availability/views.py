"""Availability: the fleet simulated answering its incidents, beside the static "nearest always free" figures: what the page shows, as plain functions of the request and the engine's answers."""

from __future__ import annotations

from typing import Any

import pandas as pd
from dash import dcc, html
from dash.development.base_component import Component

from bluelight.analysis.disclosure import aggregate_cells
from bluelight.dashboard import layers
from bluelight.dashboard.auth import current_role, current_rules, visible_sites
from bluelight.dashboard.components import maps as map_parts
from bluelight.dashboard.components import tables as table_parts
from bluelight.dashboard.controls import (
    Binding,
    blocked_figure,
    blocked_note,
    parse_controls,
)
from bluelight.dashboard.pages.availability import figures
from bluelight.dashboard.queries import Warehouse
from bluelight.foundation.access import cleared_for
from bluelight.foundation.config_files import config_words
from bluelight.foundation.standards import DEFAULT_STANDARD
from bluelight.foundation.text import profile_words
from bluelight.services.fleet_system import SimulationSettings
from bluelight.services.session import Session
from bluelight.services.simulation import SimulationRequest, SimulationResult, run_simulation, validate

BINDINGS = [Binding("service", "sim-service"), Binding("arrivals", "sim-arrivals"),
            Binding("sample_share", "sim-share"), Binding("vehicles_per_station", "sim-vehicles"),
            Binding("replications", "sim-reps"), Binding("threshold_s", "sim-threshold", scale=60),
            Binding("second_threshold_s", "sim-second", scale=60), Binding("seed", "sim-seed"),
            Binding("max_snap_m", "sim-snap"), Binding("traffic_period", "sim-traffic-period")]


#: controls whose blank takes a default that depends on the service (their placeholders say which)
BLANK_DEFAULTS = BINDINGS[2:4] + BINDINGS[5:7]


def _blank_input(binding: Binding, placeholder: str) -> dcc.Input:
    """A number box left blank on purpose: its placeholder says which default a blank takes."""
    return dcc.Input(id=binding.control_id, type="number", debounce=True, step="any", placeholder=placeholder,
                     style={"width": "100%"})


def placeholders(service: str, settings: SimulationSettings) -> tuple[str, str, str, str]:
    """What a blank share, vehicles, first and second standard mean for ``service``."""
    return ("by source",
            f"{settings.vehicles_per_station[service]:g} default",
            f"{DEFAULT_STANDARD[service][0] / 60:g} default",
            "loaded target")


def _dropdown(binding: Binding, value: Any) -> dcc.Dropdown:
    f = SimulationRequest.field(binding.field)
    return dcc.Dropdown(id=binding.control_id, value=value, clearable=False,
                        options=[{"label": c, "value": c} for c in f.choices or ()])


def parse(*values: Any) -> tuple[SimulationRequest | None, list[str]]:
    return parse_controls(SimulationRequest, BINDINGS, values)


def update_view(wh: Warehouse, session: Session, *values: Any) -> tuple[Any, ...]:
    """The page's figures for the controls, and the message beside each invalid one."""
    request, errors = parse(*values)
    if request is None:
        return blocked_note(), blocked_figure(), blocked_figure(), "", "", blocked_figure(), *errors
    out = run_simulation(session, request)
    zones = figures.simulated_zones_map(visible_zones(out.baseline["by_zone"]),
                                        visible_sites(session.sites(request.service)),
                                        threshold_s=request.standard_s, roads=layers.roads(),
                                        boundaries=layers.BOROUGHS, bounds=wh.network_bounds())
    targets = wh.targets()
    named = dict(zip(targets["target_id"], targets["description"].fillna(targets["target_id"])))
    return (*simulation_view(out, request, named), map_parts.with_tiles(zones, wh.web_tiles), *errors)


def visible_zones(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The simulated zones (incident locations) as this role may see them: cells, small ones suppressed,
    unless the role is cleared for exact locations."""
    if cleared_for(current_role(), "official-sensitive") or not rows:
        return rows
    rules = current_rules()
    cells = aggregate_cells(pd.DataFrame(rows), cell_m=rules.cell_m, min_count=rules.min_count,
                            count="calls_per_year", means={"first_within": "first_within",
                                                           "first_mean_s": "first_mean_s"})
    cells = cells[~cells["suppressed"]].rename(columns={"count": "calls_per_year"})
    return [dict(r) for r in cells.to_dict("records")]


def simulation_view(out: SimulationResult, request: SimulationRequest,
                    target_names: dict[str, str] | None = None) -> tuple[Any, ...]:
    """The page's cards, charts and tables for one simulation."""
    b, inputs = out.baseline, out.inputs

    def pct(part: dict[str, Any]) -> str:
        if part is None:
            return "no standard"
        lo, hi = part["ci95"]
        return f"{100 * part['mean']:.1f}% ({100 * lo:.1f}–{100 * hi:.1f})"
    minutes = request.standard_s / 60
    second = b["second_threshold_s"]
    mean = b["first_mean_s"]
    cards = table_parts.count_cards({
        f"of calls: first vehicle within {minutes:g} min, with availability (95% CI)": pct(b["first_within"]),
        f"of calls: first vehicle within {minutes:g} min if the nearest were always free": pct(b["first_within_static"]),
        "mean first-vehicle response, with availability (95% CI)":
            f"{figures.duration_text(mean['mean'])} ({figures.duration_text(mean['ci95'][0])}–"
            f"{figures.duration_text(mean['ci95'][1])})",
        "of calls: answered by other than the nearest station": pct(b["not_nearest_share"]),
        "of calls needing two: second vehicle within " + (f"{second / 60:g} min" if second else "–"):
            pct(b["second_within"]),
        "of calls: waited for a vehicle to clear": pct(b["queued_share"]),
        "of the year: mean vehicle busy": pct(b["mean_utilisation"]),
        "vehicles": inputs["vehicles"], "calls a year": f"{inputs['calls_per_year']:,.0f}"})
    hc = out.hypercube
    note = html.P(className="note", children=(
        f"{request.service.capitalize()}, {request.replications} replications of {out.period[0]} to "
        f"{out.period[1]}; {inputs['arrivals']} arrivals ({inputs['incidents_in_period_on_network']:,} loaded "
        f"incidents on the road network, taken as {100 * inputs['sample_share']:g}% of all the area's incidents); "
        f"standards: first vehicle {minutes:g} min, second "
        + (f"{second / 60:g} min" if second else "none loaded")
        + f"; {profile_words(out.profile)}. Hypercube screen: mean utilisation "
        + (f"{100 * hc['mean_utilisation']:.1f}%, nearest vehicle serves {100 * hc['nearest_vehicle_share']:.1f}%."
           if "error" not in hc else hc["error"])))
    warn = [html.P(w, className="note blocked") for w in b["warnings"]]
    stations = pd.DataFrame(b["stations"])
    shown = pd.DataFrame({"station": stations["name"], "vehicles": stations["vehicles"],
                          "vehicles busy %": (100 * stations["utilisation"]).round(1),
                          "no vehicle free %": (100 * stations["no_vehicle_free_share"]).round(1),
                          "vehicle jobs a year": stations["vehicle_jobs_per_year"].round(0)})
    return (html.Div([cards, note, *warn]), figures.availability_hours_figure(b["by_hour_band"],
                                                                              threshold_s=request.standard_s),
            figures.station_workload_figure(stations, title="Workload by station (% of the period)"),
            figures.simulated_targets_table(b["targets"], table_id="sim-target-table", names=target_names),
            table_parts.frame_table(shown, table_id="sim-station-table", page_size=12))


def validation_view(session: Session, *values: Any) -> Component:
    request, errors = parse(*values)
    if request is None:
        return blocked_note(next(e for e in errors if e))
    return table_parts.validation_table(validate(session, request), table_id="sim-validation-table")


def sources(settings: SimulationSettings) -> html.Ul:
    items = [html.Li([html.B(f"{k.replace('_', ' ')}: "), str(v)]) for k, v in settings.sources.items()]
    items.append(html.Li(f"Settings file: {config_words(settings.path)} (edit it, or the fields above)."))
    return html.Ul(items)
