"""The location solver (analysis.location_solver): models stopped by their time limit give the posts asked for, a
true objective, an honest gap, within the budget; "optimal" means proven."""

from __future__ import annotations

import time

import numpy as np
import pytest

from bluelight.analysis.facility_siting import site_facilities
from bluelight.analysis.location_models import (
    coverage_matrix,
    double_standard,
    expected_coverage,
    mclp,
    mexclp,
    pmedian,
)
from bluelight.foundation.errors import AnalysisError

#: allowance over the budget: the model build and Python around the solver
MARGIN_S = 0.5


def _times(seed: int, n: int, m: int) -> np.ndarray:
    """Euclidean times between random demand and candidate points: instances that need branching."""
    rng = np.random.default_rng(seed)
    d, c = rng.uniform(0, 10_000, (n, 2)), rng.uniform(0, 10_000, (m, 2))
    return np.linalg.norm(d[:, None, :] - c[None, :, :], axis=2) / 10.0


def _timed(fn, *args, **kwargs):
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t0


def _check(r, k: int, value: float, *, maximise: bool, budget_s: float, elapsed_s: float):
    assert len(r.chosen) == k
    assert r.objective == pytest.approx(value, rel=1e-9, abs=1e-6)       # recomputed from the posts
    assert elapsed_s <= budget_s + MARGIN_S
    assert r.status == "optimal" or "time limit" in r.status or "tolerance" in r.status
    if r.bound is not None:
        assert (r.bound >= r.objective - 1e-6) if maximise else (r.bound <= r.objective + 1e-6)
        assert r.mip_gap == pytest.approx(abs(r.bound - r.objective) / max(abs(r.objective), 1e-9), abs=1e-9)
    if r.status != "optimal":
        assert r.status.startswith(("time limit", "optimal within tolerance"))
        assert ("heuristic" in r.status) == r.heuristic


@pytest.mark.parametrize("budget_s", [1e-3, 0.05, 0.3])
def test_pmedian_at_its_limit(budget_s):
    t = _times(1, 400, 120)
    w = np.random.default_rng(2).integers(1, 50, 400).astype(float)
    r, elapsed = _timed(pmedian, t, w, 10, time_limit_s=budget_s, mip_rel_gap=0.0)
    _check(r, 10, float((w * t[:, r.chosen].min(axis=1)).sum()), maximise=False, budget_s=budget_s,
           elapsed_s=elapsed)
    assert len(set(r.chosen.tolist())) == 10


@pytest.mark.parametrize("budget_s", [1e-3, 0.05, 0.3])
def test_mclp_at_its_limit(budget_s):
    t = _times(3, 1500, 150)
    w = np.random.default_rng(4).integers(1, 50, 1500).astype(float)
    a = coverage_matrix(t, 150.0)
    r, elapsed = _timed(mclp, a, w, 8, time_limit_s=budget_s)
    _check(r, 8, float(w[a.toarray()[:, r.chosen].any(axis=1)].sum()), maximise=True, budget_s=budget_s,
           elapsed_s=elapsed)


@pytest.mark.parametrize("budget_s", [1e-3, 0.05, 0.3])
def test_mexclp_at_its_limit(budget_s):
    t = _times(5, 800, 80)
    w = np.random.default_rng(6).integers(1, 50, 800).astype(float)
    a = coverage_matrix(t, 200.0)
    r, elapsed = _timed(mexclp, a, w, 8, 0.4, max_per_site=2, time_limit_s=budget_s)
    counts = np.bincount(r.chosen, minlength=80)
    assert counts.max() <= 2
    _check(r, 8, expected_coverage(a, w, counts, 0.4), maximise=True, budget_s=budget_s, elapsed_s=elapsed)


def test_double_standard_at_its_limit_answers_or_says_why():
    t = _times(7, 600, 60)
    w = np.ones(600)
    a1, a2 = coverage_matrix(t, 250.0), coverage_matrix(t, 900.0)
    for budget_s in (1e-3, 0.3):
        t0 = time.perf_counter()
        try:
            r = double_standard(a1, a2, w, 10, alpha=0.5, time_limit_s=budget_s)
        except AnalysisError as exc:                     # no incumbent: a clear message, never a crash
            assert "time limit" in str(exc) or "cannot be met" in str(exc)
            assert time.perf_counter() - t0 <= budget_s + MARGIN_S
            continue
        counts = np.bincount(r.chosen, minlength=60)
        twice = float(w[(a1.toarray().astype(int) @ counts) >= 2].sum())
        _check(r, 10, twice, maximise=True, budget_s=budget_s, elapsed_s=time.perf_counter() - t0)


def test_facility_siting_keeps_one_budget():
    t = _times(8, 300, 60)
    for objective in ("total", "worst"):
        plan, elapsed = _timed(site_facilities, t, np.ones(300), 6, objective=objective, time_limit_s=0.2)
        assert len(plan.chosen) == 6 and elapsed <= 0.2 + 2 * MARGIN_S
        assert plan.status


def test_optimal_means_proven():
    t = _times(9, 60, 15)
    w = np.ones(60)
    exact = pmedian(t, w, 3, mip_rel_gap=0.0)
    assert exact.status == "optimal" and exact.mip_gap == pytest.approx(0.0, abs=1e-9)
    loose = pmedian(t, w, 3, mip_rel_gap=0.5)
    assert loose.status == "optimal" or loose.status.startswith("optimal within tolerance 0.5")


def test_nothing_to_cover_is_not_called_optimal():
    r = mclp(coverage_matrix(np.full((5, 4), 999.0), 100.0), np.ones(5), 2)
    assert len(r.chosen) == 2 and r.objective == 0 and not r.optimal and "cannot tell posts apart" in r.status


def test_the_watchdog_stops_highs_when_its_own_limit_is_not_kept(monkeypatch):
    """HiGHS made to ignore its time limit (as it has been seen to overrun it): the watchdog interrupts it within
    the grace period, and the answer is the best in hand with exactly p posts, labelled as stopped."""
    import time

    import highspy
    import numpy as np

    from bluelight.analysis import location_models as lm
    from bluelight.analysis.location_solver import WATCHDOG_GRACE_S

    real = highspy.Highs.setOptionValue

    def no_limit(self, name, value):                       # a HiGHS that never stops on time by itself
        return real(self, name, 1e9 if name == "time_limit" else value)

    monkeypatch.setattr(highspy.Highs, "setOptionValue", no_limit)
    rng = np.random.default_rng(1)
    xy = rng.uniform(0, 10000, (600, 2))
    sites = xy[rng.choice(600, 120, replace=False)]
    t = np.hypot(xy[:, None, 0] - sites[None, :, 0], xy[:, None, 1] - sites[None, :, 1])   # ~7 s to solve exactly
    t0 = time.perf_counter()
    r = lm.pmedian(t, np.ones(600), 12, time_limit_s=1.0)
    elapsed = time.perf_counter() - t0
    assert elapsed < 1.0 + WATCHDOG_GRACE_S + 1.5, elapsed
    assert len(r.chosen) == 12 and r.status != "optimal" and "time limit" in r.status
