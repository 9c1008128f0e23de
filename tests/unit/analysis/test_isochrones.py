import numpy as np
import pytest
import shapely
from shapely.geometry import LineString

from bluelight.analysis.isochrones import (
    isochrone_polygons,
    isochrone_polygons_grid,
    isochrones,
    isochrones_frame,
    reached_lines,
)
from bluelight.analysis.traveltime import nearest_site_field, site_travel_times
from bluelight.foundation.errors import AnalysisError
from tests.unit.analysis.graphs import grid_network, line_network


def _geoms(net):
    return [LineString([(net.x_m[u], net.y_m[u]), (net.x_m[v], net.y_m[v])]) for u, v in zip(net.edge_u, net.edge_v)]


def test_partial_edge_is_cut_at_the_band():
    net = line_network()
    t = site_travel_times(net, [0], cutoff_s=1e9).dense()[0]
    lines = reached_lines(net, _geoms(net), t, 15.0)     # 10 s to node 1, then half of the next edge
    reach_x = max(max(c[0] for c in g.coords) for g in lines)
    assert reach_x == pytest.approx(150.0)


def test_band_polygon_extent_nesting_and_islands():
    net = line_network()
    t = site_travel_times(net, [0], cutoff_s=1e9).dense()[0]
    p15, p35 = isochrone_polygons(net, _geoms(net), t, [15, 35], buffer_m=10, min_island_m2=0, min_hole_m2=0)
    minx, miny, maxx, maxy = p15.bounds
    assert (minx, maxx) == pytest.approx((-10, 160))     # line reach 150 m plus the 10 m buffer
    assert p35.contains(p15)
    assert not p35.intersects(shapely.Point(1000, 0))    # the island is never inside
    assert p35.bounds[2] == pytest.approx(360)           # through node 3, and 50 m up the one-way to node 4


def test_artefact_holes_are_filled_on_a_grid():
    net = grid_network(5)
    time, _ = nearest_site_field(net, [12])              # centre of the grid
    (poly,) = isochrone_polygons(net, _geoms(net), time, [1000], buffer_m=20)
    assert len(poly.interiors) == 0                      # 60 m x 60 m block holes are filled
    assert poly.area == pytest.approx(440 * 440, rel=0.01)
    (holey,) = isochrone_polygons(net, _geoms(net), time, [1000], buffer_m=20, min_hole_m2=0)
    assert len(holey.interiors) == 16


def test_frame_and_bad_bands():
    net = line_network()
    t = site_travel_times(net, [0], cutoff_s=1e9).dense()[0]
    gdf = isochrones_frame(net, _geoms(net), t, [10, 20], label="A", buffer_m=5, min_island_m2=0)
    assert gdf.crs.to_epsg() == 27700 and list(gdf["band_s"]) == [10, 20]
    assert (np.diff(gdf["area_km2"]) > 0).all()
    with pytest.raises(AnalysisError, match="increasing"):
        isochrone_polygons(net, _geoms(net), t, [20, 10])



def test_grid_engine_reaches_as_far_as_the_exact_one_on_a_line():
    net = line_network()
    t = site_travel_times(net, [0], cutoff_s=1e9).dense()[0]
    p15, p35 = isochrone_polygons_grid(net, _geoms(net), t, [15, 35], buffer_m=10, cell_m=2, min_island_m2=0,
                                       min_hole_m2=0)
    minx, _, maxx, _ = p15.bounds
    assert minx == pytest.approx(-10, abs=2.5) and maxx == pytest.approx(160, abs=2.5)   # 150 m reached + 10 m
    assert p35.contains(p15) and p35.bounds[2] == pytest.approx(360, abs=2.5)   # 300 m, then 50 m one way, + 10


def test_grid_engine_matches_the_exact_one_on_a_grid():
    net = grid_network(9)
    times, _ = nearest_site_field(net, [40], cutoff_s=1e6)
    exact = isochrone_polygons(net, _geoms(net), times, [60, 120], buffer_m=40, min_island_m2=0)
    grid = isochrone_polygons_grid(net, _geoms(net), times, [60, 120], buffer_m=40, cell_m=10, min_island_m2=0)
    for a, b in zip(grid, exact):
        assert a.area == pytest.approx(b.area, rel=0.05)
        assert a.symmetric_difference(b).area / b.area < 0.06 and a.hausdorff_distance(b) < 25
    assert grid[1].contains(grid[0])


def test_grid_engine_edge_cases():
    net = line_network()
    t = np.full(net.n_nodes, np.inf)
    assert all(p.is_empty for p in isochrone_polygons_grid(net, _geoms(net), t, [60, 120]))   # nothing reached
    t0 = site_travel_times(net, [0], cutoff_s=1e9).dense()[0]
    with pytest.raises(AnalysisError, match="positive and increasing"):
        isochrone_polygons_grid(net, _geoms(net), t0, [20, 10])
    with pytest.raises(AnalysisError, match="must be positive"):
        isochrone_polygons_grid(net, _geoms(net), t0, [20], cell_m=0)
    with pytest.raises(AnalysisError, match="engine must be one of"):
        isochrones(net, _geoms(net), t0, [20], engine="hull")
