"""Travel times on the road network (analysis.traveltime): per site, the nearest-site field, the cache, the
bounded searches and the many-to-many table, on small networks with known answers."""

import numpy as np
import pytest

from bluelight.analysis.network import build_network
from bluelight.analysis.snapping import snap_points
from bluelight.analysis.traveltime import TravelTimeCache, nearest_site_field, site_travel_times
from bluelight.foundation.errors import AnalysisError
from tests.unit.analysis.graphs import FLAT, grid_network, line_network


def test_directed_times_and_one_way_street():
    net = line_network()
    t = site_travel_times(net, [0], cutoff_s=1000).dense()[0]
    assert t.tolist()[:5] == [0, 10, 20, 30, 40]          # 100 m at 10 m/s per hop
    assert np.isinf(t[5]) and np.isinf(t[6])              # the island is never reached
    back = site_travel_times(net, [4], cutoff_s=1000).dense()[0]
    assert np.isinf(back[:4]).all()                        # 3 -> 4 is one-way: no way out of 4


def test_cutoff_is_respected():
    net = line_network()
    t = site_travel_times(net, [0], cutoff_s=25).dense()[0]
    assert t.tolist()[:3] == [0, 10, 20] and np.isinf(t[3:]).all()


def test_nearest_site_field_with_turnout():
    net = line_network()
    # site A at node 0 with 60 s turnout, site B at node 3 with 0 s turnout
    time, src = nearest_site_field(net, [0, 3], [60.0, 0.0])
    # B wins everywhere, even at A's own node (30 s drive vs A's 60 s turnout)
    assert src[:5].tolist() == [1, 1, 1, 1, 1]
    assert time[:5].tolist() == pytest.approx([30, 20, 10, 0, 10], abs=1e-9)
    time, src = nearest_site_field(net, [0, 3], [5.0, 0.0])
    assert src[:5].tolist() == [0, 0, 1, 1, 1] and time[:2].tolist() == pytest.approx([5, 15])
    assert src[5] == -1 and np.isinf(time[5])


def test_nearest_field_matches_per_site_minimum_on_a_grid():
    net = grid_network(6)
    sites = np.array([0, 17, 35])
    turn = np.array([30.0, 90.0, 0.0])
    per_site = site_travel_times(net, sites, cutoff_s=1e9).dense() + turn[:, None]
    time, src = nearest_site_field(net, sites, turn)
    assert np.allclose(time, per_site.min(axis=0))
    assert np.allclose(per_site[src, np.arange(net.n_nodes)], time)


def test_cache_reuses_rows():
    net = grid_network(4)
    cache = TravelTimeCache(net, cutoff_s=1000)
    a = cache.times([0, 5])
    b = cache.times([5, 0, 10])
    assert cache.computed == 3
    assert np.allclose(a.dense()[0], b.dense()[1])


def test_cache_keeps_the_recent_rows_within_its_byte_budget():
    net = grid_network(4)
    one = TravelTimeCache(net, cutoff_s=1000).times([0]).stored
    row_bytes = one.data.nbytes + one.indices.nbytes + one.indptr.nbytes
    cache = TravelTimeCache(net, cutoff_s=1000, max_bytes=2 * row_bytes)
    cache.times([0, 1])
    cache.times([0])                          # 0 is now the most recent
    third = cache.times([2])
    assert cache.bytes <= 2 * row_bytes and cache.computed == 3
    cache.times([0])                          # kept: not recomputed
    assert cache.computed == 3
    cache.times([1])                          # evicted when 2 came in: computed again, with the same answer
    assert cache.computed == 4
    assert np.allclose(third.dense()[0], site_travel_times(net, [2], cutoff_s=1000).dense()[0])


def test_snapping_flags_far_points():
    net = line_network()
    s = snap_points(net, [5, 205, 5000], [3, -40, 0], max_snap_m=100)
    assert s.node.tolist() == [0, 2, -1]
    assert s.distance_m[1] == pytest.approx(np.hypot(5, 40))
    assert s.n_off_network == 1


