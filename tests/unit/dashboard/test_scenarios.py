"""The Scenarios page's edits: a click anywhere near a road places a site on it, and the page says where."""

from __future__ import annotations

import numpy as np
import pandas as pd

from bluelight.analysis.scenario import apply_scenario
from bluelight.dashboard import reports, scenario_files
from bluelight.dashboard.components.maps import base_map, placement_layer
from bluelight.dashboard.pages import scenarios
from bluelight.dashboard.pages.scenarios.views import EMPTY, edit_state
from bluelight.services.session import DemandSpec


def _click(state, point, *, mode="add", move_site=None):
    return edit_state(state, "scn-map", service="fire", closed=[], click={"points": [point]}, mode=mode,
                      move_site=move_site, duty="wholetime")


def test_a_click_on_the_road_layer_places_the_site_on_that_road_point_and_says_so():
    state = _click(dict(EMPTY), {"lon": -0.13, "lat": 51.5, "customdata": [529123.4, 181456.7]})
    assert state["added"] == [{"site_id": "NEW-1", "name": "New fire site 1", "duty_system": "wholetime",
                               "easting": 529123.4, "northing": 181456.7}]
    assert state["placed"] == ("Added New fire site 1 on the road nearest the click, at easting 529,123, "
                               "northing 181,457.")
    moved = _click(state, {"lon": -0.13, "lat": 51.5, "customdata": [530000.0, 182000.0]}, mode="move",
                   move_site="LFB-soho")
    assert moved["moved"] == [{"site_id": "LFB-soho", "easting": 530000.0, "northing": 182000.0}]
    assert moved["placed"].startswith("Moved LFB-soho on the road nearest the click")
    asked = _click(state, {"lon": -0.13, "lat": 51.5, "customdata": [1.0, 2.0]}, mode="move")
    assert asked["placed"] == "Choose the site to move, then click where it should go." and not asked["moved"]
    # the message is said once: the next edit (closing a site) drops it
    later = edit_state(state, "scn-close", service="fire", closed=["LFB-soho"], click=None, mode="add",
                       move_site=None, duty=None)
    assert "placed" not in later and later["added"] == state["added"]


def test_the_road_layer_keeps_one_point_per_cell_with_its_exact_position():
    x = np.array([529000.0, 529010.0, 529150.0, 529160.0, 529400.0])
    y = np.array([181000.0, 181020.0, 181000.0, 181030.0, 181000.0])
    fig = placement_layer(base_map(roads=None, boundaries=None, bounds=None), x, y, cell_m=100.0)
    layer = fig.data[-1]
    assert [list(p) for p in layer.customdata] == [[529000.0, 181000.0], [529150.0, 181000.0], [529400.0, 181000.0]]
    assert layer.marker.opacity < 0.05 and layer.showlegend is False


def test_lists_say_names_never_ids_or_nan():
    import pandas as pd

    from bluelight.dashboard.pages.scenarios.views import saved_choices, site_choices

    sites = pd.DataFrame({"site_id": ["LFB-soho", "LFB-euston", "OSM-123"], "name": ["Soho", "Euston", "Euston"]})
    assert [o["label"] for o in site_choices(sites)] == ["Soho", "Euston (LFB-euston)", "Euston (OSM-123)"]
    listing = pd.DataFrame({"id": ["a", "b"], "name": ["Police into Kentish Town fire station", "Close Soho"],
                            "service": [float("nan"), "fire"]})
    labels = [o["label"] for o in saved_choices(listing)]
    assert labels == ["Police into Kentish Town fire station (every service it touches)", "Close Soho (fire)"]
    assert not any("nan" in label for label in labels)


def test_the_road_layer_of_a_county_is_thinned_to_a_size_a_browser_takes():
    rng = np.random.default_rng(1)
    x, y = rng.uniform(300_000, 450_000, 300_000), rng.uniform(200_000, 350_000, 300_000)   # 150 km a side
    layer = placement_layer(base_map(roads=None, boundaries=None, bounds=None), x, y, max_points=5_000).data[-1]
    assert 3_000 < len(layer.customdata) <= 5_000
    assert {tuple(p) for p in layer.customdata} <= set(zip(x, y))        # every point an exact road position


def _without(engine, service, closed=(), added=None):
    """The service's baseline estate with some sites closed and new ones added."""
    sites = engine.sites(service)
    sites = sites[~sites["site_id"].isin(set(closed))]
    if added is not None:
        sites = pd.concat([sites, added.assign(service=service)], ignore_index=True)
    return sites


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


def test_a_comparison_draws_its_curves_from_the_scenario_engine_s_one_evaluation(wh, engine, tmp_path, monkeypatch):
    """Baseline and B come from the result ``scenario run`` made (nothing evaluated again for the curves); A,
    where it leaves B's service alone, is that service's estate on A's date."""
    from bluelight.dashboard.pages.scenarios import views

    fire = engine.sites("fire")["site_id"]
    store = scenario_files.ScenarioStore([tmp_path])
    a = store.save(scenario_files.state_to_scenario({**scenarios.EMPTY, "closed": [fire.iloc[0]]}, name="A"),
                   service="fire")
    b = store.save(scenario_files.state_to_scenario({**scenarios.EMPTY, "closed": [fire.iloc[1]]}, name="B"),
                   service="fire")
    calls = []
    monkeypatch.setattr(views, "evaluate_service", lambda *args, **kw: calls.append(args) or (_ for _ in ()).throw(
        AssertionError("evaluated again")))
    report = views.comparison(wh, engine, store, a, b, tier="open")
    curves = [caption for caption, _ in report.figures if caption.endswith("reached within t")]
    assert calls == [] and curves == ["baseline: share of the population reached within t",
                                      "A: share of the population reached within t",
                                      "B: share of the population reached within t"]


def test_an_invalid_traffic_period_clears_the_scenario(wh, engine, nothing_stale):
    state = {**scenarios.EMPTY, "closed": [engine.sites("fire")["site_id"].iloc[0]]}
    valid = scenarios.shown_view(wh, engine, state, "all")
    nothing_stale(valid, scenarios.shown_view(wh, engine, state, "dusk"), results=3)
