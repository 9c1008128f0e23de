import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bluelight.analysis.coverage import build_coverage_model, evaluate
from bluelight.analysis.summary import (
    Variability,
    compare_targets,
    summarise,
    summarise_by,
    weighted_quantile,
)
from bluelight.analysis.traveltime import site_travel_times
from tests.unit.analysis.graphs import grid_network, line_network


def test_scenario_switching_on_the_line():
    net = line_network()
    times = site_travel_times(net, [0, 3], cutoff_s=1000)
    # demand at nodes 1, 2, 4, the island (5) and off-network (-1)
    model = build_coverage_model(times, [60.0, 0.0], [1, 2, 4, 5, -1], k=1)
    r = evaluate(model)
    assert r[:3].tolist() == [20, 10, 10] and np.isinf(r[3]) and np.isnan(r[4])
    # close site B (node 3): every point falls back to A, beyond its single candidate
    r = evaluate(model, [True, False])
    assert r[:3].tolist() == [70, 80, 100]
    s = summarise(r, np.ones(5), 75)
    assert (s.demand_total, s.demand_off_network, s.demand_unreached) == (5, 1, 1)
    assert s.share_within == pytest.approx(1 / 4)
    assert s.mean_s == pytest.approx(250 / 3)


def test_added_site_improves_cover():
    net = line_network()
    model = build_coverage_model(site_travel_times(net, [0], cutoff_s=1000), [0.0], [1, 2, 3])
    extra = site_travel_times(net, [3], cutoff_s=1000)
    assert evaluate(model).tolist() == [10, 20, 30]
    assert evaluate(model, extra=extra, extra_turnout_s=[5.0]).tolist() == [10, 15, 5]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.booleans(), min_size=6, max_size=6), st.integers(1, 6))
def test_fast_evaluation_equals_brute_force(active, k):
    net = grid_network(5)
    sites = np.array([0, 4, 12, 20, 24, 7])
    turn = np.array([10.0, 50.0, 0.0, 30.0, 5.0, 80.0])
    times = site_travel_times(net, sites, cutoff_s=1e9)
    demand = np.arange(net.n_nodes)
    model = build_coverage_model(times, turn, demand, k=k)
    act = np.array(active)
    brute = (times.dense() + turn[:, None])[act].min(axis=0) if act.any() else np.full(net.n_nodes, np.inf)
    assert np.allclose(evaluate(model, act), brute)


def test_weighted_quantile_and_p90():
    assert weighted_quantile(np.array([1, 2, 3, 4]), np.array([1, 1, 1, 7]), 0.5) == 4
    s = summarise(np.array([100.0] * 9 + [np.inf]), np.ones(10), 200)
    assert s.p90_s == 100 and s.demand_unreached == 1
    s = summarise(np.array([100.0] * 8 + [np.inf] * 2), np.ones(10), 200)
    assert np.isinf(s.p90_s) and s.as_dict()["p90_s"] is None


def test_variability_spreads_compliance():
    v = Variability(log_mean=0.0, log_sd=0.25)
    p = v.prob_within(np.array([360.0, 300.0, np.inf]), 360)
    assert p[0] == pytest.approx(0.5) and 0.5 < p[1] < 1 and p[2] == 0
    s = summarise(np.array([300.0, 300.0]), np.ones(2), 360, variability=v)
    assert s.share_within == 1 and s.share_within_modelled == pytest.approx(p[1])


def test_by_area_and_targets():
    r = np.array([100.0, 500.0, 200.0, np.nan])
    by = summarise_by(["a", "a", "b", "b"], r, np.ones(4), 360)
    assert by.set_index("area").loc["a", "share_within"] == 0.5
    assert by.set_index("area").loc["b", "demand_off_network"] == 1
    empty = summarise_by([], np.array([]), np.array([]), 360)
    assert empty.empty and "share_within" in empty.columns
    targets = pd.DataFrame([{"target_id": "m", "statistic": "mean", "threshold_s": 420.0, "goal": None},
                            {"target_id": "s", "statistic": "share_within", "threshold_s": 480.0, "goal": 0.75}])
    out = compare_targets(r, np.ones(4), targets).set_index("target_id")
    assert out.loc["m", "value"] == pytest.approx(800 / 3) and out.loc["m", "met"]
    assert out.loc["s", "value"] == pytest.approx(2 / 3) and not out.loc["s", "met"]


def test_busy_vehicles_by_hand():
    from bluelight.analysis.summary import busy_response

    # two sites at 200 s and 600 s, each busy a quarter of the time
    mean, within, wait = busy_response([[200.0, 600.0]], 0.25, 480.0)
    assert mean[0] == pytest.approx((0.75 * 200 + 0.1875 * 600) / 0.9375)
    assert within[0] == pytest.approx(0.75) and wait[0] == pytest.approx(0.0625)
    free, _, none_wait = busy_response([[200.0, 600.0]], 0.0, 480.0)
    assert free[0] == 200.0 and none_wait[0] == 0.0


def test_busy_cover_is_not_capped_by_how_many_sites_are_weighed():
    """Twelve sites all within the standard, each busy half the time: the first free one is within the standard
    unless all twelve are busy (1 - 0.5^12), not 1 - 0.5^8 as weighing only the nearest eight would say."""
    from bluelight.analysis.summary import busy_candidates, busy_response

    times = np.full((1, 12), 200.0)
    k = busy_candidates(0.5)
    padded = np.hstack([times, np.full((1, k - 12), np.inf)])
    _, within, wait = busy_response(padded, 0.5, 360.0)
    assert k == 20 and within[0] == 1 - 0.5 ** 12 and wait[0] == 0.5 ** 12
    _, capped, _ = busy_response(times[:, :8], 0.5, 360.0)
    assert capped[0] == 1 - 0.5 ** 8 < within[0]


@pytest.mark.parametrize("variability", [
    None,
    Variability(log_mean=0.02, log_sd=0.25),
    Variability(log_quantiles=(-0.5, -0.1, 0.0, 0.2, 0.9)),
    Variability(band_edges_s=(240.0, 480.0), band_quantiles=((-0.3, 0.0, 0.3), (-0.2, 0.1, 0.5), (-0.1, 0.2, 0.8)))])
def test_the_curve_is_the_modelled_share_at_every_threshold(variability):
    from bluelight.analysis.summary import share_within_curve

    rng = np.random.default_rng(4)
    t = rng.gamma(4.0, 90.0, 3000)
    t[:40], t[40:60] = np.nan, np.inf                     # off the network, unreached
    w = rng.uniform(0.5, 3.0, 3000)
    grid = np.linspace(0, 1200, 61)
    curve = share_within_curve(t, w, grid, variability=variability)
    want = [0.0] + [summarise(t, w, g, variability=variability).share_within_modelled for g in grid[1:]]
    np.testing.assert_allclose(curve, want, atol=2e-4)     # times rounded to 0.1 s
    assert curve[0] == 0.0 and np.all(np.diff(curve) >= -1e-12)