def test_bad_inputs():
    with pytest.raises(AnalysisError, match="not in the network"):
        build_network([1, 2], [0, 1], [0, 0], [1], [3], [1.0], ["x"], [np.nan], FLAT)
    with pytest.raises(AnalysisError, match="outside the network"):
        site_travel_times(line_network(), [99], cutoff_s=10)
    with pytest.raises(AnalysisError, match="offsets_s"):
        nearest_site_field(line_network(), [0], [-1.0])


def test_nearest_field_without_offsets_names_the_winner():
    net = grid_network(6)
    sites = np.array([35, 0, 0])                 # two sites share a node: the first is named
    time, src = nearest_site_field(net, sites)
    per_site = site_travel_times(net, sites, cutoff_s=1e9).dense()
    assert np.allclose(time, per_site.min(axis=0))
    assert src[0] == 1 and src[35] == 0
    assert set(np.unique(src)) == {0, 1}


def test_bounded_searches_give_the_whole_networks_times():
    """Each search costs what it reaches, and finds exactly the times scipy's Dijkstra finds, node for node."""
    from scipy.sparse.csgraph import dijkstra

    from bluelight.analysis.network import network_from_frames
    from bluelight.analysis.speeds import load_profile
    from bluelight.analysis.traveltime import fastest_pace_mps
    from bluelight.etl.roads import graph_tables
    from bluelight.etl.synthetic import generate_region, region_graph

    profile = load_profile("bluelight_v1")
    nodes, edges = graph_tables(region_graph(generate_region(3000, spacing_m=200.0)), profile)
    net = network_from_frames(nodes, edges, profile)
    rng = np.random.default_rng(3)
    sources = rng.choice(net.n_nodes, 150, replace=False)
    cutoff_s = 90.0
    times = site_travel_times(net, sources, cutoff_s=cutoff_s)
    want = dijkstra(net.graph, directed=True, indices=sources, limit=cutoff_s)
    got = times.dense()
    np.testing.assert_array_equal(np.isfinite(got), np.isfinite(want))       # the same nodes reached
    np.testing.assert_allclose(got, want, rtol=1e-12)      # the same times (to the last bits: ties sum in turn)
    assert times.stored.nnz == np.isfinite(want).sum() < want.size / 4        # only what was reached is kept
    # the bound: every node reached lies within the cutoff times the fastest pace of its source
    reach = cutoff_s * fastest_pace_mps(net)
    i, j = np.nonzero(np.isfinite(want))
    assert (np.hypot(net.x_m[sources[i]] - net.x_m[j], net.y_m[sources[i]] - net.y_m[j]) <= reach + 1e-6).all()


@pytest.mark.parametrize("cutoff_s", [20.0, 60.0, 1e9])
def test_travel_time_table_equals_the_searches_at_the_targets(cutoff_s):
    """The many-to-many table: each cell is the bounded search's time at that target (repeats included), whether
    a search ends at the cutoff or stops early once every target is settled (the next search starts clean)."""
    from scipy.sparse.csgraph import dijkstra

    from bluelight.analysis.traveltime import travel_time_table

    net = grid_network(12)
    rng = np.random.default_rng(7)
    sources = rng.choice(net.n_nodes, 25)
    for targets in (rng.choice(net.n_nodes, 40), np.array([sources[0], sources[0], 5]), np.array([], dtype=int)):
        got = travel_time_table(net, sources, targets, cutoff_s=cutoff_s)
        want = dijkstra(net.graph, directed=True, indices=sources, limit=cutoff_s)[:, targets]
        assert got.shape == (len(sources), len(targets))
        np.testing.assert_array_equal(np.isfinite(got), np.isfinite(want))
        np.testing.assert_allclose(got, want, rtol=1e-12)
    with pytest.raises(AnalysisError, match="outside the network"):
        travel_time_table(net, sources, [net.n_nodes], cutoff_s=60.0)
