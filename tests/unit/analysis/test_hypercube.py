"""The approximate hypercube against the exact one, and against the simulation."""

import numpy as np
import pytest

from bluelight.analysis.hypercube import approximate_hypercube, correction_factors, exact_hypercube, preference_order
from bluelight.analysis.simulation import Calls, Fleet, Travel, erlang_c, simulate
from bluelight.foundation.errors import AnalysisError


def _random_system(seed: int, n_units: int, n_zones: int, load: float):
    rng = np.random.default_rng(seed)
    units = rng.uniform(0, 10_000, (n_units, 2))
    zones = rng.uniform(0, 10_000, (n_zones, 2))
    cost = np.hypot(zones[:, None, 0] - units[None, :, 0], zones[:, None, 1] - units[None, :, 1])
    weights = rng.gamma(2.0, size=n_zones)
    service_s = 1200.0
    rates = weights / weights.sum() * load / service_s
    return rates, preference_order(cost), service_s


@pytest.mark.parametrize("n_units, load", [(3, 1.5), (6, 3.0), (8, 5.6), (10, 4.0)])
def test_approximation_is_within_two_points_of_the_exact_hypercube(n_units, load):
    rates, prefs, service_s = _random_system(n_units, n_units, 25, load)
    exact = exact_hypercube(rates, prefs, service_s=service_s)
    approx = approximate_hypercube(rates, prefs, service_s=service_s)
    assert exact.utilisation.sum() == pytest.approx(load, rel=1e-6)            # total workload = offered load
    assert np.abs(approx.utilisation - exact.utilisation).max() < 0.02
    assert np.abs(approx.served_by - exact.served_by).max() < 0.04     # Larson reports errors of a few points
    assert approx.served_by.sum(axis=1) == pytest.approx(np.ones(25))
    assert approx.queued_share == pytest.approx(erlang_c(n_units, load))
    assert exact.queued_share == pytest.approx(erlang_c(n_units, load), abs=1e-6)


def test_correction_factors_reproduce_the_mmn_busy_distribution():
    # homogeneous units: P(first j preferred busy, next free) summed over j is P(not all busy)
    for n, rho in [(1, 0.3), (4, 0.6), (25, 0.8), (100, 0.7)]:
        q = correction_factors(n, rho)
        j = np.arange(n)
        assert float(np.sum(q * rho ** j * (1 - rho))) == pytest.approx(1 - erlang_c(n, n * rho), rel=1e-9)
    assert correction_factors(1, 0.3)[0] == pytest.approx(1.0)                  # one unit: no dependence


def test_approximation_agrees_with_the_simulation_on_five_units():
    rates, prefs, service_s = _random_system(7, 5, 12, 2.5)
    rng = np.random.default_rng(11)
    n = 80_000
    t = np.cumsum(rng.exponential(1 / rates.sum(), n))
    zone = rng.choice(len(rates), size=n, p=rates / rates.sum())
    # drive costs that give each zone its preference order, but tiny against the service time
    cost = np.empty(prefs.shape)
    np.put_along_axis(cost, prefs, np.arange(prefs.shape[1], dtype=float)[None, :].repeat(len(rates), 0) * 1e-6, 1)
    run = simulate(Calls(t, zone, np.ones(n, int), rng.exponential(service_s, n)), Fleet(np.arange(5)),
                   Travel(cost, np.zeros(5), return_s=np.zeros_like(cost)), period_s=float(t[-1]))
    approx = approximate_hypercube(rates, prefs, service_s=service_s)
    assert run.busy_s / run.period_s == pytest.approx(approx.utilisation, abs=0.025)


def test_travel_dependent_service_raises_far_units_workload():
    rates = np.array([1 / 3600, 1 / 3600])
    prefs = np.array([[0, 1], [1, 0]])
    same = approximate_hypercube(rates, prefs, service_s=1200.0)
    longer = approximate_hypercube(rates, prefs, service_s=np.array([[1200.0, 1800.0], [1200.0, 1200.0]]))
    assert same.utilisation[0] == pytest.approx(same.utilisation[1])
    assert longer.utilisation[1] > longer.utilisation[0] > same.utilisation[0] * 0.99


def test_overload_and_bad_input_are_refused():
    with pytest.raises(AnalysisError, match="grows without end"):
        approximate_hypercube([1 / 100], [[0, 1]], service_s=300.0)
    with pytest.raises(AnalysisError, match="grows without end"):
        exact_hypercube([1 / 100], [[0, 1]], service_s=300.0)
    with pytest.raises(AnalysisError, match="every unit exactly once"):
        approximate_hypercube([1 / 1000], [[0, 0]], service_s=300.0)
    with pytest.raises(AnalysisError, match="no demand"):
        approximate_hypercube([0.0], [[0, 1]], service_s=300.0)
    with pytest.raises(AnalysisError, match="more than 12"):
        exact_hypercube(np.ones(1) / 1e6, [list(range(13))], service_s=1.0)
