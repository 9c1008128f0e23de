"""Turn penalties on the edge-based network: hand-checked on a 3 x 3 grid of 60-second blocks."""

from __future__ import annotations

import numpy as np
import pytest

from bluelight.analysis import example_network
from bluelight.analysis.traveltime import site_travel_times
from bluelight.analysis.turns import movements, route_turns, turn_kinds, turn_network, turn_site_times
from bluelight.foundation.errors import AnalysisError


@pytest.fixture
def grid():
    net = example_network()                 # node = row * 3 + col, rows run north, every block 60 s
    edge = {(int(a), int(b)): i for i, (a, b) in enumerate(zip(net.edge_u, net.edge_v))}
    return net, edge


def _time(net, penalties, a, b):
    return turn_site_times(turn_network(net, penalties), [a], cutoff_s=3600).dense()[0][b]


def test_a_right_turn_penalty_sends_the_route_by_the_left_turn(grid):
    net, _ = grid
    # 0 -> 4: east then north (a left turn) or north then east (a right turn), both 120 s without penalties
    assert _time(net, {}, 0, 4) == pytest.approx(120)
    assert _time(net, {"turn_right": 100}, 0, 4) == pytest.approx(120)          # the left-turn route
    assert _time(net, {"turn_left": 100}, 0, 4) == pytest.approx(120)           # the right-turn route
    assert _time(net, {"turn_left": 100, "turn_right": 100}, 0, 4) == pytest.approx(220)
    assert _time(net, {"turn_left": 100, "turn_right": 100}, 0, 2) == pytest.approx(120)   # straight on: free


def test_turn_kinds_by_angle(grid):
    net, e = grid
    assert turn_kinds(net, [e[0, 1], e[0, 1], e[0, 1], e[3, 4]], [e[1, 2], e[1, 4], e[1, 0], e[4, 1]]).tolist() \
        == [0, 1, 3, 2]                     # straight, left (north), back the way it came, right (south)
    with pytest.raises(AnalysisError, match="start where"):
        turn_kinds(net, [e[0, 1]], [e[4, 5]])


def test_route_turns_counts_each_kind(grid):
    net, e = grid
    # east, north (left), east (right), north (left), back south (a U-turn)
    assert route_turns(net, [e[0, 1], e[1, 4], e[4, 5], e[5, 8], e[8, 5]]).tolist() == [2, 1, 1]
    assert route_turns(net, [e[0, 1]]).tolist() == [0, 0, 0]


def test_movements_pair_every_entering_edge_with_every_leaving_one(grid):
    net, _ = grid
    frm, to = movements(net)
    assert (net.edge_v[frm] == net.edge_u[to]).all()
    in_deg, out_deg = np.bincount(net.edge_v, minlength=9), np.bincount(net.edge_u, minlength=9)
    assert len(frm) == int((in_deg * out_deg).sum())


def test_without_penalties_the_edge_based_times_are_the_node_engines():
    from bluelight.analysis.network import network_from_frames
    from bluelight.analysis.speeds import load_profile
    from bluelight.etl.roads import graph_tables
    from bluelight.etl.synthetic import generate_region, region_graph

    profile = load_profile("bluelight_v1")
    nodes, edges = graph_tables(region_graph(generate_region(900, spacing_m=200.0)), profile)
    net = network_from_frames(nodes, edges, profile)
    sources = np.random.default_rng(4).choice(net.n_nodes, 20, replace=False)
    free = turn_site_times(turn_network(net, {}), sources, cutoff_s=300).dense()
    np.testing.assert_allclose(free, site_travel_times(net, sources, cutoff_s=300).dense())
    turned = turn_site_times(turn_network(net, {"turn_right": 15, "u_turn": 30}), sources, cutoff_s=300).dense()
    ok = np.isfinite(turned)
    assert (turned[ok] >= free[ok] - 1e-9).all() and (turned[ok] > free[ok] + 1).any()
    assert (np.isfinite(free) >= ok).all()             # a penalty never brings a node within reach


def test_bad_penalties(grid):
    net, _ = grid
    with pytest.raises(AnalysisError, match="unknown turn kinds"):
        turn_network(net, {"turn_sideways": 3})
    with pytest.raises(AnalysisError, match="non-negative"):
        turn_network(net, {"turn_left": -1})
