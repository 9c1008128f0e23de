"""The straight-line drive model: fitted to service means, judged by leaving each service out."""

import numpy as np
import pytest

from bluelight.analysis.national import fit_drive, leave_one_out, nearest, service_terms, urban
from bluelight.foundation.errors import AnalysisError


def _services(seed=0, n_services=8, per=60):
    """LSOAs of services that differ in how far people live from stations and how urban they are."""
    rng = np.random.default_rng(seed)
    frs = np.repeat([f"S{i}" for i in range(n_services)], per)
    is_urban = rng.random(len(frs)) < np.repeat(np.linspace(0.2, 0.9, n_services), per)
    distance = np.where(is_urban, rng.uniform(300, 2500, len(frs)), rng.uniform(1000, 12000, len(frs)))
    weight = rng.uniform(1000, 2000, len(frs))
    return frs, distance, is_urban, weight


def test_fit_recovers_a_known_drive_model_from_service_means_only():
    frs, distance, is_urban, weight = _services()
    services = sorted(set(frs))
    truth = np.array([90.0, 0.09, 0.05])                        # 90 s start, 40 km/h urban, 72 km/h rural
    terms = service_terms(frs, distance, is_urban, weight, services)
    published = terms @ truth
    m = fit_drive(terms, published, min_pace_s_per_m=0.02)
    assert (m.start_s, m.urban_s_per_m, m.rural_s_per_m) == pytest.approx(tuple(truth), rel=1e-6)
    assert np.abs(leave_one_out(terms, published, min_pace_s_per_m=0.02) - published).max() < 1e-6
    assert m.drive_s(np.array([1000.0, 1000.0]), np.array([True, False])).tolist() == pytest.approx([180.0, 140.0])


def test_the_speed_bound_holds_and_too_few_services_are_refused():
    frs, distance, is_urban, weight = _services()
    terms = service_terms(frs, distance, is_urban, weight, sorted(set(frs)))
    fast = terms @ np.array([60.0, 0.001, 0.001])               # faster than any vehicle as the crow flies
    m = fit_drive(terms, fast, min_pace_s_per_m=0.0277)
    assert m.urban_s_per_m >= 0.0277 - 1e-12 and m.rural_s_per_m >= 0.0277 - 1e-12
    with pytest.raises(AnalysisError, match="at least four services"):
        fit_drive(terms[:3], fast[:3])
    with pytest.raises(AnalysisError, match="no population"):
        service_terms(frs, distance, is_urban, np.zeros(len(frs)), ["S0"])


def test_nearest_and_density():
    i, d = nearest(np.array([[0.0, 0.0], [5000.0, 0.0]]), np.array([[0.0, 300.0], [5000.0, 400.0]]))
    assert i.tolist() == [0, 1] and d.tolist() == [300.0, 400.0]
    with pytest.raises(AnalysisError, match="no sites"):
        nearest(np.zeros((1, 2)), np.zeros((0, 2)))
    town = np.array([[x, y] for x in range(0, 600, 200) for y in range(0, 600, 200)], float)   # 9 LSOAs in 0.16 km2
    farm = np.array([[60_000.0, 0.0], [70_000.0, 0.0]])
    flags = urban(np.vstack([town, farm]), np.full(11, 1500.0), density_per_km2=1000.0)
    assert flags[:9].all() and not flags[9:].any()
