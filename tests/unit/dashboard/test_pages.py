"""Dashboard callbacks and figure builders as plain functions, on a small synthetic warehouse."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from bluelight.analysis.scenario import apply_scenario
from bluelight.analysis.summary import Variability
from bluelight.dashboard import layers, reports, scenario_files
from bluelight.dashboard.components import charts as chart_parts
from bluelight.dashboard.components import maps as map_parts
from bluelight.dashboard.components import tables as table_parts
from bluelight.dashboard.components.plain_figures import as_figure
from bluelight.dashboard.layout import banner
from bluelight.dashboard.pages import colocation, coresponding, coverage, dap, scenarios
from bluelight.dashboard.pages.data import figures as data_figures
from bluelight.services.colocation import CandidatesRequest, run_candidates
from bluelight.services.coresponding import CorespondingRequest, run_coresponding
from bluelight.services.coverage import export_frame, export_geojson
from bluelight.services.dap import plan_band
from bluelight.services.session import DemandSpec


def _without(engine, service, closed=(), added=None):
    """The service's baseline estate with some sites closed and new ones added."""
    sites = engine.sites(service)
    sites = sites[~sites["site_id"].isin(set(closed))]
    if added is not None:
        sites = pd.concat([sites, added.assign(service=service)], ignore_index=True)
    return sites


def test_synthetic_banner(wh):
    assert "SYNTHETIC" in str(banner(wh))


def test_edit_state_add_move_reset(wh, engine):
    state = dict(scenarios.EMPTY)
    site = engine.sites("fire")["site_id"].iloc[0]
    lon, lat = float(engine.sites("fire")["lon"].iloc[0]), float(engine.sites("fire")["lat"].iloc[0])
    click = {"points": [{"lon": lon + 0.002, "lat": lat}]}
    s1 = scenarios.edit_state(state, "scn-map", service="fire", closed=[site], click=click, mode="add",
                              move_site=None, duty="on_call")
    assert s1["closed"] == [site] and s1["added"][0]["duty_system"] == "on_call"
    s2 = scenarios.edit_state(s1, "scn-map", service="fire", closed=[site], click=click, mode="move",
                              move_site=site, duty=None)
    assert s2["moved"][0]["site_id"] == site and len(s2["added"]) == 1
    assert scenarios.edit_state(s2, "scn-reset", service="fire", closed=[site], click=None, mode="add",
                                move_site=None, duty=None) == {**scenarios.EMPTY, "service": "fire"}
    assert scenarios.edit_state(s2, "scn-service", service="police", closed=[], click=None, mode="add",
                                move_site=None, duty=None)["service"] == "police"


def test_closing_every_station_but_one_worsens_and_adding_improves(wh, engine):
    sites = engine.sites("fire")["site_id"].tolist()
    base = engine.summary(engine.evaluate("fire", DemandSpec()), 360)
    worse = engine.summary(engine.evaluate("fire", DemandSpec(), _without(engine, "fire", closed=sites[1:])), 360)
    assert worse.mean_s > base.mean_s and worse.share_within <= base.share_within
    pts = engine.demand(DemandSpec(), "fire")
    far = pts.loc[engine.evaluate("fire", DemandSpec()).response_s.argmax()]
    added = pd.DataFrame([{"site_id": "NEW", "easting": far["easting"], "northing": far["northing"],
                           "duty_system": "wholetime"}])
    better = engine.summary(engine.evaluate("fire", DemandSpec(), _without(engine, "fire", added=added)), 360)
    assert better.mean_s < base.mean_s


def test_scenario_view_and_saved_round_trip(wh, engine, tmp_path):
    site = engine.sites("fire")["site_id"].iloc[0]
    state = {**scenarios.EMPTY, "closed": [site]}
    fig, table, text = scenarios.scenario_view(wh, engine, state)
    assert text.startswith("1 closed")
    rows = table.rowData
    assert rows[-1]["scenario"].startswith("change") and rows[-1]["mean min"] >= 0
    sc = scenario_files.state_to_scenario(state, name="Close one", note="test")
    store = scenario_files.ScenarioStore([tmp_path])
    sid = store.save(sc, service="fire")
    loaded = store.load(sid)
    assert [c["site"] for c in loaded.changes if c["action"] == "close"] == [site]
    assert site not in set(apply_scenario(engine.sites("fire"), loaded)["site_id"])
    assert store.listing()[["name", "service"]].values.tolist() == [["Close one", "fire"]]
    html = reports.to_html(scenarios.comparison(wh, engine, store, None, sid, tier="open"))
    assert "SYNTHETIC DATA" in html and "Close one" in html and "<script src=" not in html
    assert "What changes" in html and "close" in html and "scattergeo" in html.lower()      # its map draws from disk


