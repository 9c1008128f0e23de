"""The library as a user meets it: only ``bluelight.analysis``, GeoDataFrames and an osmnx graph."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point

import bluelight.analysis as bla
from bluelight.foundation.errors import AnalysisError


def _osm_grid(tmp_path, n: int = 5, step_deg: float = 0.004) -> str:
    """An OSM XML extract: an n x n grid of two-way residential streets near Camden, and one primary road."""
    lon0, lat0 = -0.150, 51.540
    nodes = [(i * n + j + 1, lon0 + j * step_deg, lat0 + i * step_deg * 0.62) for i in range(n) for j in range(n)]
    ways, wid = [], 1
    for i in range(n):
        ways.append((wid, [i * n + j + 1 for j in range(n)], "primary" if i == 0 else "residential"))
        wid += 1
    for j in range(n):
        ways.append((wid, [i * n + j + 1 for i in range(n)], "residential"))
        wid += 1
    xml = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    xml += [f'<node id="{i}" lat="{lat:.7f}" lon="{lon:.7f}" version="1"/>' for i, lon, lat in nodes]
    for w, refs, hw in ways:
        xml.append(f'<way id="{w}" version="1">' + "".join(f'<nd ref="{r}"/>' for r in refs)
                   + f'<tag k="highway" v="{hw}"/><tag k="name" v="Street {w}"/></way>')
    xml.append("</osm>")
    path = tmp_path / "grid.osm"
    path.write_text("\n".join(xml))
    return str(path)


@pytest.fixture
def graph(tmp_path):
    import osmnx as ox

    ox.settings.use_cache = False
    return ox.graph_from_xml(_osm_grid(tmp_path), simplify=False, retain_all=True)


def test_coverage_isochrone_and_mclp_from_geodataframes(graph):
    profile = bla.load_profile("bluelight_v1")
    net = bla.network_from_osmnx(graph, profile)
    nodes, edges = bla.graph_tables(graph, profile)
    assert net.n_nodes == 25 and len(edges) == 80                      # 40 two-way street segments
    station = gpd.GeoDataFrame({"name": ["corner"]}, geometry=[Point(-0.150, 51.540)], crs="EPSG:4326")
    rng = np.random.default_rng(1)
    lon = -0.150 + 0.016 * rng.random(40)
    lat = 51.540 + 0.0099 * rng.random(40)
    demand = gpd.GeoDataFrame({"weight": rng.integers(1, 100, 40).astype(float)},
                              geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326").to_crs("EPSG:27700")
    cov = bla.coverage_from_geodataframes(net, station, demand, threshold_s=120, turnout_s=60.0)
    assert cov.response_s.shape == (40,) and np.isfinite(cov.response_s).all()
    assert (cov.response_s >= 60).all() and 0 < cov.summary.share_within < 1
    nodes_xy = np.column_stack([net.x_m, net.y_m])
    geoms = np.array([__import__("shapely").LineString([nodes_xy[u], nodes_xy[v]])
                      for u, v in zip(net.edge_u, net.edge_v)])
    iso = bla.isochrones_from_geodataframe(net, geoms, station, (60, 120))
    assert list(iso["band_s"]) == [60, 120] and iso.crs == "EPSG:27700"
    assert iso.geometry.iloc[1].area > iso.geometry.iloc[0].area > 0
    candidates = gpd.GeoDataFrame(geometry=gpd.points_from_xy(nodes["lon"], nodes["lat"]), crs="EPSG:4326")
    plan = bla.mclp_from_geodataframes(net, candidates, demand, k=2, threshold_s=90)
    assert plan.status == "optimal" and len(plan.chosen) == 2 and plan.objective > 0
    # the optimum by enumeration over every pair
    t = bla.site_travel_times(net, net.index_of(net.node_ids), cutoff_s=90).dense(
        bla.snap_geodataframe(net, demand).node).T
    w = demand["weight"].to_numpy()
    best = max(w[(t[:, a] <= 90) | (t[:, b] <= 90)].sum() for a in range(25) for b in range(a + 1, 25))
    assert plan.objective == pytest.approx(best)


def test_inputs_are_checked_and_name_the_argument(graph):
    net = bla.network_from_osmnx(graph, bla.load_profile("bluelight_v1"))
    ok = gpd.GeoDataFrame({"weight": [1.0]}, geometry=[Point(528500, 184600)], crs="EPSG:27700")
    with pytest.raises(AnalysisError, match="demand has no CRS"):
        bla.coverage_from_geodataframes(net, ok, ok.set_crs(None, allow_override=True), threshold_s=60)
    with pytest.raises(AnalysisError, match="sites must be a GeoDataFrame"):
        bla.coverage_from_geodataframes(net, ok.drop(columns="geometry"), ok, threshold_s=60)
    with pytest.raises(AnalysisError, match="column 'weight'"):
        bla.coverage_from_geodataframes(net, ok, ok.assign(weight=-1.0), threshold_s=60)
    projected = graph.copy()
    projected.graph["crs"] = "EPSG:27700"
    with pytest.raises(AnalysisError, match="EPSG:27700"):
        bla.network_from_osmnx(projected, bla.load_profile("bluelight_v1"))
    # WGS84 is converted explicitly, never read as metres: the same place gives the same answer
    lonlat = ok.to_crs("EPSG:4326")
    a = bla.coverage_from_geodataframes(net, ok, ok, threshold_s=60).response_s
    b = bla.coverage_from_geodataframes(net, lonlat, lonlat, threshold_s=60).response_s
    assert np.allclose(a, b, equal_nan=True)


def test_everything_exported_exists():
    missing = [name for name in bla.__all__ if not hasattr(bla, name)]
    assert not missing
