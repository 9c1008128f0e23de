"""p-median (analysis.pmedian): Elloumi's formulation against enumeration, and a case worked by hand."""

from itertools import combinations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bluelight.analysis.pmedian import pmedian
from bluelight.foundation.errors import AnalysisError


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