def test_explorer_view_and_exports(wh, engine):
    ev = engine.evaluate("fire", DemandSpec())
    fig, curve, kpi, table = coverage.explorer_view(wh, engine, ev, 360, None)
    fig = as_figure(fig)                                      # the page sends a plain dict; read it back
    assert any(t.type == "choroplethmap" for t in fig.data)
    assert "within 6 min" in str(kpi)
    none = coverage.explorer_view(wh, engine, engine.evaluate(
        "police", coverage.parse_demand("incidents", None, [], [0, 23])), 900, None)[2]
    assert "Nothing to assess" in str(none) and "nan" not in str(none)
    site = engine.sites("fire")["site_id"].iloc[0]
    fig2 = as_figure(coverage.explorer_view(wh, engine, ev, 360, site)[0])
    first = engine.first_reached("fire", site, DemandSpec())
    assert first.any()                                               # a station reaches some zone first
    assert sum(len(t.lon) for t in fig2.data if t.name == "reached first by the chosen site") == first.sum()
    assert [layer.type for layer in fig2.layout.map.layers].count("fill") == len(coverage.SITE_BANDS)
    frame = export_frame(ev, 360, tier="open")                      # population zones: published, as they are
    assert {"response_s", "within_standard", "speed_profile", "zone"} <= set(frame.columns)
    assert set(frame["tier"]) == {"open"}
    gj = json.loads(export_geojson(frame))
    assert gj["features"] and "OpenStreetMap" in gj["features"][0]["properties"]["attribution"]
    assert "Tier OPEN" in gj["features"][0]["properties"]["attribution"]
    inc = engine.evaluate("fire", coverage.parse_demand("incidents", None, [], [0, 23]))
    assert len(inc.points) > 0
    html = reports.to_html(coverage.coverage_report(wh, engine, coverage.parse(
        "fire", 6, "incidents", "all", [], [0, 23])[0], tier="open"))
    assert "By area" in html and "Tier OPEN" in html and "500 m" not in html.split("<body>")[0]
    rows = export_frame(inc, 360, tier="official-sensitive")
    assert set(rows["zone"]) <= set(inc.points["zone"]) and len(rows) == len(inc.points)
    cells = export_frame(inc, 360, tier="open", every=inc)
    assert "zone" not in cells.columns and not set(cells["cell_id"]) & set(inc.points["zone"])
    shown = cells[~cells["suppressed"]]
    assert (shown["incidents"] >= 5).all() and cells.loc[cells["suppressed"], "incidents"].isna().all()
    on = inc.points[~np.isnan(inc.response_s)]
    # every incident on the network is in one cell; the suppressed cells (small, or withheld so that no small
    # count can be derived from the total) hold the rest, at least 5 of them together or none
    hidden = len(on) - shown["incidents"].sum()
    assert hidden == 0 or hidden >= 5


def test_figure_builders():
    t = np.array([100.0, 200.0, 400.0, np.nan])
    fig = chart_parts.cumulative_curve(t, np.ones(4), threshold_s=360, goal=0.9, label="x",
                                   variability=Variability(0.0, 0.2))
    assert [tr["name"] for tr in fig["data"]] == ["modelled (single time)", "modelled with variability"]
    table = table_parts.with_change_row(pd.DataFrame({"scenario": ["a", "b"], "mean min": [4.0, 4.5]}))
    assert table.iloc[2]["mean min"] == 0.5
    assert map_parts.with_tiles(map_parts.base_map(roads=None, boundaries=None), True).layout.map.style == "open-street-map"
    assert map_parts.base_map(roads=None, boundaries=None).layout.map.style == "white-bg"


