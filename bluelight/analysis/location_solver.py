"""HiGHS under the location models: one budget for a solve, a watchdog, and honest statuses.

A time-limited run is reported as such, never as optimal; whatever stops the
solver, the answer has exactly the posts asked for, its objective recomputed
from them, the solver's best bound and the real gap. When the limit comes
before the solver has any solution, a greedy-plus-interchange heuristic
answers, labelled as such.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import highspy
import numpy as np
from scipy import sparse

from bluelight.foundation.errors import AnalysisError


@dataclass(frozen=True)
class LocationResult:
    """A solved location model."""

    model: str
    chosen: np.ndarray            # candidate indices chosen (repeated when several vehicles share a post)
    objective: float
    status: str                   # "optimal", "optimal within tolerance 0.0001", "time limit, feasible, gap 2.7%"...
    mip_gap: float                # |objective - bound| / |objective|; NaN when no bound is known
    build_s: float
    solve_s: float
    n_demand_rows: int            # after merging identical coverage patterns
    n_candidates: int
    bound: float | None = None    # the solver's best bound on the optimum (upper when maximising)
    heuristic: bool = False       # the answer is the greedy-plus-interchange heuristic, not the solver's

    @property
    def optimal(self) -> bool:
        return self.status == "optimal"

    def as_dict(self) -> dict[str, Any]:
        return {"model": self.model, "chosen": self.chosen.tolist(), "objective": self.objective,
                "status": self.status, "mip_gap": self.mip_gap, "bound": self.bound, "heuristic": self.heuristic,
                "build_s": self.build_s, "solve_s": self.solve_s, "n_demand_rows": self.n_demand_rows,
                "n_candidates": self.n_candidates}


def _gap(value: float, bound: float | None) -> float:
    if bound is None or not np.isfinite(bound):
        return float("nan")
    return abs(bound - value) / max(abs(value), 1e-9)


def _status(stop: str, value: float, bound: float | None, *, tolerance: float, heuristic: bool = False) -> str:
    """What a user is told: optimal only when proven, else what stopped the solver and how far off it may be."""
    gap = _gap(value, bound)
    gap_text = f"gap {gap:.2%}" if np.isfinite(gap) else "gap unknown"
    if heuristic:
        return f"{stop}, heuristic (greedy + interchange), {gap_text}"
    if stop == "optimal":      # proven when bound and value agree to the solver's own absolute tolerance
        proven = bound is None or abs(bound - value) <= 1e-7 * max(1.0, abs(value))
        return "optimal" if proven else f"optimal within tolerance {tolerance:g} ({gap_text})"
    return f"{stop}, feasible, {gap_text}"


#: how far past its budget a solve may run before the watchdog interrupts HiGHS (whose own time limit has been seen
#: to overrun by more than its budget on large p-median models)
WATCHDOG_GRACE_S = 1.0


def _guard(h: highspy.Highs, deadline: float) -> None:
    """Interrupt HiGHS once ``deadline`` (``time.perf_counter``) has passed, from inside its simplex, interior
    point and branch-and-bound loops: a hard stop that does not rely on HiGHS honouring its ``time_limit``."""
    def stop(event: Any) -> None:
        if time.perf_counter() > deadline:
            event.interrupt()
    h.cbSimplexInterrupt += stop
    h.cbIpmInterrupt += stop
    h.cbMipInterrupt += stop


class _Budget:
    """One time limit for a whole solve (every re-solve and level addition together)."""

    def __init__(self, limit_s: float):
        if not limit_s > 0:
            raise AnalysisError(f"time_limit_s must be positive, got {limit_s}")
        self.limit_s = float(limit_s)
        self.t0 = time.perf_counter()

    @property
    def left_s(self) -> float:
        return self.limit_s - (time.perf_counter() - self.t0)


def _greedy_interchange(value: Callable[[np.ndarray], float], gains: Callable[..., np.ndarray], m: int, k: int, budget: _Budget, *, max_per_site: int = 1,
                        passes: int = 2) -> np.ndarray:
    """Greedy addition then vertex substitution maximising ``value(counts)``, within what is left of the budget.

    ``gains(counts)`` gives, per candidate, what one more vehicle there adds (one
    sparse product, so a step costs one pass over the matrix). Used when a
    solver stops before it has a solution, or with a worse one than this.
    """
    counts = np.zeros(m, dtype=np.int64)
    for _ in range(k):
        g = np.where(counts < max_per_site, gains(counts), -np.inf)
        counts[int(np.argmax(g))] += 1
    current = value(counts)
    for _ in range(passes):
        improved = False
        for j in np.flatnonzero(counts):
            if budget.left_s <= 0:
                return counts
            counts[j] -= 1
            g = np.where(counts < max_per_site, gains(counts), -np.inf)
            g[j] = -np.inf
            c = int(np.argmax(g))
            counts[c] += 1
            v = value(counts)
            if v > current + 1e-9 * max(abs(current), 1.0):
                current, improved = v, True
            else:
                counts[c] -= 1
                counts[j] += 1
        if not improved:
            break
    return counts



@dataclass(frozen=True)
class _Solved:
    x: np.ndarray | None          # the solver's solution or incumbent; None if it stopped with none
    bound: float | None           # best bound on the optimum
    stop: str                     # "optimal", "time limit"...
    solve_s: float


def _solve(costs: np.ndarray, col_lower: np.ndarray, col_upper: np.ndarray, integer_cols: int,
           a_rows: sparse.csr_matrix, row_lower: np.ndarray, row_upper: np.ndarray, *,
           maximise: bool, time_limit_s: float, mip_rel_gap: float) -> _Solved:
    """Pass a MIP (the first ``integer_cols`` columns integer) to HiGHS and solve it within ``time_limit_s``.

    Returns its solution, or its incumbent when it stops on the limit with one.

    Raises
    ------
    AnalysisError
        If the model is infeasible (or HiGHS fails otherwise).
    """
    csc = a_rows.tocsc()
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = len(costs), a_rows.shape[0]
    lp.col_cost_ = np.asarray(costs, float)
    lp.col_lower_, lp.col_upper_ = np.asarray(col_lower, float), np.asarray(col_upper, float)
    lp.row_lower_, lp.row_upper_ = np.asarray(row_lower, float), np.asarray(row_upper, float)
    lp.sense_ = highspy.ObjSense.kMaximize if maximise else highspy.ObjSense.kMinimize
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = csc.indptr.astype(np.int32)
    lp.a_matrix_.index_ = csc.indices.astype(np.int32)
    lp.a_matrix_.value_ = csc.data.astype(float)
    lp.integrality_ = [highspy.HighsVarType.kInteger] * integer_cols + \
        [highspy.HighsVarType.kContinuous] * (len(costs) - integer_cols)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", max(float(time_limit_s), 1e-3))
    h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    h.setOptionValue("threads", 1)
    h.passModel(lp)
    t0 = time.perf_counter()
    _guard(h, t0 + float(time_limit_s) + WATCHDOG_GRACE_S)
    h.run()
    solve_s = time.perf_counter() - t0
    return _read(h, solve_s, integer=integer_cols > 0)


_LIMITS = ("time limit reached", "iteration limit reached", "solution limit reached", "interrupted by user")


def _read(h: highspy.Highs, solve_s: float, *, integer: bool) -> _Solved:
    status = h.getModelStatus()
    info = h.getInfo()
    text = h.modelStatusToString(status).lower()
    if status == highspy.HighsModelStatus.kOptimal:
        stop = "optimal"
    elif text in _LIMITS:
        stop = "time limit" if text.startswith(("time", "interrupted")) else text
    else:
        raise AnalysisError(f"HiGHS stopped without a solution: {text}")
    has_x = stop == "optimal" or info.primal_solution_status == 2
    x = np.asarray(h.getSolution().col_value) if has_x else None
    bound = float(info.mip_dual_bound) if integer else (float(info.objective_function_value) if stop == "optimal"
                                                        else None)
    if bound is not None and not np.isfinite(bound):
        bound = None
    return _Solved(x, bound, stop, solve_s)


def _result(model: str, counts: np.ndarray, value: float, solved: _Solved | None, stop: str, *, tolerance: float,
            build_s: float, n: int, m: int, heuristic: bool = False) -> LocationResult:
    bound = solved.bound if solved is not None else None
    return LocationResult(model, np.repeat(np.arange(m), counts), float(value),
                          _status(stop, value, bound, tolerance=tolerance, heuristic=heuristic),
                          _gap(value, bound), build_s, solved.solve_s if solved else 0.0, n, m, bound, heuristic)


def _counts(x: np.ndarray, m: int, k: int, value: Callable[[np.ndarray], float], *, max_per_site: int = 1) -> np.ndarray:
    """Posts from a solution vector: exactly ``k``, topped up greedily (or trimmed) if rounding lost any."""
    counts = np.maximum(np.round(x[:m]), 0).astype(np.int64)
    while counts.sum() > k:
        j = min(np.flatnonzero(counts), key=lambda c: x[c])
        counts[j] -= 1
    while counts.sum() < k:
        trial = np.full(m, -np.inf)
        for j in np.flatnonzero(counts < max_per_site):
            counts[j] += 1
            trial[j] = value(counts)
            counts[j] -= 1
        counts[int(np.argmax(trial))] += 1
    return counts



#: share of a covering model's budget given to the solver; the rest is kept for the heuristic if it stops short
SOLVER_SHARE = 0.9


def _covering_result(model: str, value: Callable[[np.ndarray], float], gains: Callable[..., np.ndarray],
                     budget: _Budget, build_s: float, n: int, m: int, k: int,
                     tolerance: float, solve: Callable[[float], _Solved], *,
                     max_per_site: int = 1) -> LocationResult:
    """Solve a maximising covering model within the budget; the incumbent, or the heuristic if there is none."""
    solved = solve(SOLVER_SHARE * budget.left_s) if budget.left_s > 0 else None
    counts = None
    if solved is not None and solved.x is not None:
        counts = _counts(solved.x, m, k, value, max_per_site=max_per_site)
        if solved.stop == "optimal":
            return _result(model, counts, value(counts), solved, solved.stop, tolerance=tolerance,
                           build_s=build_s, n=n, m=m)
    # stopped at the limit: the incumbent, unless the heuristic (cheap beside the solve) does better
    greedy = _greedy_interchange(value, gains, m, k, budget, max_per_site=max_per_site)
    if counts is None or value(greedy) > value(counts) + 1e-9 * max(abs(value(counts)), 1.0):
        best, use_greedy = greedy, True
    else:
        best, use_greedy = counts, False
    return _result(model, best, value(best), solved, "time limit", tolerance=tolerance, build_s=build_s,
                   n=n, m=m, heuristic=use_greedy)
