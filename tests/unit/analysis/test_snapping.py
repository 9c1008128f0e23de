"""Snapping points to road segments."""

import numpy as np

from bluelight.analysis.snapping import snap_to_segments
from tests.unit.analysis.graphs import grid_network


def test_snapping_split_across_threads_gives_the_one_query_answer(monkeypatch):
    import bluelight.analysis.snapping as snapping

    net = grid_network(12)
    rng = np.random.default_rng(5)
    x, y = rng.uniform(-300, 1400, 500), rng.uniform(-300, 1400, 500)     # some beyond every road
    whole = snap_to_segments(net, x, y, max_snap_m=150, access_speed_mps=5.0)
    monkeypatch.setattr(snapping, "SNAP_CHUNK", 7)
    monkeypatch.setattr(snapping.os, "cpu_count", lambda: 3)
    split = snap_to_segments(net, x, y, max_snap_m=150, access_speed_mps=5.0)
    for field in ("node_a", "extra_a_s", "node_b", "extra_b_s", "distance_m"):
        np.testing.assert_array_equal(getattr(whole, field), getattr(split, field))
    assert (whole.node_a < 0).any() and (whole.node_a >= 0).any()
