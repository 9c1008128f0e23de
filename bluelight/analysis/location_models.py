"""Facility location models on cost matrices, solved exactly with HiGHS (highspy).

The numeric core takes a demand x candidate coverage matrix (or travel
times) and weights, like spopt, and returns the chosen candidates with the
solver's real status and optimality gap: a time-limited run is reported as
such, never as optimal. Whatever stops the solver, the answer has exactly
the posts asked for, its objective recomputed from them, the solver's best
bound and the real gap; ``time_limit_s`` is one budget for the whole solve.
When the limit comes before the solver has any solution, the answer is a
greedy-plus-interchange heuristic labelled as such (or, for the double
standard, whose constraints a heuristic cannot promise, a clear error).
Demand points with the same set of covering
candidates are merged before the model is built, which makes the models
much smaller on real networks without changing their optimum.

Models
------
- MCLP (Church & ReVelle 1974): choose k posts to maximise demand covered
  within the threshold, given demand already covered by fixed sites.
- MEXCLP (Daskin 1983): choose k vehicles' posts (several may share a post)
  to maximise expected coverage when each vehicle is busy with probability
  ``busy_fraction``: the k-th cover of a point adds (1 - q) q^(k-1) of it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np
from scipy import sparse

from bluelight.errors import AnalysisError


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

    def as_dict(self) -> dict:
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
    def stop(event) -> None:
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


def _greedy_interchange(value, gains, m: int, k: int, budget: _Budget, *, max_per_site: int = 1,
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


def coverage_matrix(times_s, threshold_s: float) -> sparse.csr_matrix:
    """Boolean demand x candidate matrix: candidate j reaches demand i within ``threshold_s``.

    Examples
    --------
    >>> coverage_matrix([[100, 500], [400, 200]], 300).toarray().tolist()
    [[True, False], [False, True]]
    """
    t = np.asarray(times_s, dtype=float)
    if t.ndim != 2:
        raise AnalysisError("times_s must be a demand x candidate matrix")
    return sparse.csr_matrix(t <= threshold_s)


def _validate(cover, weight, k: int) -> tuple[sparse.csr_matrix, np.ndarray]:
    a = sparse.csr_matrix(cover, dtype=bool)
    w = np.asarray(weight, dtype=float)
    if w.shape != (a.shape[0],):
        raise AnalysisError(f"weight needs one value per demand row ({a.shape[0]}), got {w.shape}")
    if (w < 0).any() or not np.isfinite(w).all():
        raise AnalysisError("weights must be finite and non-negative")
    if not 1 <= k:
        raise AnalysisError(f"k must be at least 1, got {k}")
    return a, w


def merge_patterns(cover: sparse.csr_matrix, weight: np.ndarray, extra: np.ndarray | None = None):
    """Merge demand rows with identical coverage (and ``extra`` value), summing their weights.

    Returns the merged matrix, weights and extra values; rows that no
    candidate covers or that weigh nothing are dropped.
    """
    a = cover.tocsr()
    a.sort_indices()
    keys = {}
    rows, weights, extras = [], [], []
    for i in range(a.shape[0]):
        if weight[i] <= 0:
            continue
        cols = a.indices[a.indptr[i]:a.indptr[i + 1]]
        if len(cols) == 0:
            continue
        key = (cols.tobytes(), None if extra is None else extra[i])
        if key in keys:
            weights[keys[key]] += weight[i]
        else:
            keys[key] = len(rows)
            rows.append(cols)
            weights.append(float(weight[i]))
            extras.append(None if extra is None else extra[i])
    indptr = np.concatenate([[0], np.cumsum([len(r) for r in rows])]).astype(np.int64)
    indices = np.concatenate(rows) if rows else np.empty(0, dtype=np.int64)
    merged = sparse.csr_matrix((np.ones(len(indices), dtype=bool), indices, indptr), shape=(len(rows), a.shape[1]))
    return merged, np.array(weights), (None if extra is None else np.array(extras))


@dataclass(frozen=True)
class _Solved:
    x: np.ndarray | None          # the solver's solution or incumbent; None if it stopped with none
    bound: float | None           # best bound on the optimum
    stop: str                     # "optimal", "time limit"...
    solve_s: float


def _solve(costs, col_lower, col_upper, integer_cols: int, a_rows: sparse.csr_matrix, row_lower, row_upper, *,
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


def _counts(x: np.ndarray, m: int, k: int, value, *, max_per_site: int = 1) -> np.ndarray:
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


def mclp(cover, weight, k: int, *, fixed_covered=None, time_limit_s: float = 60.0,
         mip_rel_gap: float = 0.0) -> LocationResult:
    """Maximal covering: choose ``k`` candidates to cover the most weight not already covered.

    Parameters
    ----------
    cover
        Demand x candidate boolean matrix (see :func:`coverage_matrix`).
    fixed_covered
        Boolean per demand row: already covered by fixed sites (existing stations).

    Examples
    --------
    >>> cover = coverage_matrix([[100, 500, 900], [400, 200, 900], [900, 250, 100]], 300)
    >>> r = mclp(cover, [5.0, 3.0, 4.0], 1)
    >>> r.chosen.tolist(), r.objective, r.status
    ([1], 7.0, 'optimal')
    """
    budget = _Budget(time_limit_s)
    a, w = _validate(cover, weight, k)
    m = a.shape[1]
    if k > m:
        raise AnalysisError(f"k ({k}) is more than the {m} candidates")
    if fixed_covered is not None:
        w = np.where(np.asarray(fixed_covered, bool), 0.0, w)
    merged, mw, _ = merge_patterns(a, w)
    n = merged.shape[0]
    build_s = time.perf_counter() - budget.t0
    if n == 0:      # nothing left to cover: every choice is as good, and none is "optimal" in a useful sense
        return LocationResult("mclp", np.arange(k), 0.0, "no demand left to cover: the model cannot tell posts "
                              "apart (any choice covers nothing more)", 0.0, build_s, 0.0, 0, m, 0.0)
    mc = merged.tocsc().astype(float)

    mr = merged.tocsr().astype(float)

    def covered(counts) -> float:
        return float(mw[(mc @ counts.astype(float)) > 0].sum())

    def covered_gain(counts) -> np.ndarray:
        return mr.T @ (mw * ((mc @ counts.astype(float)) <= 0))

    # columns: x_j (m, binary), y_i (n, continuous in [0, 1]); rows: y_i - sum_j a_ij x_j <= 0, sum x = k
    coo = merged.tocoo()
    rows = np.concatenate([np.arange(n), coo.row, np.full(m, n)])
    cols = np.concatenate([m + np.arange(n), coo.col, np.arange(m)])
    vals = np.concatenate([np.ones(n), -np.ones(coo.nnz), np.ones(m)])
    mat = sparse.csr_matrix((vals, (rows, cols)), shape=(n + 1, m + n))
    build_s = time.perf_counter() - budget.t0
    return _covering_result("mclp", covered, covered_gain, budget, build_s, n, m, k, mip_rel_gap, lambda left: _solve(
        np.concatenate([np.zeros(m), mw]), np.zeros(m + n), np.ones(m + n), m, mat,
        np.concatenate([np.full(n, -np.inf), [k]]), np.concatenate([np.zeros(n), [k]]), maximise=True,
        time_limit_s=left, mip_rel_gap=mip_rel_gap))


#: share of a covering model's budget given to the solver; the rest is kept for the heuristic if it stops short
SOLVER_SHARE = 0.9


def _covering_result(model: str, value, gains, budget: _Budget, build_s: float, n: int, m: int, k: int,
                     tolerance: float, solve, *, max_per_site: int = 1) -> LocationResult:
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
    use_greedy = counts is None or value(greedy) > value(counts) + 1e-9 * max(abs(value(counts)), 1.0)
    best = greedy if use_greedy else counts
    return _result(model, best, value(best), solved, "time limit", tolerance=tolerance, build_s=build_s,
                   n=n, m=m, heuristic=use_greedy)


def mexclp(cover, weight, k: int, busy_fraction: float, *, fixed_count=None, max_per_site: int = 1,
           time_limit_s: float = 60.0, mip_rel_gap: float = 0.0) -> LocationResult:
    """Expected covering: post ``k`` vehicles (up to ``max_per_site`` a post) to maximise expected cover.

    Parameters
    ----------
    busy_fraction
        Probability q that a vehicle is busy; a point covered by c vehicles is
        covered with probability 1 - q^c.
    fixed_count
        Per demand row, how many fixed (existing) vehicles already cover it.

    Examples
    --------
    >>> cover = coverage_matrix([[100, 500], [400, 200]], 300)
    >>> r = mexclp(cover, [5.0, 3.0], 2, 0.5, max_per_site=2)
    >>> sorted(r.chosen.tolist()), r.objective
    ([0, 1], 4.0)
    """
    budget = _Budget(time_limit_s)
    if not 0 <= busy_fraction < 1:
        raise AnalysisError(f"busy_fraction must be in [0, 1), got {busy_fraction}")
    a, w = _validate(cover, weight, k)
    m = a.shape[1]
    if k > m * max_per_site:
        raise AnalysisError(f"k ({k}) is more than {m} candidates x {max_per_site} vehicles each")
    fixed = np.zeros(a.shape[0], dtype=np.int64) if fixed_count is None else np.asarray(fixed_count, np.int64)
    merged, mw, mfixed = merge_patterns(a, w, extra=fixed)
    n = merged.shape[0]
    q = busy_fraction
    mc = merged.tocsc().astype(float)

    def expected(counts) -> float:            # the model's objective: the extra expected cover of the posts
        c = mc @ counts.astype(float)
        return float((mw * (q ** mfixed - q ** (mfixed + np.minimum(c, k)))).sum()) if n else 0.0

    mr = merged.tocsr().astype(float)

    def expected_gain(counts) -> np.ndarray:   # one more vehicle at j adds (1 - q) q^(covers) of each point it covers
        c = mc @ counts.astype(float)
        return mr.T @ (mw * (1 - q) * q ** (mfixed + c)) if n else np.zeros(m)

    # columns: x_j (m, integer 0..max), y_ic (n x k, continuous): c-th extra cover of i beyond its fixed ones
    # objective: sum_i w_i sum_c (1 - q) q^(fixed_i + c - 1) y_ic; rows: sum_c y_ic - sum_j a_ij x_j <= 0; sum x = k
    level = np.arange(1, k + 1)
    gain = (mw[:, None] * (1 - q) * q ** (mfixed[:, None] + level[None, :] - 1)).ravel() if n else np.empty(0)
    coo = merged.tocoo()
    y_rows = np.repeat(np.arange(n), k)
    rows = np.concatenate([y_rows, coo.row, np.full(m, n)])
    cols = np.concatenate([m + np.arange(n * k), coo.col, np.arange(m)])
    vals = np.concatenate([np.ones(n * k), -np.ones(coo.nnz), np.ones(m)])
    mat = sparse.csr_matrix((vals, (rows, cols)), shape=(n + 1, m + n * k))
    build_s = time.perf_counter() - budget.t0
    return _covering_result("mexclp", expected, expected_gain, budget, build_s, n, m, k, mip_rel_gap, lambda left: _solve(
        np.concatenate([np.zeros(m), gain]), np.zeros(m + n * k),
        np.concatenate([np.full(m, max_per_site), np.ones(n * k)]), m, mat, np.concatenate([np.full(n, -np.inf), [k]]),
        np.concatenate([np.zeros(n), [k]]), maximise=True, time_limit_s=left, mip_rel_gap=mip_rel_gap),
        max_per_site=max_per_site)


def expected_coverage(cover, weight, counts, busy_fraction: float, fixed_count=None) -> float:
    """Expected covered weight when candidate j holds ``counts[j]`` vehicles (for checking MEXCLP)."""
    a = sparse.csr_matrix(cover, dtype=float)
    c = a @ np.asarray(counts, float)
    if fixed_count is not None:
        c = c + np.asarray(fixed_count, float)
    return float(np.sum(np.asarray(weight, float) * (1 - busy_fraction ** c)))


def marginal_gain(cover, weight, k_max: int, *, fixed_covered=None, time_limit_s: float = 60.0) -> list[dict]:
    """MCLP solved for k = 1..k_max: covered weight and the gain of each extra post."""
    out, prev = [], 0.0
    for k in range(1, k_max + 1):
        r = mclp(cover, weight, k, fixed_covered=fixed_covered, time_limit_s=time_limit_s)
        out.append({"k": k, "covered": r.objective, "gain": r.objective - prev, "chosen": r.chosen.tolist(),
                    "status": r.status})
        prev = r.objective
    return out


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

    def extend(self, h: highspy.Highs, rows, targets) -> None:
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


def pmedian(times_s, weight, p: int, *, fixed_times_s=None, unreached_s: float | None = None,
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
    def cost(chosen) -> float:
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
            short = [i for i in rows if not levels.complete(i) and true[i] > levels.next_time(i) + 1e-9]
        else:            # the relaxation uses "beyond the last level" on these rows
            short = [i for i in rows if not levels.complete(i) and x[levels.z_last[i]] > 1e-9]
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


def double_standard(cover_r1, cover_r2, weight, k: int, *, alpha: float, fixed_count_r1=None,
                    fixed_covered_r2=None, max_per_site: int = 1, time_limit_s: float = 60.0,
                    mip_rel_gap: float = 0.0) -> LocationResult:
    """Double standard model (Gendreau, Laporte and Semet 1997).

    Post ``k`` vehicles so that all demand is covered within the second
    (longer) standard r2, at least ``alpha`` of demand within the first (r1),
    and the demand covered twice within r1 is largest. Existing vehicles count
    through ``fixed_count_r1`` (how many cover each row within r1) and
    ``fixed_covered_r2``. Infeasible standards raise, naming them.

    Examples
    --------
    >>> t = [[100, 500], [400, 200], [350, 600]]
    >>> r = double_standard(coverage_matrix(t, 300), coverage_matrix(t, 700), [1.0, 1.0, 1.0], 2, alpha=0.5)
    >>> sorted(r.chosen.tolist()), r.status
    ([0, 1], 'optimal')
    """
    budget = _Budget(time_limit_s)
    a1, w = _validate(cover_r1, weight, k)
    a2 = sparse.csr_matrix(cover_r2, dtype=bool)
    if a2.shape != a1.shape:
        raise AnalysisError("cover_r1 and cover_r2 must have the same shape")
    if not 0 <= alpha <= 1:
        raise AnalysisError(f"alpha must be a share in [0, 1], got {alpha}")
    n, m = a1.shape
    f1 = np.zeros(n) if fixed_count_r1 is None else np.asarray(fixed_count_r1, float)
    f2 = np.zeros(n, bool) if fixed_covered_r2 is None else np.asarray(fixed_covered_r2, bool)
    # columns: x_j (m, integer), y1_i (n, continuous), y2_i (n, binary); ordered x, y2 (integers), y1
    # rows: y1_i + y2_i - sum_{N1} x_j <= f1_i; y2_i - y1_i <= 0; sum_{N2} x_j >= 1 (rows not fixed-covered);
    #       sum w y1 >= alpha W; sum x = k
    need2 = np.flatnonzero(~f2 & (w > 0))
    uncoverable = need2[np.asarray(a2[need2].sum(axis=1)).ravel() == 0]
    if len(uncoverable):
        raise AnalysisError(f"the second standard cannot be met: {len(uncoverable)} demand rows "
                            f"(weight {w[uncoverable].sum():.1f}) have no candidate or existing site within it")
    c1 = a1.tocoo()
    x, y2, y1 = np.arange(m), m + np.arange(n), m + n + np.arange(n)
    blocks_r = [np.arange(n), np.arange(n), c1.row, n + np.arange(n), n + np.arange(n)]
    blocks_c = [y1, y2, c1.col, y2, y1]
    blocks_v = [np.ones(n), np.ones(n), -np.ones(c1.nnz), np.ones(n), -np.ones(n)]
    c2 = a2[need2].tocoo()
    base = 2 * n
    blocks_r += [base + c2.row, np.full(n, base + len(need2)), np.full(m, base + len(need2) + 1)]
    blocks_c += [c2.col, y1, x]
    blocks_v += [np.ones(c2.nnz), w, np.ones(m)]
    n_rows = base + len(need2) + 2
    mat = sparse.csr_matrix((np.concatenate(blocks_v), (np.concatenate(blocks_r), np.concatenate(blocks_c))),
                            shape=(n_rows, m + 2 * n))
    row_lower = np.concatenate([np.full(2 * n, -np.inf), np.ones(len(need2)), [alpha * w.sum()], [k]])
    row_upper = np.concatenate([f1, np.zeros(n), np.full(len(need2), np.inf), [np.inf], [k]])
    costs = np.concatenate([np.zeros(m), w, np.zeros(n)])
    col_upper = np.concatenate([np.full(m, max_per_site), np.ones(2 * n)])
    build_s = time.perf_counter() - budget.t0
    failed = (f"the double standard cannot be met with {k} vehicle{'s' if k > 1 else ''}: every demand point within "
              f"the second standard and {alpha:.0%} within the first")
    try:
        solved = _solve(costs, np.zeros(m + 2 * n), col_upper, m + n, mat, row_lower, row_upper, maximise=True,
                        time_limit_s=budget.left_s, mip_rel_gap=mip_rel_gap)
    except AnalysisError as exc:
        raise AnalysisError(f"{failed} ({exc})") from exc
    if solved.x is None:
        raise AnalysisError(f"the double standard found no posts meeting both standards within its time limit of "
                            f"{time_limit_s:g} s; allow more time (a heuristic cannot promise both standards)")
    a1c = a1.tocsc().astype(float)

    def twice(counts) -> float:      # the model's objective: demand covered at least twice within r1
        return float(w[(f1 + a1c @ counts.astype(float)) >= 2 - 1e-9].sum())

    counts = np.maximum(np.round(solved.x[:m]), 0).astype(np.int64)
    return _result("dsm", counts, twice(counts), solved, solved.stop, tolerance=mip_rel_gap, build_s=build_s,
                   n=n, m=m)
