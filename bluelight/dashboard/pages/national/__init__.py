"""National: every English fire and rescue service at a glance, estimated without road data, with its error."""

from __future__ import annotations

from pathlib import Path

import dash
import numpy as np
import pandas as pd
from dash import Input, Output, dcc, html

from bluelight.analysis.national import nearest
from bluelight.dashboard.callbacks import callback
from bluelight.dashboard.components import tables as table_parts
from bluelight.dashboard.controls import Binding, blocked_figure, blocked_note, error_ids, field_control, parse_controls
from bluelight.dashboard.layout import Page
from bluelight.dashboard.pages.national import figures
from bluelight.dashboard.queries import Warehouse
from bluelight.errors import ValidationError
from bluelight.geo import to_bng
from bluelight.services.ambulance_national import run_ambulance_national
from bluelight.services.national import NationalRequest, load_config, run_national
from bluelight.services.session import Session
from bluelight.text import mmss

BINDINGS = [Binding("year", "nat-year"), Binding("fire_type", "nat-fire-type")]


def layout(data_dir: Path | None):
    if data_dir is None:
        return html.Div([html.H2("National"), html.P(
            "No data directory holds the national layers (england/): set BLUELIGHT_DATA_DIR to one that does.")])
    cfg = load_config()
    return html.Div([
        html.H2("National: every English fire and rescue service, estimated without road data"),
        html.Div(className="panel", children=[html.Div(className="controls", children=[
            field_control(NationalRequest, BINDINGS[0], component=dcc.Input(
                id="nat-year", value=cfg["year"], debounce=True, style={"width": "100%"})),
            field_control(NationalRequest, BINDINGS[1], component=dcc.Input(
                id="nat-fire-type", value=cfg["fire_type"], debounce=True, style={"width": "100%"}))])]),
        dcc.Loading(html.Div(id="nat-headline", className="panel")),
        html.Div(className="panel", children=[dcc.Graph(id="nat-map", config={"displaylogo": False}),
                                              html.P(id="nat-map-note", className="note")]),
        html.Div(className="panel", children=[html.H3("Each service against its published figures"),
                                              html.Div(id="nat-table")]),
        html.Div(className="panel", children=[html.H3("Published drive times by year (FIRE1001)"),
                                              dcc.Graph(id="nat-trend", config={"displaylogo": False})]),
        html.Div(className="panel", children=[
            html.H3("Ambulance trusts against what they publish (AmbSYS)"),
            dcc.Loading(html.Div(id="nat-amb-headline")),
            html.Div(className="row", children=[
                html.Div(className="col", children=[dcc.Graph(id="nat-amb-map", config={"displaylogo": False})]),
                html.Div(className="col", children=[dcc.Graph(id="nat-amb-chart", config={"displaylogo": False})])]),
            html.Div(id="nat-amb-table")]),
    ])


def register(app: dash.Dash, wh: Warehouse, session: Session, data_dir: Path | None) -> Page:
    page = Page(prefixes=("nat-",), order=9, path="/national", name="National",
                title="Blue Light Atlas – National", layout=lambda: layout(data_dir))

    @callback(app, Output("nat-headline", "children"), Output("nat-map", "figure"), Output("nat-map-note", "children"),
              Output("nat-table", "children"), Output("nat-trend", "figure"),
              *[Output(i, "children") for i in error_ids(BINDINGS)],
              Input("nat-year", "value"), Input("nat-fire-type", "value"))
    def update(year, fire_type):
        return national_view(wh, session, data_dir, year, fire_type)

    @callback(app, Output("nat-amb-headline", "children"), Output("nat-amb-map", "figure"),
              Output("nat-amb-chart", "figure"), Output("nat-amb-table", "children"), Input("nat-amb-headline", "id"))
    def ambulance(_id):
        return ambulance_view(session, data_dir)
    return page


