"""Location models against enumeration on instances small enough to try every choice."""

from itertools import combinations, combinations_with_replacement

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bluelight.analysis.location_models import (
    coverage_matrix,
    double_standard,
    expected_coverage,
    marginal_gain,
    mclp,
    merge_patterns,
    mexclp,
    pmedian,
)
from bluelight.foundation.errors import AnalysisError


def _instance(seed, n=12, m=6):
    rng = np.random.default_rng(seed)
    times = rng.uniform(0, 900, size=(n, m))
    return coverage_matrix(times, 420), rng.integers(1, 20, n).astype(float)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 4))
def test_mclp_matches_enumeration(seed, k):
    a, w = _instance(seed)
    dense = a.toarray()
    best = max(w[dense[:, list(c)].any(axis=1)].sum() for c in combinations(range(a.shape[1]), k))
    r = mclp(a, w, k)
    assert r.optimal and r.objective == pytest.approx(best)
    assert w[dense[:, r.chosen].any(axis=1)].sum() == pytest.approx(best)
    assert len(r.chosen) == k


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 4), st.sampled_from([0.0, 0.3, 0.6]))
def test_mexclp_matches_enumeration(seed, k, q):
    a, w = _instance(seed, n=10, m=4)
    fixed = np.random.default_rng(seed).integers(0, 2, a.shape[0])
    best = max(expected_coverage(a, w, np.bincount(c, minlength=4), q, fixed)
               for c in combinations_with_replacement(range(4), k))
    r = mexclp(a, w, k, q, fixed_count=fixed, max_per_site=k)
    base = expected_coverage(a, w, np.zeros(4), q, fixed)
    assert r.optimal and r.objective == pytest.approx(best - base, abs=1e-6)
    assert expected_coverage(a, w, np.bincount(r.chosen, minlength=4), q, fixed) == pytest.approx(best)


def test_fixed_sites_and_marginal_gain():
    a = coverage_matrix(np.array([[0, 999], [0, 999], [999, 0]], float), 10)
    w = np.array([5.0, 5.0, 3.0])
    assert mclp(a, w, 1).chosen.tolist() == [0]
    assert mclp(a, w, 1, fixed_covered=[True, True, False]).chosen.tolist() == [1]   # the rest is already covered
    curve = marginal_gain(a, w, 2)
    assert [c["gain"] for c in curve] == [10.0, 3.0]


def test_merge_patterns_and_bad_inputs():
    a = coverage_matrix(np.array([[0, 999], [0, 999], [999, 999]], float), 10)
    merged, mw, _ = merge_patterns(a, np.array([1.0, 2.0, 4.0]))
    assert merged.shape == (1, 2) and mw.tolist() == [3.0]          # uncovered row dropped, twins merged
    with pytest.raises(AnalysisError, match="more than"):
        mclp(a, np.ones(3), 3)
    with pytest.raises(AnalysisError, match="busy_fraction"):
        mexclp(a, np.ones(3), 1, 1.0)


def _pmedian_cost(t, w, chosen, cap):
    return float((w * np.minimum(t[:, list(chosen)].min(axis=1), cap)).sum())


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 4), st.booleans(), st.sampled_from([None, 1]))
def test_pmedian_matches_enumeration(seed, p, with_fixed, initial_levels):
    rng = np.random.default_rng(seed)
    n, m = 14, 6
    t = rng.integers(30, 900, size=(n, m)).astype(float)       # integers: ties between candidates happen
    t[rng.random((n, m)) < 0.1] = np.inf
    w = rng.integers(0, 9, n).astype(float)
    fixed = np.where(rng.random(n) < 0.4, rng.integers(100, 700, n), np.inf) if with_fixed else None
    unreached = 2 * t[np.isfinite(t)].max()
    cap = np.full(n, unreached) if fixed is None else np.minimum(fixed, unreached)
    tt = np.where(np.isfinite(t), t, unreached)
    best = min(_pmedian_cost(tt, w, c, cap) for c in combinations(range(m), p))
    r = pmedian(t, w, p, fixed_times_s=fixed, initial_levels=initial_levels)
    assert r.optimal and r.mip_gap < 1e-6 and len(r.chosen) == p
    assert r.objective == pytest.approx(best)
    assert _pmedian_cost(tt, w, r.chosen, cap) == pytest.approx(best)


def test_pmedian_hand_case():
    # two clusters and a far point; with p = 2 one post serves each cluster
    t = np.array([[10, 300, 500], [20, 280, 480], [400, 15, 30], [420, 40, 10], [900, 800, 700]], float)
    w = np.array([1, 1, 2, 2, 5], float)
    r = pmedian(t, w, 2)
    assert sorted(r.chosen.tolist()) == [0, 2] and r.objective == pytest.approx(10 + 20 + 60 + 20 + 3500)
    # an existing station serves the far point in 100 s: one post now goes where it saves most
    # (post 0: 10 + 20 + 800 + 840 + 500 = 2170; post 1: 1190; post 2: 1560)
    r = pmedian(t, w, 1, fixed_times_s=[np.inf, np.inf, np.inf, np.inf, 100.0])
    assert r.chosen.tolist() == [1] and r.objective == pytest.approx(300 + 280 + 30 + 80 + 500)
    with pytest.raises(AnalysisError, match="p must be"):
        pmedian(t, w, 4)


def _dsm_value(a1, a2, w, counts, alpha, f1, f2):
    c1 = a1 @ counts + f1
    if not ((a2 @ counts > 0) | f2 | (w == 0)).all() or w[c1 >= 1].sum() < alpha * w.sum() - 1e-9:
        return None
    return float(w[c1 >= 2].sum())


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 4), st.sampled_from([0.0, 0.5, 0.8]))
def test_double_standard_matches_enumeration(seed, k, alpha):
    rng = np.random.default_rng(seed)
    times = rng.uniform(0, 900, size=(10, 4))
    a1, a2 = coverage_matrix(times, 420).toarray(), coverage_matrix(times, 800).toarray()
    w = rng.integers(1, 9, 10).astype(float)
    f1 = rng.integers(0, 2, 10)
    f2 = f1 > 0
    values = [v for c in combinations_with_replacement(range(4), k)
              if (v := _dsm_value(a1, a2, w, np.bincount(c, minlength=4), alpha, f1, f2)) is not None]
    if not values:
        with pytest.raises(AnalysisError):
            double_standard(a1, a2, w, k, alpha=alpha, fixed_count_r1=f1, fixed_covered_r2=f2, max_per_site=k)
        return
    r = double_standard(a1, a2, w, k, alpha=alpha, fixed_count_r1=f1, fixed_covered_r2=f2, max_per_site=k)
    assert r.optimal and r.objective == pytest.approx(max(values))
    assert _dsm_value(a1, a2, w, np.bincount(r.chosen, minlength=4), alpha, f1, f2) == pytest.approx(max(values))
