"""The road network (analysis.network): parallel edges and junction delays, with the times they give."""

import numpy as np

from bluelight.analysis.network import build_network, csr_min
from bluelight.analysis.traveltime import site_travel_times
from tests.unit.analysis.graphs import FLAT


def test_parallel_edges_keep_the_fastest():
    g = csr_min(np.array([0, 0, 1]), np.array([1, 1, 0]), np.array([5.0, 3.0, 0.0]), 2)
    assert g[0, 1] == 3.0 and g[1, 0] > 0   # zero weights kept as a tiny positive time


def test_junction_delays_are_paid_on_entering_a_controlled_node_and_change_routes():
    from bluelight.analysis.speeds import profile_from_dict

    # a square 0-1-2 / 0-3-2, every edge 100 m (10 s): node 1 has signals, node 3 nothing
    slow = profile_from_dict({**FLAT.to_dict(), "junction_delay_s": {"traffic_signals": 25.0, "junction": 4.0}})
    ids, u, v = [0, 1, 2, 3], [0, 1, 0, 3, 1, 2, 3, 2], [1, 2, 3, 2, 0, 1, 0, 3]
    control = np.array(["", "traffic_signals", "", ""], dtype=object)
    net = build_network(ids, [0, 100, 100, 0], [0, 0, 100, 100], u, v, np.full(8, 100.0), ["residential"] * 8,
                        np.full(8, np.nan), slow, node_control=control)
    t = site_travel_times(net, [0], cutoff_s=1000).dense()[0]
    assert t.tolist() == [0.0, 35.0, 20.0, 10.0]          # through the signals 10 + 25; round by node 3 10 + 10
    assert net.node_kinds().tolist() == ["", "traffic_signals", "", ""]     # two neighbours each: no junctions
    plain = build_network(ids, [0, 100, 100, 0], [0, 0, 100, 100], u, v, np.full(8, 100.0), ["residential"] * 8,
                          np.full(8, np.nan), FLAT, node_control=control)
    assert site_travel_times(plain, [0], cutoff_s=1000).dense()[0].tolist() == [0.0, 10.0, 20.0, 10.0]
    # the same network without its controls recorded: only the (absent) junctions could delay
    bare = build_network(ids, [0, 100, 100, 0], [0, 0, 100, 100], u, v, np.full(8, 100.0), ["residential"] * 8,
                         np.full(8, np.nan), slow)
    assert site_travel_times(bare, [0], cutoff_s=1000).dense()[0].tolist() == [0.0, 10.0, 20.0, 10.0]
    assert bare.key != net.key                             # the controls change the times, and so the key
