"""The benchmark harness produces well-formed records (speed itself is measured by `make bench`, not here)."""

import numpy as np
import pytest

from bench import travel
from bench.__main__ import table
from bench.harness import compare
from tests.unit.analysis.graphs import grid_network


def test_records_and_table():
    net = grid_network(8)
    G = travel.to_networkx(net)
    sites = np.array([0, 9, 63])
    recs = [travel.nearest_field(net, G, sites, "grid"), travel.per_site(net, G, sites, 100.0, "grid", peer_sites=2),
            *travel.scenario(net, 5, 50, 1e6)]
    for r in recs:
        d = r.as_dict()
        assert set(d) == {"name", "ours_s", "peer", "peer_s", "ratio", "n", "peak_mb", "peer_peak_mb", "notes"}
        assert d["ours_s"] > 0 and d["ratio"] > 0
    assert "nearest-site field (grid)" in table([r.as_dict() for r in recs])
    assert compare("x", lambda: None, "none", None, n=1).ratio is None


@pytest.mark.parametrize("model", ["mclp", "pmedian"])
def test_location_benchmarks_reach_the_same_optimum_as_spopt(model):
    from bench.location import versus_spopt

    rec = versus_spopt(model, 300, 25, 4).as_dict()
    assert "same optimum" in rec["notes"] and rec["ratio"] > 0 and rec["peer_peak_mb"] is not None
