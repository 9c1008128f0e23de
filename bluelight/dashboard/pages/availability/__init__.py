"""Availability: the fleet simulated answering its incidents, beside the static "nearest always free" figures."""

from __future__ import annotations

import dash
import pandas as pd
from dash import Input, Output, State, dcc, html

from bluelight.access import cleared_for
from bluelight.analysis.disclosure import aggregate_cells
from bluelight.dashboard import layers
from bluelight.dashboard.auth import current_role, current_rules, visible_sites
from bluelight.dashboard.callbacks import callback
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
from bluelight.dashboard.layout import Page, no_data
from bluelight.dashboard.pages.availability import figures
from bluelight.dashboard.queries import Warehouse
from bluelight.services.session import Session
from bluelight.services.simulation import SimulationRequest, load_settings, run_simulation, validate
from bluelight.standards import DEFAULT_STANDARD

BINDINGS = [Binding("service", "sim-service"), Binding("arrivals", "sim-arrivals"),
            Binding("sample_share", "sim-share"), Binding("vehicles_per_station", "sim-vehicles"),
            Binding("replications", "sim-reps"), Binding("threshold_s", "sim-threshold", scale=60),
            Binding("second_threshold_s", "sim-second", scale=60), Binding("seed", "sim-seed"),
            Binding("max_snap_m", "sim-snap"), Binding("hour_band", "sim-hour-band")]

#: controls whose blank takes a default that depends on the service (their placeholders say which)
BLANK_DEFAULTS = BINDINGS[2:4] + BINDINGS[5:7]


def _blank_input(binding: Binding, placeholder: str):
    """A number box left blank on purpose: its placeholder says which default a blank takes."""
    return dcc.Input(id=binding.control_id, type="number", debounce=True, step="any", placeholder=placeholder,
                     style={"width": "100%"})


def placeholders(service: str, settings) -> tuple[str, str, str, str]:
    """What a blank share, vehicles, first and second standard mean for ``service``."""
    return ("by source",
            f"{settings.vehicles_per_station[service]:g} default",
            f"{DEFAULT_STANDARD[service][0] / 60:g} default",
            "loaded target")


def _dropdown(binding: Binding, value) -> dcc.Dropdown:
    f = SimulationRequest.field(binding.field)
    return dcc.Dropdown(id=binding.control_id, value=value, clearable=False,
                        options=[{"label": c, "value": c} for c in f.choices])


def layout(wh: Warehouse, session: Session):
    if not wh.available:
        return no_data("Availability")
    settings = load_settings()
    return html.Div([
        html.H2("Availability: vehicles are not always free"),
        html.P(className="note", children=(
            "A discrete-event simulation of the service's vehicles answering its incidents over a year: each call "
            "gets the fastest vehicle that is free, a call that finds none waits for the first to clear, and each "
            "vehicle is committed for the drive, its time at the scene (fitted to the incidents' own pump minutes "
            "where loaded) and the drive back. Replications with different random seeds give 95% intervals. "
            "Blank fields take the defaults of simulation.yaml, listed with their sources below.")),
        html.Div(className="panel", children=[html.Div(className="controls", children=[
            field_control(SimulationRequest, BINDINGS[0], component=_dropdown(BINDINGS[0], "fire")),
            field_control(SimulationRequest, BINDINGS[1], component=_dropdown(BINDINGS[1], "resample")),
            *[field_control(SimulationRequest, b, component=_blank_input(b, hint))
              for b, hint in zip(BLANK_DEFAULTS, placeholders("fire", settings))],
            field_control(SimulationRequest, BINDINGS[4]),
            field_control(SimulationRequest, BINDINGS[7]),
            field_control(SimulationRequest, BINDINGS[8]),
            hour_band_control(SimulationRequest, BINDINGS[9], session.profile),
            html.Div(className="control", children=[
                html.Button("Run simulation", id="sim-run"), " ",
                html.Button("Validate against actual attendance", id="sim-validate"),
                html.Div(id="sim-status", className="note", role="status")]),
        ])]),
        dcc.Loading(html.Div(id="sim-kpis", children=blocked_note("Choose the inputs and press Run simulation."))),
        html.Div(className="row", children=[
            html.Div(className="col panel", style={"flex": 1}, children=[dcc.Graph(id="sim-bands",
                                                                                     figure=blocked_figure(""))]),
            html.Div(className="col panel", style={"flex": 1}, children=[dcc.Graph(id="sim-stations",
                                                                                     figure=blocked_figure(""))]),
        ]),
        html.Div(className="panel", children=[dcc.Graph(id="sim-map", figure=blocked_figure(""))]),
        html.Div(className="panel", children=[html.H3("Response targets, with vehicles not always free"),
                                              html.Div(id="sim-targets")]),
        html.Div(className="panel", children=[html.H3("Stations"), html.Div(id="sim-table")]),
        html.Div(className="panel", children=[html.H3("Simulated against actual"), html.Div(id="sim-validation")]),
        html.Div(className="panel", children=[html.H3("Inputs, rules and sources"), html.Div(id="sim-sources",
                                                                                              children=sources(settings))]),
    ])


