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
from typing import Any, cast

import numpy as np
from numpy.typing import ArrayLike
from scipy import sparse

from bluelight.analysis.location_solver import LocationResult, _Budget, _covering_result, _result, _solve
from bluelight.analysis.pmedian import pmedian
from bluelight.foundation.errors import AnalysisError

__all__ = ["LocationResult", "coverage_matrix", "double_standard", "expected_coverage", "marginal_gain",
           "merge_patterns", "mclp", "mexclp", "pmedian"]


def coverage_matrix(times_s: ArrayLike, threshold_s: float) -> sparse.csr_matrix:
    """Boolean demand x candidate matrix: candidate j reaches demand i within ``threshold_s``.

    Parameters
    ----------
    times_s
        Response time of each candidate (columns) to each demand point (rows).
    threshold_s
        The standard, in seconds (a time equal to it covers).

    Examples
    --------
    >>> coverage_matrix([[100, 500], [400, 200]], 300).toarray().tolist()
    [[True, False], [False, True]]
    """
    t = np.asarray(times_s, dtype=float)
    if t.ndim != 2:
        raise AnalysisError("times_s must be a demand x candidate matrix")
    return sparse.csr_matrix(t <= threshold_s)


def _validate(cover: ArrayLike | sparse.spmatrix, weight: ArrayLike, k: int) -> tuple[sparse.csr_matrix, np.ndarray]:
    a = sparse.csr_matrix(cover, dtype=bool)
    w = np.asarray(weight, dtype=float)
    if w.shape != (a.shape[0],):
        raise AnalysisError(f"weight needs one value per demand row ({a.shape[0]}), got {w.shape}")
    if (w < 0).any() or not np.isfinite(w).all():
        raise AnalysisError("weights must be finite and non-negative")
    if not 1 <= k:
        raise AnalysisError(f"k must be at least 1, got {k}")
    return a, w


def merge_patterns(cover: sparse.csr_matrix, weight: np.ndarray, extra: np.ndarray | None = None) -> tuple[sparse.csr_matrix, np.ndarray, np.ndarray | None]:
    """Merge demand rows with identical coverage (and ``extra`` value), summing their weights.

    Returns the merged matrix, weights and extra values; rows that no
    candidate covers or that weigh nothing are dropped.

    Parameters
    ----------
    cover
        Demand x candidate coverage (sparse or dense, boolean).
    weight
        Demand weight per row.
    extra
        A value per row that must also agree to merge (or None).
    """
    a = cover.tocsr()
    a.sort_indices()
    keys: dict[tuple[bytes, object], int] = {}
    rows: list[np.ndarray] = []
    weights: list[float] = []
    extras: list[object] = []
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


def mclp(cover: ArrayLike | sparse.spmatrix, weight: ArrayLike, k: int, *, fixed_covered: ArrayLike | None = None, time_limit_s: float = 60.0,
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

    def covered(counts: np.ndarray) -> float:
        return float(mw[(mc @ counts.astype(float)) > 0].sum())

    def covered_gain(counts: np.ndarray) -> np.ndarray:
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



def mexclp(cover: ArrayLike | sparse.spmatrix, weight: ArrayLike, k: int, busy_fraction: float, *, fixed_count: ArrayLike | None = None, max_per_site: int = 1,
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
    merged, mw, extras = merge_patterns(a, w, extra=fixed)
    mfixed = cast("np.ndarray", extras)             # extra given: its merged values come back
    n = merged.shape[0]
    q = busy_fraction
    mc = merged.tocsc().astype(float)

    def expected(counts: np.ndarray) -> float:
        """The model's objective: the extra expected cover of the posts."""
        c = mc @ counts.astype(float)
        return float((mw * (q ** mfixed - q ** (mfixed + np.minimum(c, k)))).sum()) if n else 0.0

    mr = merged.tocsr().astype(float)

    def expected_gain(counts: np.ndarray) -> np.ndarray:
        """One more vehicle at j adds (1 - q) q^(covers) of each point it covers."""
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


def expected_coverage(cover: ArrayLike | sparse.spmatrix, weight: ArrayLike, counts: ArrayLike, busy_fraction: float, fixed_count: ArrayLike | None = None) -> float:
    """Expected covered weight when candidate j holds ``counts[j]`` vehicles (for checking MEXCLP).

    Parameters
    ----------
    cover
        Demand x candidate coverage.
    weight
        Demand weight per row.
    counts
        Vehicles at each candidate.
    busy_fraction
        The share of time each vehicle is busy.
    fixed_count
        Vehicles already covering each row (or None).
    """
    a = sparse.csr_matrix(cover, dtype=float)
    c = a @ np.asarray(counts, float)
    if fixed_count is not None:
        c = c + np.asarray(fixed_count, float)
    return float(np.sum(np.asarray(weight, float) * (1 - busy_fraction ** c)))


def marginal_gain(cover: ArrayLike | sparse.spmatrix, weight: ArrayLike, k_max: int, *,
                  fixed_covered: ArrayLike | None = None, time_limit_s: float = 60.0) -> list[dict[str, Any]]:
    """MCLP solved for k = 1..k_max: covered weight and the gain of each extra post.

    Parameters
    ----------
    cover
        Demand x candidate coverage.
    weight
        Demand weight per row.
    k_max
        The largest number of posts.
    fixed_covered
        Rows already covered by existing sites (or None).
    time_limit_s
        Each solve's wall-clock budget.
    """
    out: list[dict[str, Any]] = []
    prev = 0.0
    for k in range(1, k_max + 1):
        r = mclp(cover, weight, k, fixed_covered=fixed_covered, time_limit_s=time_limit_s)
        out.append({"k": k, "covered": r.objective, "gain": r.objective - prev, "chosen": r.chosen.tolist(),
                    "status": r.status})
        prev = r.objective
    return out



def double_standard(cover_r1: ArrayLike | sparse.spmatrix, cover_r2: ArrayLike | sparse.spmatrix, weight: ArrayLike, k: int, *, alpha: float, fixed_count_r1: ArrayLike | None = None,
                    fixed_covered_r2: ArrayLike | None = None, max_per_site: int = 1, time_limit_s: float = 60.0,
                    mip_rel_gap: float = 0.0) -> LocationResult:
    """Double standard model (Gendreau, Laporte and Semet 1997).

    Post ``k`` vehicles so that all demand is covered within the second
    (longer) standard r2, at least ``alpha`` of demand within the first (r1),
    and the demand covered twice within r1 is largest. Existing vehicles count
    through ``fixed_count_r1`` (how many cover each row within r1) and
    ``fixed_covered_r2``. Infeasible standards raise, naming them.

    Parameters
    ----------
    cover_r1, cover_r2
        Demand x candidate coverage within the first (shorter) and second standard.
    weight
        Demand weight per row.
    k
        How many vehicles to post.
    alpha
        The share of demand that must be covered within r1.
    fixed_count_r1
        Existing vehicles covering each row within r1 (or None).
    fixed_covered_r2
        Rows already covered within r2 (or None).
    max_per_site
        The most vehicles one post may hold.
    time_limit_s
        The solver's wall-clock budget.
    mip_rel_gap
        The relative gap at which the solver may stop.

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

    def twice(counts: np.ndarray) -> float:      # the model's objective: demand covered at least twice within r1
        return float(w[(f1 + a1c @ counts.astype(float)) >= 2 - 1e-9].sum())

    counts = np.maximum(np.round(solved.x[:m]), 0).astype(np.int64)
    return _result("dsm", counts, twice(counts), solved, solved.stop, tolerance=mip_rel_gap, build_s=build_s,
                   n=n, m=m)