def ambulance_view(session: Session, data_dir: Path | None):
    """Each trust's published Category 1 mean and 90th centile beside the estimate made without it, and the error."""
    if data_dir is None:
        return (blocked_note("No data directory with england/ambulance: set BLUELIGHT_DATA_DIR."), blocked_figure(),
                blocked_figure(), "")
    result = session.cached(("national-ambulance",), lambda: run_ambulance_national(data_dir, with_areas=True))
    v = result.validation
    lines = [html.P(html.B(f"{len(result.trusts)} trusts, {result.months[0]} to {result.months[1]}: "
                           f"each trust's Category 1 mean estimated with that trust left out of the fit is "
                           f"{mmss(v['c1_mean']['loo_mae_s'])} (m:ss) from its published figure on average, "
                           f"against {mmss(v['c1_mean']['baseline_loo_mae_s'])} for the mean of the other trusts.")),
             html.P(className="note", children=result.method + " " + "; ".join(
                 f"{k.replace('_', ' ').replace('c1', 'Category 1').replace('c2', 'Category 2')}: error "
                 f"{mmss(x['loo_mae_s'])}, baseline {mmss(x['baseline_loo_mae_s'])}"
                 + ("" if x["beats_baseline"] else " (rurality does not explain it)") for k, x in v.items()) + ".")]
    rows = pd.DataFrame([{"trust": t["name"], "rural population %": round(100 * t["rural_share"], 1),
                          "C1 mean published (m:ss)": mmss(t["actual"]["c1_mean_s"]),
                          "C1 mean estimated (m:ss)": mmss(t["modelled"]["c1_mean_s"]),
                          "C1 90th centile published (m:ss)": mmss(t["actual"]["c1_p90_s"]),
                          "C1 90th centile estimated (m:ss)": mmss(t["modelled"]["c1_p90_s"]),
                          "C2 mean published (m:ss)": mmss(t["actual"]["c2_mean_s"]),
                          "months": t["months"]} for t in result.trusts])
    chart = figures.published_against_estimate(
        [t["name"] for t in result.trusts], [t["actual"]["c1_mean_s"] / 60 for t in result.trusts],
        [t["modelled"]["c1_mean_s"] / 60 for t in result.trusts], what="Category 1 mean response (minutes)")
    return (html.Div(lines), figures.trust_map(result), chart,
            table_parts.frame_table(rows, table_id="nat-amb-table-grid", page_size=12))


def national_view(wh: Warehouse, session: Session, data_dir: Path, year, fire_type):
    """Headline, map, validation table and trends for the year and fire type, and each control's message."""
    request, errors = parse_controls(NationalRequest, BINDINGS, [year, fire_type])
    if request is None:
        return blocked_note(), blocked_figure(), "", "", blocked_figure(), *errors
    try:              # a year or fire type the published file does not hold is known only once it is read
        result = session.cached(("national", request), lambda: run_national(data_dir, request, with_lsoas=True,
                                                                             with_areas=True))
    except ValidationError as exc:
        return blocked_note(), blocked_figure(), "", "", blocked_figure(), *[exc.errors.get(b.field, "")
                                                                              for b in BINDINGS]
    roads = road_area(wh, result)
    return (figures.national_headline(result, roads), figures.national_map(result),
            figures.national_map_note(result), table_parts.frame_table(national_table(result, roads),
                                                                   table_id="nat-validation", page_size=50),
            figures.national_trend(result), *errors)


def road_area(wh: Warehouse, result: dict) -> str | None:
    """The service whose area holds the loaded road network (its road-based figures replace the estimate)."""
    bounds = wh.network_bounds() if wh.available else None
    if not bounds:
        return None
    x, y = to_bng([(bounds[0] + bounds[2]) / 2], [(bounds[1] + bounds[3]) / 2])
    lsoas = pd.DataFrame(result.lsoas)
    i, d = nearest(np.column_stack([x, y]), lsoas[["easting", "northing"]].to_numpy(float))
    return str(lsoas["service"].iloc[int(i[0])]) if d[0] < 5_000 else None


def national_table(result: dict, roads: str | None) -> pd.DataFrame:
    rows = []
    for r in result.services:
        if not r["estimated"]:
            rows.append({"service": r["service"], "figures": "not estimated", "FIRE1001 drive min":
                         round(r["fire1001_drive_min"], 2), "note": r["reason"]})
            continue
        cv = r["cv_drive_min"]
        rows.append({
            "service": r["service"],
            "figures": "road data loaded: see the Overview" if r["service"] == roads else result.label,
            "stations": r["stations"], "FIRE1001 drive min": round(r["fire1001_drive_min"], 2),
            "estimate, service left out min": None if cv is None else round(cv, 2),
            "error min": None if cv is None else round(cv - r["fire1001_drive_min"], 2),
            "FIRE1001 total min": round(r["fire1001_total_min"], 2), "estimated total min": round(r["modelled_total_min"], 2),
            "urban population %": round(100 * r["urban_share"], 1),
            "turnout from duty system %": round(100 * r["turnout_from_duty_share"], 1),
            "on-call / day-crewed / wholetime": f"{r['duty']['on_call']} / {r['duty']['day_crewed']} / "
                                                f"{r['duty']['wholetime']}",
            "note": "held out of the fit" if cv is None else ""})
    return pd.DataFrame(rows)
