"""Dynamic Activation Posts: which candidate sites ambulances should wait at, on response-time matrices.

The numeric core of the DAP planner. A :class:`DapProblem` holds, for every
demand point, the response from each candidate post (drive + activation from
a standby crew) and from each existing ambulance station (which stays), the
demand weight, and which candidates may be used (opening hours in the band).
:func:`solve_posts` runs one of the location models; :func:`compliance_table`
solves for 1..n free ambulances, which gives both the marginal-gain curve and
the posts to fill at each level of availability.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from bluelight.analysis.location_models import LocationResult, coverage_matrix, double_standard, mclp, mexclp, pmedian
from bluelight.analysis.summary import Variability, summarise
from bluelight.foundation.errors import AnalysisError

MODELS = ("mclp", "mexclp", "dsm", "pmedian")


@dataclass(frozen=True)
class DapProblem:
    """Response times from candidate posts and fixed stations to weighted demand."""

    cand_s: np.ndarray          # demand x candidate response times (inf unreached)
    fixed_s: np.ndarray         # demand x existing station response times
    weight: np.ndarray          # expected or observed demand per point
    available: np.ndarray       # candidate usable in this band (opening hours)

    def __post_init__(self) -> None:
        n = len(self.weight)
        if self.cand_s.ndim != 2 or self.cand_s.shape[0] != n or self.fixed_s.shape[0] != n:
            raise AnalysisError("cand_s and fixed_s need one row per demand weight")
        if self.available.shape != (self.cand_s.shape[1],):
            raise AnalysisError("available needs one flag per candidate")

    @property
    def fixed_best_s(self) -> np.ndarray:
        return self.fixed_s.min(axis=1) if self.fixed_s.shape[1] else np.full(len(self.weight), np.inf)

    def response_s(self, posts: ArrayLike = ()) -> np.ndarray:
        """Response per demand point from the fixed stations plus ambulances at ``posts``."""
        best = self.fixed_best_s
        chosen = np.asarray(posts, dtype=int)
        if len(chosen):
            best = np.minimum(best, self.cand_s[:, chosen].min(axis=1))
        return best


@dataclass(frozen=True)
class PostSettings:
    """Which model and its parameters (all visible in the UI and the JSON)."""

    model: str = "mclp"
    threshold_s: float = 480.0
    threshold2_s: float = 900.0      # double standard: everyone within this
    alpha: float = 0.75              # double standard: share within threshold_s
    busy_fraction: float = 0.5       # MEXCLP
    max_per_site: int = 1
    time_limit_s: float = 60.0

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise AnalysisError(f"unknown model {self.model!r}; use one of {', '.join(MODELS)}")
        if not 0 < self.threshold_s <= self.threshold2_s:
            raise AnalysisError("thresholds must satisfy 0 < threshold_s <= threshold2_s")
        if self.max_per_site < 1:
            raise AnalysisError("max_per_site must be at least 1")


def solve_posts(problem: DapProblem, k: int, settings: PostSettings) -> LocationResult:
    """Choose ``k`` posts among the available candidates; chosen indices refer to all candidates.

    Parameters
    ----------
    problem
        The DAP problem (demand, candidates, their times, fixed stations).
    k
        How many posts.
    settings
        The model and its parameters.
    """
    usable = np.flatnonzero(problem.available)
    per_site = settings.max_per_site if settings.model in ("mexclp", "dsm") else 1
    if k > len(usable) * per_site:
        raise AnalysisError(f"k = {k} posts but only {len(usable)} candidates are open in this band"
                            + (f" (up to {per_site} ambulances each)" if per_site > 1 else ""))
    t = problem.cand_s[:, usable]
    w = problem.weight
    fixed = problem.fixed_s
    s = settings
    if s.model == "mclp":
        r = mclp(coverage_matrix(t, s.threshold_s), w, k, fixed_covered=(fixed <= s.threshold_s).any(axis=1),
                 time_limit_s=s.time_limit_s)
    elif s.model == "mexclp":
        r = mexclp(coverage_matrix(t, s.threshold_s), w, k, s.busy_fraction,
                   fixed_count=(fixed <= s.threshold_s).sum(axis=1), max_per_site=s.max_per_site,
                   time_limit_s=s.time_limit_s)
    elif s.model == "dsm":
        r = double_standard(coverage_matrix(t, s.threshold_s), coverage_matrix(t, s.threshold2_s), w, k,
                            alpha=s.alpha, fixed_count_r1=(fixed <= s.threshold_s).sum(axis=1),
                            fixed_covered_r2=(fixed <= s.threshold2_s).any(axis=1), max_per_site=s.max_per_site,
                            time_limit_s=s.time_limit_s)
    else:
        r = pmedian(t, w, k, fixed_times_s=problem.fixed_best_s, unreached_s=max(3600.0, 2 * s.threshold2_s),
                    time_limit_s=s.time_limit_s)
    return replace(r, chosen=usable[r.chosen])


def plan_objective(problem: DapProblem, posts: ArrayLike, settings: PostSettings) -> float:
    """The model's objective for ambulances at ``posts`` (repeated for two at one post), in the model's units.

    MCLP: demand a year newly covered within the standard (beyond the fixed
    stations); MEXCLP: the expected demand a year it adds, with each vehicle
    busy ``busy_fraction`` of the time; p-median: demand-weighted seconds of
    response, unreached demand charged as the solver charges it. (The
    double standard's objective needs its solver: see :func:`solve_plan`.)

    Parameters
    ----------
    problem
        The DAP problem.
    posts
        The candidate rows posted (repeated for two at one post).
    settings
        The model and its parameters.
    """
    posts = np.asarray(posts, dtype=int)
    w, t = problem.weight, settings.threshold_s
    cand = problem.cand_s[:, posts]
    if settings.model == "mclp":
        fixed_cov = (problem.fixed_s <= t).any(axis=1)
        return float(w[(cand <= t).any(axis=1) & ~fixed_cov].sum()) if len(posts) else 0.0
    if settings.model == "mexclp":
        q = settings.busy_fraction
        f = (problem.fixed_s <= t).sum(axis=1)
        c = (cand <= t).sum(axis=1)
        return float((w * (q ** f - q ** (f + c))).sum())
    if settings.model == "pmedian":
        unreached = max(3600.0, 2 * settings.threshold2_s)
        best = problem.response_s(posts)
        return float((w * np.where(np.isfinite(best), np.minimum(best, unreached), unreached)).sum())
    raise AnalysisError("the double standard model's objective comes from its solver; use mclp, mexclp or pmedian")


def solve_plan(problem: DapProblem, k: int, settings: PostSettings, *, forced: Sequence[int] = (), excluded: Sequence[int] = ()) -> LocationResult:
    """:func:`solve_posts` with some candidates forced into the plan and some kept out.

    A forced post is treated as a station (its ambulance is there whatever the
    model chooses) and the model places the other ``k - len(forced)``; the
    objective reported is the whole plan's.

    Parameters
    ----------
    problem
        The DAP problem.
    k
        How many posts in all.
    settings
        The model and its parameters.
    forced
        Candidates that must be posted.
    excluded
        Candidates that may not be.
    """
    forced = [int(j) for j in forced]
    avail = problem.available.copy()
    avail[list(excluded)] = False
    if len(set(forced)) != len(forced):
        raise AnalysisError("a post is forced twice")
    if any(not problem.available[j] for j in forced):
        raise AnalysisError("a forced post is not open in this band")
    if set(forced) & {int(j) for j in excluded}:
        raise AnalysisError("a post cannot be both forced and excluded")
    if len(forced) > k:
        raise AnalysisError(f"{len(forced)} posts are forced but only k = {k} ambulances are posted")
    avail[forced] = False
    reduced = DapProblem(problem.cand_s, np.hstack([problem.fixed_s, problem.cand_s[:, forced]]),
                         problem.weight, avail)
    if k == len(forced):
        r = LocationResult(settings.model, np.zeros(0, dtype=int), 0.0, "optimal", 0.0, 0.0, 0.0, 0,
                           int(avail.sum()))
    else:
        r = solve_posts(reduced, k - len(forced), settings)
    chosen = np.concatenate([np.asarray(forced, dtype=int), r.chosen]).astype(int)
    objective = r.objective if settings.model == "dsm" else plan_objective(problem, chosen, settings)
    return replace(r, chosen=chosen, objective=objective)


def nested_plans(problem: DapProblem, n_max: int, settings: PostSettings, *, forced: Sequence[int] = (),
                 excluded: Sequence[int] = (), names: Sequence[str] | None = None, variability: Variability | None = None,
                 optimum: pd.DataFrame | None = None
                 ) -> pd.DataFrame:
    """A fill order: posts added one at a time, each the best addition to those before (so the n-post plan
    contains the (n-1)-post plan), with what nesting costs against the independent optimum of each n.

    Forced posts come first, in the order given. ``optimum`` is the
    :func:`compliance_table` of the same problem (its objectives).

    Parameters
    ----------
    problem
        The DAP problem.
    n_max
        The most posts.
    settings
        The model and its parameters.
    forced
        Candidates posted first, in this order.
    excluded
        Candidates that may not be posted.
    names
        Each candidate's name (default: its index).
    variability
        The travel model's spread.
    optimum
        The :func:`compliance_table` of the same problem (or None).
    """
    if settings.model == "dsm":
        raise AnalysisError("nested plans are built for mclp, mexclp and pmedian (the double standard's alpha "
                            "constraint cannot be met one post at a time)")
    sign = -1.0 if settings.model == "pmedian" else 1.0
    avail = problem.available.copy()
    avail[list(excluded)] = False
    chosen: list[int] = []
    prev = plan_objective(problem, [], settings)
    rows = []
    per_site = settings.max_per_site if settings.model == "mexclp" else 1
    queue = [int(j) for j in forced]
    for n in range(1, n_max + 1):
        if queue:
            best = queue.pop(0)
        else:
            open_ = [j for j in np.flatnonzero(avail) if chosen.count(int(j)) < per_site]
            if not open_:
                break
            values = np.array([plan_objective(problem, chosen + [int(j)], settings) for j in open_])
            best = int(open_[int(np.argmax(sign * values))])
        chosen.append(best)
        value = plan_objective(problem, chosen, settings)
        cov = coverage_figures(problem.response_s(chosen), problem.weight, settings.threshold_s,
                               variability=variability)
        row = {"ambulances_free": n, "added": str(names[best]) if names is not None else str(best),
               "posts": ", ".join(str(names[j]) if names is not None else str(j) for j in chosen),
               "chosen": list(chosen), "objective": value, "gain": sign * (value - prev),
               "share_within": cov["share_within"], "mean_s": cov["mean_s"]}
        if optimum is not None and n <= len(optimum) and np.isfinite(optimum["objective"].iloc[n - 1]):
            best_value = float(optimum["objective"].iloc[n - 1])
            row |= {"optimum_objective": best_value, "cost_of_nesting": max(0.0, sign * (best_value - value))}
        rows.append(row)
        prev = value
    return pd.DataFrame(rows)


def expected_share_within(problem: DapProblem, posts: ArrayLike, threshold_s: float, busy_fraction: float) -> float:
    """Share of demand expected to find a free vehicle within the threshold when each is busy with
    probability ``busy_fraction`` independently (Daskin's MEXCLP measure): 1 - q^(vehicles within).

    Parameters
    ----------
    problem
        The DAP problem.
    posts
        The candidate rows posted.
    threshold_s
        The standard.
    busy_fraction
        The share of time each vehicle is busy.
    """
    count = (problem.fixed_s <= threshold_s).sum(axis=1).astype(float)
    posts = np.asarray(posts, dtype=int)
    if len(posts):
        count += (problem.cand_s[:, posts] <= threshold_s).sum(axis=1)
    w = problem.weight
    return float((w * (1 - busy_fraction ** count)).sum() / w.sum()) if w.sum() > 0 else float("nan")


def coverage_figures(response_s: np.ndarray, weight: np.ndarray, threshold_s: float, *,
                     variability: Variability | None = None) -> dict[str, Any]:
    """Share within the threshold, mean and 90th centile: the figures compared with the standards.

    Parameters
    ----------
    response_s
        Response to each demand point.
    weight
        Demand at each point.
    threshold_s
        The standard.
    variability
        The travel model's spread (or None).
    """
    s = summarise(response_s, weight, threshold_s, variability=variability)
    return {"share_within": s.share_within, "share_within_modelled": s.share_within_modelled, "mean_s": s.mean_s,
            "p90_s": s.p90_s, "demand_within": float(weight[response_s <= threshold_s].sum())}


def compliance_table(problem: DapProblem, n_max: int, settings: PostSettings, *, names: Sequence[str] | None = None,
                     variability: Variability | None = None) -> pd.DataFrame:
    """For n = 1..n_max free ambulances: which posts to fill, the objective, its gain, and the cover reached.

    The ``gain`` column is the marginal-gain curve: what the n-th ambulance adds
    (demand covered for the covering models; demand-weighted seconds saved for p-median);
    ``chosen`` holds the candidate rows posted.

    Parameters
    ----------
    problem
        The DAP problem.
    n_max
        The most free ambulances.
    settings
        The model and its parameters.
    names
        Each candidate's name (default: its index).
    variability
        The travel model's spread.
    """
    sign = -1.0 if settings.model == "pmedian" else 1.0
    rows, prev = [], _base_objective(problem, settings)
    base = coverage_figures(problem.response_s(), problem.weight, settings.threshold_s, variability=variability)
    for n in range(1, n_max + 1):
        try:
            r = solve_posts(problem, n, settings)
        except AnalysisError as exc:     # e.g. too few ambulances for the double standard: say so on its row
            rows.append({"ambulances_free": n, "posts": "", "chosen": [], "objective": np.nan, "gain": np.nan,
                         "share_within": np.nan, "share_within_gain": np.nan, "mean_s": np.nan, "p90_s": np.nan,
                         "status": str(exc), "mip_gap": np.nan})
            continue
        cov = coverage_figures(problem.response_s(r.chosen), problem.weight, settings.threshold_s,
                               variability=variability)
        label = [str(names[j]) if names is not None else str(j) for j in r.chosen]
        rows.append({"ambulances_free": n, "posts": ", ".join(label), "chosen": [int(j) for j in r.chosen],
                     "objective": r.objective,
                     "gain": sign * (r.objective - prev),
                     "share_within": cov["share_within"], "share_within_gain": cov["share_within"] -
                     base["share_within"], "mean_s": cov["mean_s"], "p90_s": cov["p90_s"], "status": r.status,
                     "mip_gap": r.mip_gap})
        prev = r.objective
    return pd.DataFrame(rows)


def _base_objective(problem: DapProblem, settings: PostSettings) -> float:
    """The objective with no posts: 0 for covering models; the fixed stations' total for p-median."""
    if settings.model != "pmedian":
        return 0.0
    best = np.minimum(problem.fixed_best_s, max(3600.0, 2 * settings.threshold2_s))
    return float((problem.weight * best).sum())


def standby_points(x_m: np.ndarray, y_m: np.ndarray, edge_u: np.ndarray, edge_v: np.ndarray, demand_x: ArrayLike, demand_y: ArrayLike, demand_w: ArrayLike, *, spacing_m: float,
                   max_points: int) -> np.ndarray:
    """Road junctions to offer as standby posts: one per ``spacing_m`` square holding demand, the junction
    nearest the square's demand-weighted centre, the squares with most demand first, at most ``max_points``.

    A junction is a node where three or more road ends meet (counting both directions of a two-way street as
    one), so a post can leave in several directions; a square with no junction offers its best-connected node.

    Parameters
    ----------
    x_m, y_m
        Node coordinates (EPSG:27700).
    edge_u, edge_v
        Each road edge's end nodes.
    demand_x, demand_y
        The demand points.
    demand_w
        Their weights.
    spacing_m
        The size of the squares.
    max_points
        The most points offered.

    Examples
    --------
    >>> import numpy as np
    >>> x, y = np.array([0., 100, 200, 100, 3000]), np.array([0., 0, 0, 100, 0])
    >>> u, v = np.array([0, 1, 1, 2]), np.array([1, 2, 3, 4])
    >>> standby_points(x, y, u, v, [90, 3050], [10, 0], [5, 1], spacing_m=1000, max_points=5).tolist()
    [1, 4]
    """
    x, y = np.asarray(x_m, float), np.asarray(y_m, float)
    if spacing_m <= 0 or max_points < 1:
        raise AnalysisError(f"spacing_m must be positive and max_points at least 1, got {spacing_m}, {max_points}")
    pairs = np.unique(np.sort(np.column_stack([edge_u, edge_v]), axis=1), axis=0)
    degree = np.bincount(pairs.ravel(), minlength=len(x))
    dx, dy, w = (np.asarray(a, float) for a in (demand_x, demand_y, demand_w))
    keep = np.isfinite(dx) & np.isfinite(dy) & (w > 0)
    dx, dy, w = dx[keep], dy[keep], w[keep]
    if not len(w):
        return np.empty(0, dtype=np.int64)
    cell = np.floor(dx / spacing_m).astype(np.int64) * 1_000_003 + np.floor(dy / spacing_m).astype(np.int64)
    node_cell = np.floor(x / spacing_m).astype(np.int64) * 1_000_003 + np.floor(y / spacing_m).astype(np.int64)
    cells, inverse = np.unique(cell, return_inverse=True)
    total = np.bincount(inverse, weights=w)
    cx, cy = np.bincount(inverse, weights=w * dx) / total, np.bincount(inverse, weights=w * dy) / total
    chosen = []
    for c in np.argsort(-total, kind="stable"):
        inside = np.flatnonzero(node_cell == cells[c])
        if inside.size == 0:
            continue
        junctions = inside[degree[inside] >= 3]
        pool = junctions if junctions.size else inside[degree[inside] == degree[inside].max()]
        d = np.hypot(x[pool] - cx[c], y[pool] - cy[c])
        chosen.append(int(pool[np.argmin(d)]))
        if len(chosen) >= max_points:
            break
    return np.asarray(chosen, dtype=np.int64)
