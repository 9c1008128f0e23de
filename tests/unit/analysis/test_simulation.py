"""The fleet simulation on cases with known answers: Erlang's queue, the two-unit hypercube, a hand-worked replay."""

import numpy as np
import pytest

from bluelight.analysis.hypercube import exact_hypercube
from bluelight.analysis.simulation import Calls, Fleet, Travel, confidence_interval, erlang_c, simulate, summarise_run
from bluelight.foundation.errors import AnalysisError


def _poisson_calls(rng, rate_per_s: float, n: int, *, zones=1, zone_p=None):
    t = np.cumsum(rng.exponential(1 / rate_per_s, n))
    zone = rng.choice(zones, size=n, p=zone_p)
    return t, zone


def test_mmc_station_matches_erlang_c():
    # one station, 3 vehicles, no travel: an M/M/3 queue at offered load 2 (utilisation 2/3)
    rng = np.random.default_rng(1)
    mean_s, c, load = 600.0, 3, 2.0
    t, zone = _poisson_calls(rng, load / mean_s, 60_000)
    calls = Calls(t, zone, np.ones(len(t), int), rng.exponential(mean_s, len(t)))
    run = simulate(calls, Fleet([0] * c), Travel(np.zeros((1, 1)), np.zeros(1)), period_s=float(t[-1]))
    first = run.first()
    assert np.mean(run.wait_s[first] > 0) == pytest.approx(erlang_c(c, load), abs=0.015)     # 0.444
    mu, lam = 1 / mean_s, load / mean_s
    assert run.wait_s.mean() == pytest.approx(erlang_c(c, load) / (c * mu - lam), rel=0.06)  # 267 s
    assert run.busy_s.sum() / (c * run.period_s) == pytest.approx(load / c, abs=0.01)


def test_mdc_station_utilisation_and_allen_cunneen_wait():
    # deterministic service (M/D/2): utilisation is exact; the mean wait is about half the M/M/2 one
    rng = np.random.default_rng(2)
    mean_s, c, load = 900.0, 2, 1.2
    t, zone = _poisson_calls(rng, load / mean_s, 40_000)
    calls = Calls(t, zone, np.ones(len(t), int), np.full(len(t), mean_s))
    run = simulate(calls, Fleet([0, 0]), Travel(np.zeros((1, 1)), np.zeros(1)), period_s=float(t[-1]))
    assert run.busy_s.sum() / (c * run.period_s) == pytest.approx(load / c, abs=0.01)
    wq_mmc = erlang_c(c, load) / (c / mean_s - load / mean_s)
    assert run.wait_s.mean() == pytest.approx(wq_mmc * (1 + 0) / 2, rel=0.12)


def test_two_stations_cross_boundary_share_equals_the_exact_hypercube():
    # every call is in station 0's ground; station 1 answers when station 0's pump is busy (and half the queue)
    rng = np.random.default_rng(3)
    mean_s = 600.0
    t, zone = _poisson_calls(rng, 1 / mean_s, 60_000)
    calls = Calls(t, zone, np.ones(len(t), int), rng.exponential(mean_s, len(t)))
    drive = np.array([[0.0, 1e-6]])          # station 1 a hair further: station 0 is the nearest
    run = simulate(calls, Fleet([0, 1]), Travel(drive, np.zeros(2), return_s=np.zeros((1, 2))), period_s=float(t[-1]))
    summary = summarise_run(run, first_thresholds_s=(60.0,))
    exact = exact_hypercube([1 / mean_s], [[0, 1]], service_s=mean_s)
    assert exact.served_by[0, 1] == pytest.approx(5 / 12)                 # 1/4 alone + half of the 1/3 queued
    assert summary.not_nearest_share == pytest.approx(exact.served_by[0, 1], abs=0.012)
    assert run.busy_s / run.period_s == pytest.approx(exact.utilisation, abs=0.012)


def test_replay_by_hand():
    # stations 0 and 1, zone 0 is 100 s from station 0 and 300 s from station 1; turnout 60 s at both.
    # call 0 (t=0) takes station 0 until 0+160+600+100 = 860; call 1 (t=200) goes to station 1 (360 s, cross);
    # call 2 (t=300) needs 2 vehicles: none free, so both wait: station 0 clears at 860 (response 560+160 = 720),
    # station 1 clears at 200+360+600+300 = 1460 (response 1160+360 = 1520).
    drive = np.array([[100.0, 300.0]])
    calls = Calls([0.0, 200.0, 300.0], [0, 0, 0], [1, 1, 2], [600.0, 600.0, 600.0])
    run = simulate(calls, Fleet([0, 1]), Travel(drive, np.array([60.0, 60.0])), period_s=7200)
    assert run.vehicle.tolist() == [0, 1, 0, 1]
    assert run.response_s.tolist() == [160.0, 360.0, 720.0, 1520.0]
    assert run.wait_s.tolist() == [0.0, 0.0, 560.0, 1160.0]
    s = summarise_run(run, first_thresholds_s=(360.0,), second_thresholds_s=(480.0,))
    assert s.first_within[360.0] == pytest.approx(2 / 3) and s.second_within[480.0] == 0.0
    assert s.static_first_within[360.0] == 1.0                 # with station 0 always free every call is in 160 s
    assert s.not_nearest_share == pytest.approx(1 / 3) and s.queued_share == pytest.approx(1 / 3)
    # station 0 had no pump free from 0 to 860 and from 860 to 860+160+600+100 = 1720
    assert run.no_free_s[0] == pytest.approx(1720.0)
    assert run.busy_s.tolist() == [1720.0, 2520.0]          # station 1: two jobs of 360 + 600 + 300 s