def test_isochrone_layers_are_added_not_merged():
    from shapely.geometry import box

    fig = map_parts.base_map(roads=layers.VectorTiles("http://127.0.0.1/layers/roads/{z}/{x}/{y}.pbf"),
                           boundaries="/layers/boroughs.geojson")
    polys = [box(530000, 180000, 530000 + d, 180000 + d) for d in (100, 200, 300)]
    map_parts.add_layers_first(fig, map_parts.isochrone_layers(polys, (1, 2, 3)))
    kinds = [(layer.type, layer.below) for layer in fig.layout.map.layers]
    # light fills beneath the traces, outlines above them (over a coverage fill), then roads and boundaries
    assert kinds[:6] == [("fill", "traces")] * 3 + [("line", "")] * 3
    assert [k for k, _ in kinds[6:]] == ["line", "line"]
    assert map_parts.isochrone_legend((300, 480, 600)) == "5 min navy; 8 min purple; 10 min black"


def test_dap_view_on_observed_demand(wh, engine):
    request = dap.parse_request(2, "mclp", 8, 15, 0.75, ["fire", "police"], "all", None)
    result = plan_band(engine, request)
    html = reports.to_html(dap.dap_report(wh, engine, request, result, tier="open"))
    assert "Fill order (nested plans)" in html and "Compliance" in html and "/layers/" not in html
    assert "scattergeo" in html.lower() and "incidents a year" in html
    assert result["demand"]["kind"] == "observed"                       # the synthetic trust has incidents
    assert result["demand"]["selection"] == "priority recorded as category_1"
    assert result["demand"]["incidents"] > 0 and result["demand_total"] > 0
    assert len(result["model"]["chosen"]) == 2 and result["model"]["status"] == "optimal"
    assert result["after"]["share_within"] >= result["before"]["share_within"] - 1e-12
    table = pd.DataFrame(result["compliance"])
    assert table["ambulances_free"].tolist() == [1, 2] and (table["gain"] >= -1e-9).all()
    fig, summary, curve, compliance, note, sources = dap.dap_view(wh, engine, request, result)
    names = [t.name for t in fig.data]
    assert any(n and n.startswith("chosen posts (2)") for n in names)
    assert "Observed demand" in str(note.children)
    out = dap.exportable(result, request, engine)
    assert json.loads(json.dumps(out, default=str))["request"]["k"] == 2


def test_dap_posts_by_band(wh, engine):
    from dataclasses import replace

    from bluelight.analysis.demand_bands import all_bands

    request = dap.parse_request(1, "mclp", 8, 15, 0.75, ["fire", "police"], "all", None)
    frame = dap.bands_frame({b.name: plan_band(engine, replace(request, band=b.name)) for b in all_bands()})
    assert len(frame) == 8 and frame["band"].str.endswith(("weekday", "weekend")).all()
    assert (frame["status"] == "optimal").all() and frame["posts"].str.len().gt(0).all()
    # the weekday bands hold five days of demand, the weekend ones two
    day = frame.set_index("band")["demand a year"]
    assert day["afternoon-weekday"] > day["afternoon-weekend"]


def test_dap_models_and_expected_demand(wh, engine):
    for model in ("mexclp", "pmedian"):
        request = dap.parse_request(2, model, 8, 15, 0.75, ["fire"], "night-weekend", 0.4)
        assert plan_band(engine, request)["model"]["status"] == "optimal"
    from dataclasses import replace
    expected = plan_band(engine, replace(dap.parse_request(1, "mclp", 8, 15, 0.75, ["fire"], "evening", None),
                                  demand="expected"))
    assert expected["demand"]["kind"] == "expected" and "per_1000_per_year" in expected["demand"]["rates"]