def register(app: dash.Dash, wh: Warehouse, session: Session) -> Page:
    page = Page(prefixes=("sim-",), order=6, path="/availability", name="Availability", title="Blue Light Atlas – Availability",
                layout=lambda: layout(wh, session))
    states = [State(b.control_id, "value") for b in BINDINGS]
    running = [(Output("sim-run", "disabled"), True, False), (Output("sim-validate", "disabled"), True, False),
               (Output("sim-status", "children"), "Simulating the replications…", "")]

    @callback(app, *[Output(b.control_id, "placeholder") for b in BLANK_DEFAULTS],
              Input("sim-service", "value"))
    def hints(service):
        return placeholders(service, load_settings())

    @callback(app, Output("sim-kpis", "children"), Output("sim-bands", "figure"), Output("sim-stations", "figure"),
              Output("sim-targets", "children"), Output("sim-table", "children"), Output("sim-map", "figure"),
              *[Output(i, "children") for i in error_ids(BINDINGS)],
              Input("sim-run", "n_clicks"), *states, prevent_initial_call=True, running=running)
    def run(_n, *values):
        return update_view(wh, session, *values)

    @callback(app, Output("sim-validation", "children"), Input("sim-validate", "n_clicks"), *states,
              prevent_initial_call=True, running=running)
    def check(_n, *values):
        return validation_view(session, *values)
    return page


def parse(*values):
    return parse_controls(SimulationRequest, BINDINGS, values)


def update_view(wh: Warehouse, session: Session, *values):
    """The page's figures for the controls, and the message beside each invalid one."""
    request, errors = parse(*values)
    if request is None:
        return blocked_note(), blocked_figure(), blocked_figure(), "", "", blocked_figure(), *errors
    out = run_simulation(session, request)
    zones = figures.simulated_zones_map(visible_zones(out.baseline["by_zone"]),
                                        visible_sites(session.sites(request.service)),
                                        threshold_s=request.threshold_s, roads=layers.roads(),
                                        boundaries=layers.BOROUGHS, bounds=wh.network_bounds())
    return (*simulation_view(out, request), map_parts.with_tiles(zones, wh.web_tiles), *errors)


def visible_zones(rows: list[dict]) -> list[dict]:
    """The simulated zones (incident locations) as this role may see them: cells, small ones suppressed,
    unless the role is cleared for exact locations."""
    if cleared_for(current_role(), "official-sensitive") or not rows:
        return rows
    rules = current_rules()
    cells = aggregate_cells(pd.DataFrame(rows), cell_m=rules.cell_m, min_count=rules.min_count,
                            count="calls_per_year", means={"first_within": "first_within",
                                                           "first_mean_s": "first_mean_s"})
    cells = cells[~cells["suppressed"]].rename(columns={"count": "calls_per_year"})
    return cells.to_dict("records")


def simulation_view(out: dict, request: SimulationRequest):
    b, inputs = out.baseline, out.inputs

    def pct(part):
        if part is None:
            return "no standard"
        lo, hi = part["ci95"]
        return f"{100 * part['mean']:.1f}% ({100 * lo:.1f}–{100 * hi:.1f})"
    minutes = request.threshold_s / 60
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
        + f"; profile {out.profile}. Hypercube screen: mean utilisation "
        + (f"{100 * hc['mean_utilisation']:.1f}%, nearest vehicle serves {100 * hc['nearest_vehicle_share']:.1f}%."
           if "error" not in hc else hc["error"])))
    warn = [html.P(w, className="note blocked") for w in b["warnings"]]
    stations = pd.DataFrame(b["stations"])
    shown = pd.DataFrame({"station": stations["name"], "vehicles": stations["vehicles"],
                          "vehicles busy %": (100 * stations["utilisation"]).round(1),
                          "no vehicle free %": (100 * stations["no_vehicle_free_share"]).round(1),
                          "vehicle jobs a year": stations["vehicle_jobs_per_year"].round(0)})
    return (html.Div([cards, note, *warn]), figures.availability_bands_figure(b["by_hour_band"],
                                                                              threshold_s=request.threshold_s),
            figures.station_workload_figure(stations, title="Workload by station (% of the period)"),
            figures.simulated_targets_table(b["targets"], table_id="sim-target-table"),
            table_parts.frame_table(shown, table_id="sim-station-table", page_size=12))


def validation_view(session: Session, *values):
    request, errors = parse(*values)
    if request is None:
        return blocked_note(next(e for e in errors if e))
    return table_parts.validation_table(validate(session, request), table_id="sim-validation-table")


def sources(settings) -> html.Ul:
    items = [html.Li([html.B(f"{k.replace('_', ' ')}: "), str(v)]) for k, v in settings.sources.items()]
    items.append(html.Li(f"Settings file: {settings.path} (edit it, or the fields above)."))
    return html.Ul(items)
