import numpy as np
import pytest

from bluelight.analysis.attendance import Observations, distance_band
from bluelight.analysis.calibration import (
    band_variability,
    evaluate_models,
    fit_profile,
    modelled_times,
    osmnx_default_network,
    route_features,
    route_times,
    week_folds,
)
from bluelight.analysis.network import build_network
from bluelight.analysis.speeds import profile_from_dict
from bluelight.analysis.summary import Variability
from bluelight.foundation.errors import AnalysisError
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



TRUE_JUNCTIONS = profile_from_dict({**TRUE.to_dict(), "junction_delay_s": {"traffic_signals": 12.0}})


def _timed_obs(seed=3, n=400):
    """Calls on a grid with signals at a third of the nodes, at known hours: night turnout 100 s and drive x0.8,
    the rest 60 s and x1; station 66 turns out 40 s slower than the others."""
    ids, xs, ys, u, v, length, hw = classed_grid()
    rng = np.random.default_rng(seed)
    control = np.where(rng.random(len(ids)) < 0.33, "traffic_signals", "").astype(object)
    true_net = build_network(ids, xs, ys, u, v, length, hw, np.full(len(u), np.nan), TRUE_JUNCTIONS,
                             node_control=control)
    st = rng.choice([0, 66, 143], size=n)
    inc = rng.integers(0, true_net.n_nodes, size=n)
    keep = st != inc
    st, inc = st[keep], inc[keep]
    hour = rng.integers(0, 24, size=len(st)).astype(float)
    weekday = rng.integers(0, 7, size=len(st)).astype(float)
    week = rng.integers(1, 30, size=len(st)) + 202300
    night = (hour >= 22) | (hour < 7)
    straight = np.hypot(true_net.x_m[st] - true_net.x_m[inc], true_net.y_m[st] - true_net.y_m[inc])
    probe = Observations(st, inc, np.zeros(len(st)), straight, np.zeros(len(st)))
    drive = route_times(true_net, probe)
    actual = np.where(night, 100.0 + 0.8 * drive, 60.0 + drive) + np.where(st == 66, 40.0, 0.0)
    base_net = build_network(ids, xs, ys, u, v, length, hw, np.full(len(u), np.nan), BASE, node_control=control)
    return base_net, Observations(st, inc, actual, straight, np.zeros(len(st)), hour, weekday, week,
                                  np.array(["fire"] * len(st), dtype=object),
                                  np.array([f"S{s}" for s in st], dtype=object))


def test_fit_recovers_signal_delays_traffic_periods_and_a_slow_station():
    net, obs = _timed_obs()
    fit = fit_profile(net, obs, BASE, folds=4)
    assert fit.cv_grouping == "week"
    night, off = fit.traffic_periods["night"], fit.traffic_periods["off_peak"]
    assert night["drive_factor"] / off["drive_factor"] == pytest.approx(0.8, abs=0.03)
    assert night["turnout_s"] - off["turnout_s"] == pytest.approx(40.0, abs=5.0)
    offsets = fit.profile.station_turnout_s
    assert offsets["S66"] - offsets.get("S0", 0.0) == pytest.approx(40.0, abs=5.0)
    # the profile keeps the delay over all hours; off-peak (as the truth's 12 s) is that times off-peak's factor
    assert fit.junction_delay_s["traffic_signals"] * off["drive_factor"] == pytest.approx(12.0, abs=1.5)
    assert fit.pace_penalty in fit.penalties_tried and min(fit.penalties_tried.values()) <= fit.cv_mae_s
    assert fit.cv_mae_s < 10.0
    pred = modelled_times(net.with_profile(fit.profile), obs, fit.profile)
    assert np.abs(pred - obs.actual_s).mean() < 5.0
    cv = fit.cross_validated
    assert [r["band"] for r in cv.by_traffic_period] == ["night", "peak", "off_peak"]
    assert sum(r["n"] for r in cv.by_distance) == len(obs)


def test_route_features_count_the_controls_passed():
    net, obs = _timed_obs(n=40)
    lengths, counts = route_features(net.with_profile(TRUE_JUNCTIONS), obs, ["minor", "primary"])
    assert counts.shape == (len(obs), 8) and (counts[:, 0] >= 0).all()
    assert counts[:, 5:7].sum() > 0                                   # left and right turns counted on the grid
    kinds = net.node_kinds()
    assert counts[:, 0].sum() > 0 and (kinds == "traffic_signals").sum() > 0
    # each route is at least as long as the straight line, and (150 m blocks) no shorter than its nodes passed
    assert (lengths.sum(axis=1) >= obs.straight_m - 1e-6).all()


def test_folds_hold_out_whole_weeks():
    _, obs = _timed_obs(n=200)
    fold, grouping = week_folds(obs, 4, np.random.default_rng(0))
    assert grouping == "week"
    for w in np.unique(obs.week):
        assert len(np.unique(fold[obs.week == w])) == 1
    no_weeks = Observations(obs.station_node, obs.incident_node, obs.actual_s, obs.straight_m, obs.access_m)
    assert week_folds(no_weeks, 4, np.random.default_rng(0))[1] == "incident"


def test_spread_by_modelled_time_band():
    modelled = np.concatenate([np.full(100, 200.0), np.full(100, 600.0)])
    actual = np.concatenate([200.0 * np.exp(np.linspace(-0.1, 0.1, 100)), 600.0 * np.exp(np.linspace(-0.5, 0.5, 100))])
    var = band_variability(modelled, actual)
    short, long_ = var.band_quantiles[0], var.band_quantiles[-1]
    assert short[-1] - short[0] == pytest.approx(0.2, abs=1e-6) and long_[-1] - long_[0] == pytest.approx(1.0, abs=1e-6)
    assert var.prob_within(np.array([200.0]), 200.0 * np.exp(0.05))[0] == pytest.approx(0.75, abs=0.02)
    assert Variability.from_profile(var.to_dict()) == var
    assert distance_band(np.array([10.0, 1500.0, 3999.0, 9000.0])).tolist() == ["0-1 km", "1-2 km", "2-4 km", "4+ km"]


def test_fit_recovers_a_right_turn_penalty_and_routes_with_it():
    ids, xs, ys, u, v, length, hw = classed_grid()
    true_net = build_network(ids, xs, ys, u, v, length, hw, np.full(len(u), np.nan), TRUE)
    rng = np.random.default_rng(5)
    st, inc = rng.choice([0, 66, 143], size=300), rng.integers(0, true_net.n_nodes, size=300)
    st, inc = st[st != inc], inc[st != inc]
    straight = np.hypot(true_net.x_m[st] - true_net.x_m[inc], true_net.y_m[st] - true_net.y_m[inc])
    probe = Observations(st, inc, np.zeros(len(st)), straight, np.zeros(len(st)))
    actual = 60.0 + route_times(true_net, probe, turns={"turn_right": 20.0})
    assert (actual >= 60.0 + route_times(true_net, probe) - 1e-9).all()
    base_net = build_network(ids, xs, ys, u, v, length, hw, np.full(len(u), np.nan), BASE)
    obs = Observations(st, inc, actual, straight, np.zeros(len(st)))
    fit = fit_profile(base_net, obs, BASE, folds=4)
    assert fit.turn_penalty_s.get("turn_right", 0.0) > 10.0
    assert fit.turn_penalty_s.get("turn_left", 0.0) < fit.turn_penalty_s["turn_right"] / 2
    pred = modelled_times(base_net.with_profile(fit.profile), obs, fit.profile)      # routed paying the turns
    assert np.abs(pred - actual).mean() < 10.0