def test_colocation_plan_candidates_and_report(wh, engine, tmp_path):
    result = run_candidates(engine, CandidatesRequest(max_travel_s=900.0))
    assert result.pairs > 0
    grid, note = colocation.candidates_view(result, show=set())
    assert "pairs within 900 s" in note and grid.rowData and f"{result.pairs_judged} of {result.pairs}" in note
    editable = {c["field"] for c in grid.columnDefs if c.get("editable")}
    assert editable == set(colocation.EDITABLE)
    # a running cost typed into the first row re-ranks with it, and the note says it was entered here
    row = grid.rowData[0]
    entered = colocation.entered_figures([{"colId": "running cost released £ a year", "data": row,
                                           "value": 123_456}], {})
    regrid, renote, *_ = colocation.ranked_view(engine, 900, [], entered)
    again = next(r for r in regrid.rowData if r["move"] == row["move"] and r["into"] == row["into"])
    assert again["running cost released £ a year"] == 123_456 and "Figures entered here" in renote
    assert "123,456" in renote
    assert "Capacity: a moving service needs fire 450 m²" in note and "config/colocation.yaml" in note
    first = grid.rowData[0]
    plan = colocation.colocation_plan(wh, engine, first["move"], first["into"], 25, 0.035,
                                      [50_000, None, None, 10_000, None], name="test move")
    assert not plan["empty"] and plan["scenario"].changes[0]["action"] == "co_locate"
    changes = plan["changes"].set_index("demand")
    assert "population" in changes.index
    ap = plan["appraisal"]
    # refurbishment 50k now, 10k a year more at the host; the synthetic estate supplies the closed site's figures
    labels = {i.label: i.amount_gbp for i in ap.items}
    assert any(v == -50_000 for v in labels.values()) and any(v == -10_000 for v in labels.values())
    fig, table, finance, headline = colocation.plan_view(wh, engine, plan)
    assert "instead of" in str(headline.children)
    html = reports.to_html(colocation.board_report(wh, engine, plan, tier="open"))
    assert "SYNTHETIC DATA" in html and "Net present value" in html and "/layers/" not in html
    # pounds, no pence (millions are written £4.54m)
    assert re.search(r"-£[\d,]+0<", html) and not re.search(r"£-?[\d,]+\.\d+(?![\dm])", html)
    assert re.search(r">0\.9\d{3}<", html)                                         # discount factors: 4 places
    assert re.search(r">\d+:\d\d<", html) and "Tier OPEN" in html                    # times as m:ss
    assert ">True<" not in html and ">False<" not in html and "one_off" not in html
    store = scenario_files.ScenarioStore([tmp_path])
    saved = store.save(plan["scenario"], service=plan["service"])
    assert store.load(saved).changes[0]["into"] == first["into"]
    empty = colocation.plan_view(wh, engine, colocation.colocation_plan(wh, engine, None, None, 30,
                                                                               0.035, [None] * 5))
    assert "Choose a pair" in str(empty[3].children)


def test_coresponding_view_on_synthetic(wh, engine):
    params = coresponding.parse_params("waalewijn_2001", [{"name": "b0"}], [0.1], 0.3, 0.0, 20, 8)
    assert params.survival_parameters["waalewijn_2001"]["b0"] == 0.1 and params.bystander_cpr_share == 0.3
    assert params.ambulance_busy_fraction == 0.0
    result = run_coresponding(engine, CorespondingRequest(survival_model="waalewijn_2001",
                                                          survival_parameters=(("b0", 0.1),),
                                                          bystander_cpr_share=0.3, ambulance_busy_fraction=0.0,
                                                          time_on_scene_min=20, standard_s=480))
    fig, curve, saved, kpis, table, sources = coresponding.coresponding_view(wh, engine, result)
    html = reports.to_html(coresponding.coresponding_report(wh, engine, result, tier="open"))
    assert "Stations ranked by survivors added" in html and "survivors" in html and "/layers/" not in html
    assert result.summary["survival_model"] == "waalewijn_2001"
    assert len(curve.data) == 2 and table.rowData
    assert "b0" in str(sources.children)


def test_maps_zoom_to_the_analysed_area():
    london_demo = (-0.216, 51.485, -0.063, 51.584)                  # the demo's road data
    england = (-5.7, 49.9, 1.8, 55.8)
    # MapLibre's world is 512 px at zoom 0: 620 px hold 0.153 degrees of longitude at about zoom 11.4
    assert 10.8 < map_parts.fit_zoom(london_demo, width_px=620, height_px=620) < 11.4
    assert 4.5 < map_parts.fit_zoom(england, width_px=620, height_px=720) < 5.5
    layout = map_parts.base_map(roads=None, boundaries=None, bounds=london_demo).layout.map
    assert layout.center.lon == pytest.approx(-0.1395) and layout.zoom > 10.5


def test_travel_model_panel_states_bands_delays_and_the_turnout_reading():
    from bluelight.analysis.speeds import load_profile

    text = str(data_figures.travel_model_panel(load_profile("bluelight_v3")))
    assert "travel-model-bands" in text and "travel-model-hours" in text and "whole weeks held out" in text
    assert "Delay on passing a node: traffic signals" in text and "Station turnout offsets" in text
    assert "timed from mobilisation, not from the call" in text
    assert "travel-model-bands" not in str(data_figures.travel_model_panel(load_profile("bluelight_v1")))
