"""Siting shared facilities (HQ, workshop, training centre) for the sites that travel to them.

Users (stations) make trips a year to the facility; candidates are existing
sites or any points. For one facility every candidate is ranked; for k
facilities the exact models of :mod:`analysis.location_models` are used:
p-median for the least total trip time, and a p-centre for the least worst
trip (the smallest time T for which k facilities reach every user, found by
bisection over the distinct times with a covering model, then the least
total time among the solutions that keep every user within T).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from bluelight.analysis.location_models import coverage_matrix, mclp, pmedian
from bluelight.foundation.errors import AnalysisError

OBJECTIVES = ("total", "worst")


def _validate(times_s: ArrayLike, trips: ArrayLike, annual_cost_gbp: ArrayLike | None) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    t = np.asarray(times_s, float)
    w = np.asarray(trips, float)
    if t.ndim != 2 or w.shape != (t.shape[0],):
        raise AnalysisError("times_s must be users x candidates with one trips figure per user")
    if (w < 0).any() or not np.isfinite(w).all():
        raise AnalysisError("trips must be finite and non-negative")
    cost = None if annual_cost_gbp is None else np.asarray(annual_cost_gbp, float)
    if cost is not None and cost.shape != (t.shape[1],):
        raise AnalysisError("annual_cost_gbp needs one value (or NaN) per candidate")
    return t, w, cost


def rank_single(times_s: ArrayLike, trips: ArrayLike, *, annual_cost_gbp: ArrayLike | None = None, value_of_time_gbp_per_hour: float | None = None) -> pd.DataFrame:
    """Every candidate as the one facility: trip hours a year, mean and worst trip, cost, generalised cost.

    Generalised cost = annual cost + trip hours x value of time (both ways),
    given only where both are known.

    Parameters
    ----------
    times_s
        Trip time from each origin (rows) to each candidate (columns).
    trips
        Trips a year from each origin.
    annual_cost_gbp
        Each candidate's annual cost (or None).
    value_of_time_gbp_per_hour
        Value of an hour of travel (or None: no generalised cost).
    """
    t, w, cost = _validate(times_s, trips, annual_cost_gbp)
    reach = np.isfinite(t)
    total_h = np.where(reach.all(axis=0), (w[:, None] * np.where(reach, t, 0)).sum(axis=0) * 2 / 3600, np.inf)
    mean_s = np.where(reach.all(axis=0), (w[:, None] * np.where(reach, t, 0)).sum(axis=0) / max(w.sum(), 1e-12),
                      np.inf)
    out = pd.DataFrame({"candidate": np.arange(t.shape[1]), "trip_hours_per_year": total_h,
                        "mean_trip_s": mean_s, "worst_trip_s": np.where(reach, t, np.inf).max(axis=0),
                        "users_unreached": (~reach).sum(axis=0)})
    out["annual_cost_gbp"] = cost if cost is not None else np.nan
    if value_of_time_gbp_per_hour is not None:
        out["generalised_cost_gbp_per_year"] = out["annual_cost_gbp"] + total_h * value_of_time_gbp_per_hour
    return out.sort_values(["users_unreached", "trip_hours_per_year"]).reset_index(drop=True)


@dataclass(frozen=True)
class FacilityPlan:
    chosen: np.ndarray
    objective: str
    trip_hours_per_year: float
    mean_trip_s: float
    worst_trip_s: float
    assignment: np.ndarray        # per user, index of its facility
    status: str
    annual_cost_gbp: float | None

    def as_dict(self) -> dict[str, Any]:
        return {"chosen": self.chosen.tolist(), "objective": self.objective,
                "trip_hours_per_year": self.trip_hours_per_year, "mean_trip_s": self.mean_trip_s,
                "worst_trip_s": self.worst_trip_s, "assignment": self.assignment.tolist(), "status": self.status,
                "annual_cost_gbp": self.annual_cost_gbp}


def _plan(t: np.ndarray, w: np.ndarray, chosen: np.ndarray, objective: str, status: str, cost: np.ndarray | None) -> FacilityPlan:
    sub = t[:, chosen]
    assign = np.asarray(chosen)[np.argmin(sub, axis=1)]
    best = sub.min(axis=1)
    known = cost is not None and np.isfinite(cost[chosen]).all()
    return FacilityPlan(np.asarray(chosen), objective, float((w * best).sum() * 2 / 3600),
                        float((w * best).sum() / max(w.sum(), 1e-12)), float(best.max()), assign, status,
                        float(cost[chosen].sum()) if known and cost is not None else None)


def site_facilities(times_s: ArrayLike, trips: ArrayLike, k: int, *, objective: str = "total", annual_cost_gbp: ArrayLike | None = None,
                    time_limit_s: float = 60.0) -> FacilityPlan:
    """Choose ``k`` facilities minimising total trip time (``total``) or the worst trip (``worst``).

    ``time_limit_s`` is one budget for the whole choice (every model solved on
    the way); a plan reached at the limit says so in its status.

    Parameters
    ----------
    times_s
        Trip time from each origin (rows) to each candidate (columns).
    trips
        Trips a year from each origin.
    k
        How many facilities.
    objective
        "total" trip time or the "worst" trip.
    annual_cost_gbp
        Each candidate's annual cost (or None).
    time_limit_s
        One budget for the whole choice.
    """
    t0 = time.perf_counter()

    def left() -> float:
        return max(time_limit_s - (time.perf_counter() - t0), 1e-3)

    t, w, cost = _validate(times_s, trips, annual_cost_gbp)
    if objective not in OBJECTIVES:
        raise AnalysisError(f"objective must be one of {OBJECTIVES}, got {objective!r}")
    m = t.shape[1]
    if not 1 <= k <= m:
        raise AnalysisError(f"k must be between 1 and the {m} candidates, got {k}")
    if not np.isfinite(t).any(axis=1).all():
        raise AnalysisError("some users reach no candidate within the travel-time cutoff")
    if objective == "total":
        r = pmedian(t, w, k, time_limit_s=left())
        return _plan(t, w, r.chosen, objective, r.status, cost)
    levels = np.unique(t[np.isfinite(t)])
    lo, hi = int(np.searchsorted(levels, np.max(np.nanmin(np.where(np.isfinite(t), t, np.nan), axis=1)))), \
        len(levels) - 1
    ones = np.ones(len(w))
    unproven = False
    while lo < hi:                       # smallest level at which k facilities reach everyone
        mid = (lo + hi) // 2
        r = mclp(coverage_matrix(t, levels[mid]), ones, k, time_limit_s=left())
        if r.objective >= len(w) - 1e-9:
            hi = mid
        else:                            # not reached: proven only if the bound says no choice reaches everyone
            unproven |= not (r.bound is not None and r.bound < len(w) - 1e-9)
            lo = mid + 1
    bound = levels[lo]
    r = pmedian(np.where(t <= bound, t, np.inf), w, k, unreached_s=1e3 * max(bound, 1.0), time_limit_s=left())
    status = r.status + ("; the least worst trip is not proven (a covering model stopped at the time limit)"
                         if unproven else "")
    return _plan(t, w, r.chosen, objective, status, cost)
