"""The pieces every page shares: the banner, charts, tables and maps."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bluelight.analysis.summary import Variability
from bluelight.dashboard import layers
from bluelight.dashboard.components import charts as chart_parts
from bluelight.dashboard.components import maps as map_parts
from bluelight.dashboard.components import tables as table_parts
from bluelight.dashboard.layout import banner


def test_synthetic_banner(wh):
    assert "SYNTHETIC" in str(banner(wh))


def test_figure_builders():
    t = np.array([100.0, 200.0, 400.0, np.nan])
    fig = chart_parts.cumulative_curve(t, np.ones(4), threshold_s=360, goal=0.9, label="x",
                                   variability=Variability(0.0, 0.2))
    assert [tr["name"] for tr in fig["data"]] == ["modelled (single time)", "modelled with variability"]
    table = table_parts.with_change_row(pd.DataFrame({"scenario": ["a", "b"], "mean min": [4.0, 4.5]}))
    assert table.iloc[2]["mean min"] == 0.5
    tiled = map_parts.with_tiles(map_parts.base_map(roads=None, boundaries=None), True).layout.map.style
    assert tiled["sources"]["osm"]["tiles"] == [layers.OSM_TILES] and tiled["glyphs"].startswith("/glyphs/")
    style = map_parts.base_map(roads=None, boundaries=None).layout.map.style          # white, its glyphs served here
    assert style["layers"][0]["paint"]["background-color"] == "#ffffff" and style["glyphs"].startswith("/glyphs/")


def test_isochrone_layers_are_added_not_merged():
    from shapely.geometry import box

    fig = map_parts.base_map(roads=layers.VectorTiles("http://127.0.0.1/layers/roads/{z}/{x}/{y}.pbf"),
                           boundaries="/layers/boroughs.geojson")
    polys = [box(530000, 180000, 530000 + d, 180000 + d) for d in (100, 200, 300)]
    map_parts.add_layers_first(fig, map_parts.isochrone_layers(polys, (1, 2, 3)))
    kinds = [(layer.type, layer.below) for layer in fig.layout.map.layers]
    # light fills beneath the traces, outlines above them (over a coverage fill), then roads and boundaries
    assert kinds[:6] == [("fill", "traces")] * 3 + [("line", "")] * 3
    assert [k for k, _ in kinds[6:]] == ["line", "line", "symbol"]              # the areas' names on top
    assert map_parts.isochrone_legend((300, 480, 600)) == "5 min navy; 8 min purple; 10 min black"


def test_maps_zoom_to_the_analysed_area():
    london_demo = (-0.216, 51.485, -0.063, 51.584)                  # the demo's road data
    england = (-5.7, 49.9, 1.8, 55.8)
    # MapLibre's world is 512 px at zoom 0: 620 px hold 0.153 degrees of longitude at about zoom 11.4
    assert 10.8 < map_parts.fit_zoom(london_demo, width_px=620, height_px=620) < 11.4
    assert 4.5 < map_parts.fit_zoom(england, width_px=620, height_px=720) < 5.5
    layout = map_parts.base_map(roads=None, boundaries=None, bounds=london_demo).layout.map
    assert layout.center.lon == pytest.approx(-0.1395) and layout.zoom > 10.5


def test_the_stale_check_catches_a_result_left_on_screen(nothing_stale):
    import dash

    from bluelight.dashboard.controls import blocked_figure, blocked_note

    valid = ({"data": [{"type": "scattermap", "lon": [0.1]}]}, "12 stations", "")
    cleared = (blocked_figure(), blocked_note(), "")
    nothing_stale(valid, cleared, results=3)
    for left in ((valid[0], blocked_note(), ""), (dash.no_update, blocked_note(), "")):
        with pytest.raises(AssertionError):
            nothing_stale(valid, left, results=3)
    with pytest.raises(AssertionError):                              # the invalid input must say what to fix
        nothing_stale(valid, (blocked_figure(""), "", ""), results=3)


def test_maps_name_their_areas_and_the_sites_they_show_from_street_zoom():
    sites = pd.DataFrame({"site_id": ["s1", "s2", "s3"], "name": ["Euston", None, "Soho"],
                          "lon": [-0.13, -0.15, np.nan], "lat": [51.52, 51.53, 51.51]})
    layer = map_parts.site_label_layer(sites)
    names = [f["properties"]["name"] for f in layer["source"]["features"]]
    assert names == ["Euston"] and layer["type"] == "symbol" and layer["symbol"]["text"] == "{name}"
    assert layer["minzoom"] == map_parts.SITE_LABELS_FROM_ZOOM > 12
    roads = layers.VectorTiles("http://127.0.0.1/layers/roads/{z}/{x}/{y}.pbf")
    fig = map_parts.coverage_map(pd.DataFrame({"zone": ["z"], "area": ["a"], "weight": [1.0], "lon": [-0.1],
                                               "lat": [51.5]}), np.array([60.0]), threshold_s=360,
                                 zones_geojson=None, sites=sites, roads=roads, boundaries=None)
    symbols = [layer for layer in fig["layout"]["map"]["layers"] if layer["type"] == "symbol"]
    assert [s["source"] for s in symbols][0] == layers.AREA_LABELS and len(symbols) == 2
    national = map_parts.base_map(roads=None, boundaries=None).layout.map.layers     # no region: no area names
    assert not [layer for layer in national if layer.type == "symbol"]


def test_a_map_with_no_road_data_to_frame_shows_great_britain_not_one_city():
    centre = map_parts.base_map(roads=None, boundaries=None).layout.map.center
    assert 50 < centre.lat < 59 and -6 < centre.lon < 2 and map_parts.base_map(
        roads=None, boundaries=None).layout.map.zoom < 6
