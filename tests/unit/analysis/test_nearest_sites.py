"""The one-pass K-nearest search gives what a search from every site gives, node for node."""

import numpy as np
import pytest

from bluelight.analysis.coverage import (
    _candidates,
    build_coverage_model,
    coverage_model_from_nearest,
    evaluate,
)
from bluelight.analysis.nearest_sites import nearest_sites, times_to_points
from bluelight.analysis.snapping import Links, snap_to_segments
from bluelight.analysis.traveltime import point_times, site_travel_times, times_from_links
from bluelight.foundation.errors import AnalysisError
from tests.unit.analysis.graphs import grid_network, line_network


def test_hand_checked_line():
    # 0 -10s- 1 -10s- 2 -10s- 3 -> 4 (one way), island 5 <-> 6; sites at 0 (turnout 60 s) and 3 (turnout 0)
    site, t, more = nearest_sites(line_network(), Links.at_nodes([0, 3]), [60.0, 0.0], k=2, cutoff_s=1000)
    assert site[:5].tolist() == [[1, 0], [1, 0], [1, 0], [1, 0], [1, 0]]
    np.testing.assert_allclose(t[:5], [[30, 60], [20, 70], [10, 80], [0, 90], [10, 100]])
    assert more[:5].all() and not more[5:].any()
    assert (site[5:] == -1).all() and np.isinf(t[5:]).all()          # the island: nothing reaches it
    # node 4 is reached by the one-way link only; from 4 nothing leaves, so a site there reaches only itself
    site, t, _ = nearest_sites(line_network(), Links.at_nodes([4]), [0.0], k=1, cutoff_s=1000)
    assert site[:, 0].tolist() == [-1, -1, -1, -1, 0, -1, -1]


def test_cutoff_is_on_the_drive_not_the_turnout():
    # site 0 at node 0 with 60 s turnout may drive 25 s (nodes 0-2); site 1 at node 3 drives 25 s too
    site, t, more = nearest_sites(line_network(), Links.at_nodes([0, 3]), [60.0, 0.0], k=2, cutoff_s=25)
    assert site[:5].tolist() == [[0, -1], [1, 0], [1, 0], [1, -1], [1, -1]]
    assert t[1].tolist() == pytest.approx([20, 70])
    # node 0 found both sites and dropped site 1 (a 30 s drive): more may reach it, so a closure of site 0 is
    # searched site by site; nodes 3 and 4 are beyond site 0 even with its turnout counted (90 s > 25 + 60)
    assert more[:5].tolist() == [True, True, True, False, False]


def test_checks_name_the_argument():
    net = grid_network()
    with pytest.raises(AnalysisError, match="turnout_s"):
        nearest_sites(net, Links.at_nodes([0, 1]), [0.0], k=2, cutoff_s=60)
    with pytest.raises(AnalysisError, match="k must be"):
        nearest_sites(net, Links.at_nodes([0]), [0.0], k=0, cutoff_s=60)
    with pytest.raises(AnalysisError, match="outside the network"):
        nearest_sites(net, Links.at_nodes([99]), [0.0], k=1, cutoff_s=60)
    with pytest.raises(AnalysisError, match="cutoff_s"):
        nearest_sites(net, Links.at_nodes([0]), [0.0], k=1, cutoff_s=0)


def _random_case(seed, n=12, n_sites=15):
    rng = np.random.default_rng(seed)
    net = grid_network(n)
    x = rng.uniform(0, 100 * (n - 1), n_sites)
    y = rng.uniform(0, 100 * (n - 1), n_sites)
    links = snap_to_segments(net, x, y, max_snap_m=200, access_speed_mps=5.0, source=True)
    turnout = rng.choice([0.0, 30.0, 60.0, 180.0], n_sites)
    return net, links, turnout, rng


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("cutoff_s", [90.0, 150.0, 1e6])
def test_equals_a_search_from_every_site(seed, cutoff_s):
    """Sites on segments (leaving by either end), turnouts that differ, a cutoff that binds: the K lists of
    every node are the per-site search's, with the same times, wherever the list is not cut short."""
    net, links, turnout, _ = _random_case(seed)
    k = 5
    site, t, more = nearest_sites(net, links, turnout, k=k, cutoff_s=cutoff_s)
    per_site = times_from_links(lambda nodes: site_travel_times(net, nodes, cutoff_s=cutoff_s), links,
                                cutoff_s=cutoff_s)
    want_s, want_t = _candidates(per_site, turnout, np.arange(net.n_nodes), 3 * k)
    for node in range(net.n_nodes):
        got = [(int(s), float(x)) for s, x in zip(site[node], t[node]) if s >= 0]
        want = [(int(s), float(x)) for s, x in zip(want_s[node], want_t[node]) if s >= 0]
        assert [x for _, x in got] == pytest.approx([x for _, x in want][:len(got)])
        assert {s for s, _ in got} <= {s for s, _ in want}
        if not more[node]:                              # a list not cut short holds every site that reaches
            assert len(got) == len(want)
        assert len(got) == min(k, len(want)) or more[node]   # a short list says more may reach


@pytest.mark.parametrize("seed", range(4))
def test_a_model_from_it_answers_every_closure_as_routing_from_each_site(seed):
    net, links, turnout, rng = _random_case(seed, n_sites=12)
    cutoff_s = 150.0
    demand = snap_to_segments(net, rng.uniform(0, 1100, 60), rng.uniform(0, 1100, 60), max_snap_m=200,
                              access_speed_mps=5.0)
    per_site = times_from_links(lambda nodes: site_travel_times(net, nodes, cutoff_s=cutoff_s), links,
                                cutoff_s=cutoff_s)
    routed = build_coverage_model(per_site, turnout, demand.node_a, k=3, links=demand)
    site, t, more = nearest_sites(net, links, turnout, k=3, cutoff_s=cutoff_s)
    asked = []
    one_pass = coverage_model_from_nearest(
        site, t, more, turnout, demand.node_a, links=demand,
        times=lambda points: asked.append(len(points.node_a)) or times_to_points(net, links, points, cutoff_s=cutoff_s))
    for _ in range(25):
        active = rng.random(len(turnout)) < rng.uniform(0.1, 0.9)
        want, got = evaluate(routed, active), evaluate(one_pass, active)
        assert np.array_equal(np.isnan(want), np.isnan(got))
        assert got[~np.isnan(got)] == pytest.approx(want[~np.isnan(want)])
    assert asked                         # closures that empty a list: those points searched backwards
    assert np.array_equal(evaluate(one_pass.take([5, 2, 2])), evaluate(one_pass)[[5, 2, 2]])



@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("cutoff_s", [90.0, 150.0, 1e6])
def test_searching_back_from_points_gives_routing_forward_from_sites(seed, cutoff_s):
    net, links, _, rng = _random_case(seed)
    x = np.append(rng.uniform(-150, 1250, 40), 5000.0)              # the last beyond every road
    points = snap_to_segments(net, x, np.append(rng.uniform(-150, 1250, 40), 5000.0), max_snap_m=200,
                              access_speed_mps=5.0)
    forward = point_times(times_from_links(lambda nodes: site_travel_times(net, nodes, cutoff_s=cutoff_s), links,
                                           cutoff_s=cutoff_s), points)
    back = times_to_points(net, links, points, cutoff_s=cutoff_s)
    assert np.array_equal(np.isinf(forward), np.isinf(back))
    np.testing.assert_allclose(back[np.isfinite(back)], forward[np.isfinite(forward)], rtol=1e-9)   # sum order
    assert (points.node_a < 0).any() and np.isinf(back[:, points.node_a < 0]).all()
