"""Plain figure dicts: what plotly's graph objects would accept (checked here, since the pages skip them)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from bluelight.analysis.summary import Variability
from bluelight.dashboard import layers
from bluelight.dashboard.components import charts, maps
from bluelight.dashboard.components import plain_figures as plain


def _points(n: int = 5) -> pd.DataFrame:
    return pd.DataFrame({"zone": [f"E0100000{i}" for i in range(n)], "area": ["Camden"] * n,
                         "weight": np.arange(1.0, n + 1), "lon": np.linspace(-0.2, -0.1, n),
                         "lat": np.linspace(51.5, 51.6, n)})


SITES = pd.DataFrame({"site_id": ["s1", "s2"], "name": ["Euston", None], "lon": [-0.13, -0.15], "lat": [51.52, 51.53]})


@pytest.mark.parametrize("zones", [None, {"type": "FeatureCollection", "features": [{"type": "Feature", "id": "x"}]}])
def test_coverage_map_is_a_valid_figure(zones):
    response = np.array([100.0, np.nan, 400.0, np.inf, 700.0])
    fig = maps.coverage_map(_points(), response, threshold_s=360, zones_geojson=zones, sites=SITES, roads=None,
                            boundaries=None, bounds=(-0.2, 51.5, -0.1, 51.6), highlight=np.array([1, 0, 0, 0, 1], bool),
                            title="fire")
    checked = go.Figure(fig)                         # plotly's validation: raises on any unknown property
    first = plain.as_figure(fig).data[0]
    if zones is None:
        assert first.type == "scattermap" and list(first.lon) == pytest.approx([-0.2, -0.15, -0.125, -0.1])
        assert np.isnan(first.marker.color[2]) and first.marker.color[0] == pytest.approx(100 / 60)
    else:
        assert first.type == "choroplethmap" and list(first.locations) == ["E01000000", "E01000002",
                                                                            "E01000003", "E01000004"]
    assert checked.data[-1].text == ("Euston", None) and checked.layout.title.text == "fire"
    assert "reached first by the chosen site" in [t.name for t in checked.data]
    assert json.loads(json.dumps(fig, allow_nan=False))              # the dict itself is JSON (no numpy left)


def test_curve_is_a_valid_figure():
    fig = charts.cumulative_curve(np.array([100.0, 200.0, np.nan]), np.ones(3), threshold_s=360, goal=0.9,
                                  label="x", variability=Variability(0.0, 0.2))
    checked = go.Figure(fig)
    assert [t.name for t in checked.data] == ["modelled (single time)", "modelled with variability"]
    assert plain.untyped(fig["data"][0]["y"]).tolist() == [0.5, 1.0]
    assert fig["layout"]["template"]["layout"]["plot_bgcolor"] == "#E5ECF6"      # plotly's own look, kept


def test_typed_arrays_round_trip():
    assert plain.untyped(plain.typed(np.array([1.5, np.nan, -2.0]))).tolist()[::2] == [1.5, -2.0]
    assert plain.untyped(plain.typed(np.array([3, -4]))).tolist() == [3, -4]
    assert plain.typed(np.array([2 ** 40])) == [2 ** 40]                # beyond 32 bits: a plain list, exact
    assert plain.typed(np.array([[1.0, 2.0]])) == [[1.0, 2.0]]
    assert plain.typed(pd.Series(["a", "b"]).to_numpy()) == ["a", "b"]


def test_template_is_a_fresh_copy():
    plain.template()["layout"]["font"] = {"color": "red"}
    assert plain.template()["layout"]["font"] == {"color": "#2a3f5f"}


def test_with_tiles_on_a_dict():
    fig = maps.coverage_map(_points(), np.full(5, 100.0), threshold_s=360, zones_geojson=None, sites=SITES,
                            roads=None, boundaries=None)
    assert maps.with_tiles(fig, True)["layout"]["map"]["style"]["sources"]["osm"]["tiles"] == [layers.OSM_TILES]


def test_change_map_is_a_valid_figure():
    zones = {"type": "FeatureCollection", "features": [{"type": "Feature", "id": "E01000000"}]}
    added = pd.DataFrame([{"site_id": "new", "easting": 530000.0, "northing": 180000.0}])
    fig = maps.change_map(_points(), np.array([60.0, np.nan, -30.0, 0.0, 600.0]), zones_geojson=zones, sites=SITES,
                          closed=SITES.iloc[:1], added=added, roads=None, boundaries=None, bounds=None,
                          place_on=(np.array([530000.0, 530500.0]), np.array([180000.0, 180000.0])))
    checked = go.Figure(fig)
    assert [t.name for t in checked.data] == ["change", "road (click to place a site)", "open sites",
                                              "closed in scenario", "new or moved site"]
    assert list(checked.data[0].locations) == ["E01000000", "E01000002", "E01000003", "E01000004"]
    assert plain.untyped(fig["data"][0]["z"]).tolist() == [1.0, -0.5, 0.0, 5.0]      # minutes, clipped at 5
    assert [list(p) for p in checked.data[1].customdata] == [[530000.0, 180000.0], [530500.0, 180000.0]]