def test_off_duty_vehicle_is_not_sent_and_waiting_calls_wake_when_crews_come_on():
    # an on-call pump crewed only 08:00-18:00: a 02:00 call waits until 08:00
    duty = np.zeros((1, 24), bool)
    duty[0, 8:18] = True
    calls = Calls([2 * 3600.0], [0], [1], [600.0])
    run = simulate(calls, Fleet([0], on_duty=duty), Travel(np.array([[60.0]]), np.zeros(1)), period_s=86400)
    assert run.wait_s[0] == pytest.approx(6 * 3600.0)


def test_hourly_turnout_changes_who_is_fastest():
    # station 0 is nearer but day-crewed (300 s turnout at night); station 1 is wholetime
    turnout = np.tile([60.0, 60.0], (24, 1))
    turnout[:7, 0] = 300.0
    calls = Calls([3600.0, 12 * 3600.0], [0, 0], [1, 1], [60.0, 60.0])
    run = simulate(calls, Fleet([0, 1]), Travel(np.array([[100.0, 200.0]]), turnout), period_s=86400)
    assert run.vehicle.tolist() == [1, 0]
    assert run.response_s.tolist() == [260.0, 160.0]


def test_a_call_that_may_not_wait_goes_unanswered_and_keeps_no_vehicle():
    # one pump 100 s away: a fire call at t=0 holds it until 0+100+600+100 = 800; a co-responder call at t=100
    # may not wait, so it is unanswered; a fire call at t=200 waits and is sent at 800 (response 600+100 = 700)
    calls = Calls([0.0, 100.0, 200.0], [0, 0, 0], [1, 1, 1], [600.0, 600.0, 600.0], may_wait=[True, False, True])
    run = simulate(calls, Fleet([0]), Travel(np.array([[100.0]]), np.zeros(1)), period_s=7200)
    assert run.vehicle.tolist() == [0, -1, 0]
    assert run.response_s[0] == 100.0 and np.isnan(run.response_s[1]) and run.response_s[2] == 700.0
    assert run.busy_s[0] == pytest.approx(1600.0)


def test_unreachable_call_is_counted_not_served():
    calls = Calls([0.0], [0], [1], [60.0])
    run = simulate(calls, Fleet([0]), Travel(np.array([[np.inf]]), np.zeros(1)), period_s=3600)
    assert run.vehicle.tolist() == [-1] and np.isnan(run.response_s[0])
    assert summarise_run(run).unreached_share == 1.0


@pytest.mark.parametrize("bad, message", [
    (dict(time_s=[5.0, 1.0]), "time order"),
    (dict(need=[0, 1]), "at least 1"),
    (dict(on_scene_s=[-1.0, 1.0]), "non-negative"),
    (dict(may_wait=[True]), "may_wait"),
])
def test_bad_calls_are_refused(bad, message):
    args = dict(time_s=[0.0, 1.0], zone=[0, 0], need=[1, 1], on_scene_s=[1.0, 1.0]) | bad
    with pytest.raises(AnalysisError, match=message):
        Calls(**args)


def test_bad_fleet_and_travel_are_refused():
    with pytest.raises(AnalysisError, match="beyond"):
        simulate(Calls([0.0], [0], [1], [1.0]), Fleet([3]), Travel(np.zeros((1, 1)), np.zeros(1)), period_s=10)
    with pytest.raises(AnalysisError, match="on_duty"):
        Fleet([0], on_duty=np.ones((1, 12), bool))


def test_confidence_interval_and_erlang_c():
    mean, lo, hi = confidence_interval([1.0, 2.0, 3.0])
    assert mean == 2.0 and lo == pytest.approx(2 - 4.302653 / np.sqrt(3)) and hi == pytest.approx(2 + 4.302653 / np.sqrt(3))
    assert erlang_c(1, 0.5) == pytest.approx(0.5)          # M/M/1: P(wait) = rho
    assert erlang_c(3, 2.0) == pytest.approx(4 / 9)
