"""Shared facility siting against enumeration and a hand-checked case."""

from itertools import combinations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bluelight.analysis.facility_siting import rank_single, site_facilities
from bluelight.foundation.errors import AnalysisError


def test_single_facility_hand_case():
    # three stations on a line at 0, 10 and 30 min from the left; candidates at the left station and at 10 min
    t = np.array([[0, 600], [600, 0], [1800, 1200]], float)
    trips = np.array([12.0, 12.0, 24.0])
    ranked = rank_single(t, trips, annual_cost_gbp=[100_000, np.nan], value_of_time_gbp_per_hour=50.0)
    best = ranked.iloc[0]
    # candidate 1: (12 x 600 + 24 x 1200) s one way x 2 = 20 h; candidate 0: (12 x 600 + 24 x 1800) x 2 = 28 h
    assert best["candidate"] == 1 and best["trip_hours_per_year"] == pytest.approx(20.0)
    assert ranked.iloc[1]["generalised_cost_gbp_per_year"] == pytest.approx(100_000 + 28.0 * 50)
    assert np.isnan(best["generalised_cost_gbp_per_year"])                   # its cost is not recorded
    worst = site_facilities(t, trips, 1, objective="worst")
    assert worst.chosen.tolist() == [1] and worst.worst_trip_s == 1200


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 3))
def test_k_facilities_match_enumeration(seed, k):
    rng = np.random.default_rng(seed)
    t = rng.integers(60, 3000, size=(9, 5)).astype(float)
    w = rng.integers(1, 20, 9).astype(float)
    combos = list(combinations(range(5), k))
    best_total = min((w * t[:, list(c)].min(axis=1)).sum() for c in combos)
    best_worst = min(t[:, list(c)].min(axis=1).max() for c in combos)
    total = site_facilities(t, w, k, objective="total")
    assert total.trip_hours_per_year == pytest.approx(best_total * 2 / 3600)
    worst = site_facilities(t, w, k, objective="worst")
    assert worst.worst_trip_s == pytest.approx(best_worst)
    # among the plans with the least worst trip, the least total
    tie = min((w * t[:, list(c)].min(axis=1)).sum() for c in combos if t[:, list(c)].min(axis=1).max() <= best_worst)
    assert worst.trip_hours_per_year == pytest.approx(tie * 2 / 3600)


def test_bad_inputs():
    with pytest.raises(AnalysisError, match="objective"):
        site_facilities(np.ones((2, 2)), np.ones(2), 1, objective="nicest")
    with pytest.raises(AnalysisError, match="reach no candidate"):
        site_facilities(np.array([[np.inf, np.inf], [1, 2]]), np.ones(2), 1)
