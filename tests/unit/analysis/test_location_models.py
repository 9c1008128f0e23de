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
