"""The p-median (Hakimi 1964; ReVelle & Swain 1970): p sites minimising demand-weighted travel time.

Solved exactly with HiGHS on a compact formulation over each demand point's
distinct travel-time levels, started from a greedy-plus-interchange answer
(:func:`_pmedian_heuristic`), with the shared one-budget watchdog of
:mod:`bluelight.analysis.location_solver`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

import highspy
import numpy as np
from numpy.typing import ArrayLike

from bluelight.analysis.location_solver import (
    WATCHDOG_GRACE_S,
    LocationResult,
    _Budget,
    _guard,
    _read,
    _result,
    _Solved,
)
from bluelight.foundation.errors import AnalysisError


class _Levels:
    """Per demand row, its sorted distinct candidate times below its cap, added to a HiGHS model level by level.

    Elloumi's (2010) compact p-median: for row i with distinct times
    D_1 < D_2 < ..., z_h >= 0 says "no open post within D_h";
    z_1 + sum_{j: t_ij = D_1} y_j >= 1 and z_h - z_{h-1} + sum_{j: t_ij = D_h} y_j >= 0,
    and the row costs D_1 + sum_h (D_{h+1} - D_h) z_h. Keeping only the first L
    levels charges the next distinct time to whatever lies beyond them: a
    relaxation. Extending a row only adds columns and rows, so HiGHS re-solves
    from its last basis.
    """

    def __init__(self, t: np.ndarray, w: np.ndarray, cap: np.ndarray):
        self.t, self.w, self.cap = t, w, cap
        self.order = np.argsort(t, axis=1, kind="stable")
        self.d, self.level = [], []
        for i in range(len(w)):
            ts = t[i, self.order[i]]
            below = ts < cap[i]
            d, inv = np.unique(ts[below], return_inverse=True)
            self.d.append(d)
            lev = np.full(t.shape[1], -1)
            lev[self.order[i][below]] = inv
            self.level.append(lev)
        self.n_levels = np.zeros(len(w), dtype=np.int64)
        self.z_last = np.full(len(w), -1, dtype=np.int64)
        self.offset = float(sum(w[i] * (d[0] if len(d) else cap[i]) for i, d in enumerate(self.d)))

    def complete(self, i: int) -> bool:
        return self.n_levels[i] >= len(self.d[i])

    def next_time(self, i: int) -> float:
        """What row ``i`` is charged beyond its last kept level."""
        return self.cap[i] if self.complete(i) else self.d[i][self.n_levels[i]]

    def extend(self, h: highspy.Highs, rows: Iterable[int], targets: Iterable[float]) -> None:
        """Add levels to ``rows`` up to ``targets`` (capped at each row's distinct times)."""
        col_costs, row_lower, starts, index, value = [], [], [], [], []
        z = h.getNumCol()
        nnz = 0
        for i, target in zip(rows, targets):
            a, b = int(self.n_levels[i]), int(min(target, len(self.d[i])))
            if b <= a:
                continue
            d = self.d[i]
            for lev in range(a, b):
                nxt = d[lev + 1] if lev + 1 < len(d) else self.cap[i]
                col_costs.append(self.w[i] * (nxt - d[lev]))
                js = np.flatnonzero(self.level[i] == lev)
                idx = [*js.tolist(), z] + ([int(self.z_last[i])] if lev > 0 else [])
                starts.append(nnz)
                index += idx
                value += [1.0] * (len(js) + 1) + ([-1.0] if lev > 0 else [])
                nnz += len(idx)
                row_lower.append(1.0 if lev == 0 else 0.0)
                self.z_last[i] = z
                z += 1
            self.n_levels[i] = b
        if not col_costs:
            return
        k = len(col_costs)
        h.addCols(k, np.array(col_costs), np.zeros(k), np.full(k, highspy.kHighsInf), 0,
                  np.zeros(k, np.int32), np.zeros(0, np.int32), np.zeros(0))
        h.addRows(k, np.array(row_lower), np.full(k, highspy.kHighsInf), nnz, np.array(starts, np.int32),
                  np.array(index, np.int32), np.array(value, float))


def _pmedian_heuristic(t: np.ndarray, w: np.ndarray, p: int, cap: np.ndarray, *, passes: int = 3) -> np.ndarray:
    """Greedy addition then vertex substitution (Teitz and Bart 1968): a good p-median start, not a proof."""
    n, m = t.shape
    best = cap.copy()
    chosen: list[int] = []
    for _ in range(p):
        gain = (w[:, None] * np.maximum(best[:, None] - t, 0.0)).sum(axis=0)
        gain[chosen] = -1.0
        j = int(np.argmax(gain))
        chosen.append(j)
        best = np.minimum(best, t[:, j])
    for _ in range(passes):
        improved = False
        for pos in range(p):
            others = [c for k, c in enumerate(chosen) if k != pos]
            base = np.minimum(t[:, others].min(axis=1), cap) if others else cap
            current = float((w * np.minimum(base, t[:, chosen[pos]])).sum())
            costs = (w[:, None] * np.minimum(base[:, None], t)).sum(axis=0)
            costs[chosen] = np.inf
            j = int(np.argmin(costs))
            if costs[j] < current - 1e-9 * max(current, 1.0):
                chosen[pos] = j
                improved = True
        if not improved:
            break
    return np.array(sorted(chosen))


def pmedian(times_s: ArrayLike, weight: ArrayLike, p: int, *, fixed_times_s: ArrayLike | None = None, unreached_s: float | None = None,
            initial_levels: int | None = None, time_limit_s: float = 60.0,
            mip_rel_gap: float = 1e-4) -> LocationResult:
    """p-median: open ``p`` candidates to minimise total demand-weighted response time.

    Uses Elloumi's compact formulation over each demand row's sorted distinct
    candidate times, which is exact and has about one non-zero per demand and
    candidate; it is made small by (a) charging no level beyond the time of
    the row's fastest fixed site (``fixed_times_s``: existing stations), and
    (b) keeping at first only the levels each row needs to reach its post in a
    greedy-plus-interchange solution (or ``initial_levels`` of them), which
    gives a relaxation, then doubling the levels of the rows the solution
    places beyond them until none is (after García, Labbé and Marín 2011).
    The relaxation is solved as an LP first, re-solved from its basis as rows
    grow; only if its posts are fractional does HiGHS branch.

    Parameters
    ----------
    times_s
        Demand x candidate response times; ``inf`` where unreached.
    fixed_times_s
        Per demand row, the response from sites that stay (``inf`` if none).
    unreached_s
        Time charged for demand no site reaches (default: twice the largest
        finite time), so that the objective stays finite.

    Examples
    --------
    >>> r = pmedian([[100.0, 500.0], [400.0, 200.0], [600.0, 150.0]], [1.0, 1.0, 2.0], 1)
    >>> r.chosen.tolist(), r.objective
    ([1], 1000.0)
    """
    budget = _Budget(time_limit_s)
    t0 = budget.t0
    t = np.asarray(times_s, dtype=float)
    if t.ndim != 2:
        raise AnalysisError("times_s must be a demand x candidate matrix")
    n, m = t.shape
    w = np.asarray(weight, float)
    if w.shape != (n,) or (w < 0).any() or not np.isfinite(w).all():
        raise AnalysisError(f"weight needs {n} finite non-negative values, one per demand row")
    if not 1 <= p <= m:
        raise AnalysisError(f"p must be between 1 and the {m} candidates, got {p}")
    finite = t[np.isfinite(t)]
    unreached = unreached_s if unreached_s is not None else 2.0 * (finite.max() if finite.size else 1.0)
    t = np.where(np.isfinite(t), t, unreached)
    cap = np.full(n, unreached) if fixed_times_s is None else np.minimum(
        np.where(np.isfinite(fixed_times_s), np.asarray(fixed_times_s, float), unreached), unreached)
    keep = w > 0
    t, w, cap = t[keep], w[keep], cap[keep]
    def cost(chosen: np.ndarray) -> float:
        return float((w * np.minimum(t[:, chosen].min(axis=1), cap)).sum())

    # a good start (greedy + vertex substitution), also the answer if the budget ends before HiGHS has one
    heuristic = _pmedian_heuristic(t, w, p, cap)
    if initial_levels is None:
        # enough levels for each row to reach its post in the heuristic solution, and one more
        assigned = np.minimum(t[:, heuristic].min(axis=1), cap)
        initial = (t <= assigned[:, None]).sum(axis=1) + 1
    else:
        initial = np.full(len(w), initial_levels)
    levels = _Levels(t, w, cap)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("time_limit", float(time_limit_s))
    h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    _guard(h, budget.t0 + budget.limit_s + WATCHDOG_GRACE_S)
    h.addCols(m, np.zeros(m), np.zeros(m), np.ones(m), 0, np.zeros(m, np.int32), np.zeros(0, np.int32), np.zeros(0))
    h.addRows(1, np.array([p], float), np.array([p], float), m, np.array([0], np.int32),
              np.arange(m, dtype=np.int32), np.ones(m))
    h.changeObjectiveOffset(levels.offset)
    rows = np.arange(len(w))
    levels.extend(h, rows, initial)
    build_s, solve_s = time.perf_counter() - t0, 0.0
    integer = False
    incumbent, bound, stop = None, None, "time limit"
    while budget.left_s > 0:
        # HiGHS's clock runs over all of this object's runs: its limit is what it has used plus what is left
        h.setOptionValue("time_limit", h.getRunTime() + max(budget.left_s, 1e-3))
        s0 = time.perf_counter()
        h.run()
        solve_s += time.perf_counter() - s0
        solved = _read(h, 0.0, integer=integer)
        if solved.bound is not None:      # a bound on the (relaxed) model bounds the true optimum too
            bound = solved.bound if bound is None else max(bound, solved.bound)
        if solved.x is None:
            break
        x = solved.x
        if integer:
            incumbent = np.flatnonzero(x[:m] > 0.5)
        if solved.stop != "optimal":
            break
        if integer:      # a post chosen beyond a row's kept levels: the model undercharged that row
            true = np.minimum(t[:, incumbent].min(axis=1), cap)
            short = [int(i) for i in rows if not levels.complete(int(i)) and true[i] > levels.next_time(int(i)) + 1e-9]
        else:            # the relaxation uses "beyond the last level" on these rows
            short = [int(i) for i in rows if not levels.complete(int(i)) and x[levels.z_last[i]] > 1e-9]
        if short:
            b0 = time.perf_counter()
            levels.extend(h, short, 2 * levels.n_levels[short])
            build_s += time.perf_counter() - b0
            continue
        if integer or np.all(np.minimum(x[:m], 1 - x[:m]) < 1e-7):
            incumbent, stop = np.flatnonzero(x[:m] > 0.5), "optimal"
            break
        h.changeColsIntegrality(m, np.arange(m, dtype=np.int32), np.full(m, highspy.HighsVarType.kInteger))
        # the heuristic's posts as a start: HiGHS completes the levels, and branches from a good incumbent
        h.setSolution(m, np.arange(m, dtype=np.int32), np.isin(np.arange(m), heuristic).astype(float))
        integer = True
    use_heuristic = incumbent is None or len(incumbent) != p or cost(heuristic) < cost(incumbent) - 1e-9
    chosen = np.asarray(heuristic if use_heuristic else incumbent)
    value = cost(chosen)
    if stop == "optimal" and use_heuristic:
        stop = "time limit"
    if bound is not None:
        bound = min(bound, value)        # never claim a bound above a solution in hand
    counts = np.bincount(chosen, minlength=m)
    return _result("pmedian", counts, value, _Solved(None, bound, stop, solve_s), stop, tolerance=mip_rel_gap,
                   build_s=build_s, n=h.getNumRow(), m=m, heuristic=use_heuristic)
