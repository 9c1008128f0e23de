"""Facility location models on cost matrices, solved exactly with HiGHS (highspy).

The numeric core takes a demand x candidate coverage matrix (or travel
times) and weights, like spopt, and returns the chosen candidates with the
solver's real status and optimality gap: a time-limited run is reported as
such, never as optimal. Demand points with the same set of covering
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
    status: str                   # "optimal", or what stopped the solver (e.g. "time limit reached")
    mip_gap: float
    build_s: float
    solve_s: float
    n_demand_rows: int            # after merging identical coverage patterns
    n_candidates: int

    @property
    def optimal(self) -> bool:
        return self.status == "optimal"

    def as_dict(self) -> dict:
        return {"model": self.model, "chosen": self.chosen.tolist(), "objective": self.objective,
                "status": self.status, "mip_gap": self.mip_gap, "build_s": self.build_s, "solve_s": self.solve_s,
                "n_demand_rows": self.n_demand_rows, "n_candidates": self.n_candidates}


def coverage_matrix(times_s, threshold_s: float) -> sparse.csr_matrix:
    """Boolean demand x candidate matrix: candidate j reaches demand i within ``threshold_s``."""
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


def _solve(costs, col_lower, col_upper, integer_cols: int, a_rows: sparse.csr_matrix, row_lower, row_upper, *,
           maximise: bool, time_limit_s: float, mip_rel_gap: float) -> tuple[np.ndarray, float, str, float, float]:
    """Pass a MIP (the first ``integer_cols`` columns integer) to HiGHS and solve it."""
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
    h.setOptionValue("time_limit", float(time_limit_s))
    h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    h.setOptionValue("threads", 1)
    h.passModel(lp)
    t0 = time.perf_counter()
    h.run()
    solve_s = time.perf_counter() - t0
    status = h.getModelStatus()
    info = h.getInfo()
    if status == highspy.HighsModelStatus.kOptimal:
        text = "optimal"
    else:
        text = h.modelStatusToString(status).lower()
        if info.primal_solution_status != 2:    # no feasible solution to report
            raise AnalysisError(f"HiGHS stopped without a feasible solution: {text}")
    x = np.asarray(h.getSolution().col_value)
    return x, float(info.objective_function_value), text, float(info.mip_gap), solve_s


def mclp(cover, weight, k: int, *, fixed_covered=None, time_limit_s: float = 60.0,
         mip_rel_gap: float = 0.0) -> LocationResult:
    """Maximal covering: choose ``k`` candidates to cover the most weight not already covered.

    Parameters
    ----------
    cover
        Demand x candidate boolean matrix (see :func:`coverage_matrix`).
    fixed_covered
        Boolean per demand row: already covered by fixed sites (existing stations).
    """
    t0 = time.perf_counter()
    a, w = _validate(cover, weight, k)
    m = a.shape[1]
    if k > m:
        raise AnalysisError(f"k ({k}) is more than the {m} candidates")
    if fixed_covered is not None:
        w = np.where(np.asarray(fixed_covered, bool), 0.0, w)
    merged, mw, _ = merge_patterns(a, w)
    n = merged.shape[0]
    # columns: x_j (m, binary), y_i (n, continuous in [0, 1]); rows: y_i - sum_j a_ij x_j <= 0, sum x = k
    coo = merged.tocoo()
    rows = np.concatenate([np.arange(n), coo.row, np.full(m, n)])
    cols = np.concatenate([m + np.arange(n), coo.col, np.arange(m)])
    vals = np.concatenate([np.ones(n), -np.ones(coo.nnz), np.ones(m)])
    mat = sparse.csr_matrix((vals, (rows, cols)), shape=(n + 1, m + n))
    build_s = time.perf_counter() - t0
    if n == 0:
        return LocationResult("mclp", np.arange(k), 0.0, "optimal", 0.0, build_s, 0.0, 0, m)
    x, obj, status, gap, solve_s = _solve(np.concatenate([np.zeros(m), mw]), np.zeros(m + n), np.ones(m + n), m,
                                          mat, np.concatenate([np.full(n, -np.inf), [k]]),
                                          np.concatenate([np.zeros(n), [k]]), maximise=True,
                                          time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap)
    chosen = np.flatnonzero(x[:m] > 0.5)
    return LocationResult("mclp", chosen, obj, status, gap, build_s, solve_s, n, m)


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
    """
    t0 = time.perf_counter()
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
    build_s = time.perf_counter() - t0
    x, obj, status, gap, solve_s = _solve(np.concatenate([np.zeros(m), gain]), np.zeros(m + n * k),
                                          np.concatenate([np.full(m, max_per_site), np.ones(n * k)]), m, mat,
                                          np.concatenate([np.full(n, -np.inf), [k]]),
                                          np.concatenate([np.zeros(n), [k]]), maximise=True,
                                          time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap)
    counts = np.round(x[:m]).astype(int)
    return LocationResult("mexclp", np.repeat(np.arange(m), counts), obj, status, gap, build_s, solve_s, n, m)


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
