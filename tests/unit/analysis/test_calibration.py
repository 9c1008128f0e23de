import numpy as np
import pytest

from bluelight.analysis.calibration import (Observations, evaluate_models, fit_profile, modelled_times,
                                  osmnx_default_network, route_times)
from bluelight.analysis.network import build_network
from bluelight.analysis.speeds import profile_from_dict
from bluelight.errors import AnalysisError
from tests.unit.analysis.graphs import grid_edges

TRUE = profile_from_dict({"name": "truth", "version": 1, "highway_kph": {"primary": 36.0, "residential": 18.0,
                          "default": 18.0}, "turnout_s": {"wholetime": 60.0, "default": 60.0}, "use_maxspeed": False})
BASE = profile_from_dict({"name": "base", "version": 1, "highway_kph": {"primary": 30.0, "residential": 30.0,
                          "default": 30.0}, "turnout_s": {"wholetime": 100.0, "default": 100.0},
                          "use_maxspeed": False})


def classed_grid(n=12, spacing=150.0):
    """A grid whose every third row is a primary road, the rest residential."""
    return grid_edges(n, spacing, row_class=lambda r: "primary" if r % 3 == 0 else "residential")


def _obs(seed=1, n=80):
    ids, xs, ys, u, v, length, hw = classed_grid()
    true_net = build_network(ids, xs, ys, u, v, length, hw, np.full(len(u), np.nan), TRUE)
    rng = np.random.default_rng(seed)
    st = rng.choice([0, 66, 143], size=n)
    inc = rng.integers(0, true_net.n_nodes, size=n)
    keep = st != inc
    st, inc = st[keep], inc[keep]
    straight = np.hypot(true_net.x_m[st] - true_net.x_m[inc], true_net.y_m[st] - true_net.y_m[inc])
    probe = Observations(st, inc, np.zeros(len(st)), straight, np.zeros(len(st)))
    actual = 60.0 + route_times(true_net, probe)
    base_net = build_network(ids, xs, ys, u, v, length, hw, np.full(len(u), np.nan), BASE)
    return base_net, Observations(st, inc, actual, straight, np.zeros(len(st)))


def test_fit_recovers_known_speeds_and_turnout():
    net, obs = _obs()
    fit = fit_profile(net, obs, BASE, folds=4)
    assert fit.turnout_s == pytest.approx(60.0, abs=1.0)
    assert fit.speeds_kph["primary"] == pytest.approx(36.0, rel=0.03)
    assert fit.speeds_kph["minor"] == pytest.approx(18.0, rel=0.03)
    assert fit.cv_mae_s < 10.0        # small folds may fold the primary class into minor
    assert fit.profile.key == "base@2"
    assert fit.profile.variability["log_sd"] < 0.1
    # the fitted profile reproduces the observations
    pred = modelled_times(net.with_profile(fit.profile), obs, fit.profile)
    assert np.abs(pred - obs.actual_s).max() < 5.0


def test_evaluation_reports_the_profile_and_two_baselines():
    net, obs = _obs()
    reports = evaluate_models(net, obs, TRUE, fixed_turnout_s=60.0)
    assert [r.name.split()[0] for r in reports] == ["profile", "osmnx", "straight"]
    assert reports[0].mae_s == pytest.approx(0.0, abs=1e-6) and reports[0].within_60s == 1.0
    assert reports[2].mae_s > reports[0].mae_s
    assert reports[0].actual_share_within_6min == pytest.approx(np.mean(obs.actual_s <= 360))


def test_osmnx_rule_imputes_class_means():
    ids = [1, 2, 3]
    net = build_network(ids, [0, 100, 200], [0, 0, 0], [1, 2, 1], [2, 3, 3], [100.0, 100.0, 100.0],
                        ["primary", "primary", "residential"], [48.0, np.nan, np.nan], BASE)
    ox_net = osmnx_default_network(net)
    speeds = 100.0 / ox_net.travel_time_s * 3.6
    assert speeds.tolist() == pytest.approx([48.0, 48.0, 48.0])   # class mean, then overall mean


def test_too_few_observations():
    net, obs = _obs(n=12)
    with pytest.raises(AnalysisError, match="at least"):
        fit_profile(net, obs, BASE)
