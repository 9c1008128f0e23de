"""Co-responding: fire crews sent to cardiac arrests alongside the ambulance, and what the minutes are worth.

For each demand point the ambulance response and the fire response of each
station (call transfer + turnout by duty system + drive) are given; the first
to arrive starts CPR and defibrillation. Survival is turned from minutes into
probabilities with published models whose parameters stay editable:

- De Maio et al. 2003 (OPALS): s(t) = 1 / (1 + exp(-(b0 + b1 t))), t = minutes
  from the call to a defibrillator on scene; b0 = 0.679, b1 = -0.262.
- Waalewijn et al. 2001: s = 1 / (1 + exp(-(b0 + b_cpr t_cpr + b_def (t_def - t_cpr)))),
  separating the time to CPR from the further wait for a defibrillator;
  b0 = 0.04, b_cpr = -0.3, b_def = -0.14 (as used in the ambulance-location literature).
- Larsen et al. 1993, a linear per-minute decline: s = s0 - a t_cpr - b t_def - c t_als,
  s0 = 0.67, a = 0.023, b = 0.011, c = 0.021; the advanced life support time is
  the ambulance's, so a fire crew first on scene does not shorten it.

With a share of arrests getting bystander CPR after a few minutes, time to
CPR is the earlier of the bystander and the first crew.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from bluelight.foundation.errors import AnalysisError

MODEL_NAMES = ("de_maio_2003", "waalewijn_2001", "larsen_1993_linear")

DEFAULT_PARAMETERS = {
    "de_maio_2003": {"b0": 0.679, "b1": -0.262},
    "waalewijn_2001": {"b0": 0.04, "b_cpr": -0.3, "b_def": -0.14},
    "larsen_1993_linear": {"s0": 0.67, "a_cpr": 0.023, "b_def": 0.011, "c_als": 0.021},
}


@dataclass(frozen=True)
class SurvivalModel:
    """A survival model and its parameters (minutes from the call)."""

    name: str
    parameters: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.name not in MODEL_NAMES:
            raise AnalysisError(f"unknown survival model {self.name!r}; use one of {', '.join(MODEL_NAMES)}")
        missing = set(DEFAULT_PARAMETERS[self.name]) - set(self.parameters)
        if missing:
            object.__setattr__(self, "parameters", DEFAULT_PARAMETERS[self.name] | dict(self.parameters))

    def survival(self, t_cpr_min: ArrayLike, t_defib_min: ArrayLike, t_als_min: ArrayLike) -> np.ndarray:
        """Probability of survival given minutes to CPR, to defibrillation and to advanced life support."""
        p = self.parameters
        t_cpr, t_def, t_als = (np.asarray(x, float) for x in (t_cpr_min, t_defib_min, t_als_min))
        if self.name == "de_maio_2003":
            return 1.0 / (1.0 + np.exp(-(p["b0"] + p["b1"] * t_def)))
        if self.name == "waalewijn_2001":
            return 1.0 / (1.0 + np.exp(-(p["b0"] + p["b_cpr"] * t_cpr + p["b_def"] * (t_def - t_cpr))))
        return np.clip(p["s0"] - p["a_cpr"] * t_cpr - p["b_def"] * t_def - p["c_als"] * t_als, 0.0, 1.0)


@dataclass(frozen=True)
class Bystander:
    """Share of arrests with bystander CPR, and when it starts (minutes after the call)."""

    share: float = 0.0
    start_min: float = 0.0

    def __post_init__(self) -> None:
        if not 0 <= self.share <= 1 or self.start_min < 0:
            raise AnalysisError("bystander share must be in [0, 1] and its start non-negative")


def expected_survival(model: SurvivalModel, first_min: ArrayLike, ambulance_min: ArrayLike, bystander: Bystander = Bystander()) -> np.ndarray:
    """Expected survival per arrest when the first crew (with a defibrillator) arrives at ``first_min``.

    Parameters
    ----------
    model
        The survival model (its coefficients).
    first_min
        Minutes until the first crew with a defibrillator arrives.
    ambulance_min
        Minutes until the ambulance arrives.
    bystander
        Bystander CPR and defibrillation.
    """
    first = np.asarray(first_min, float)
    amb = np.asarray(ambulance_min, float)
    alone = model.survival(first, first, amb)
    if bystander.share == 0:
        return alone
    helped = model.survival(np.minimum(first, bystander.start_min), first, amb)
    return bystander.share * helped + (1 - bystander.share) * alone


def _validate(ambulance_s: ArrayLike, fire_s: ArrayLike, weight: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    amb = np.asarray(ambulance_s, float)
    fire = np.asarray(fire_s, float)
    w = np.asarray(weight, float)
    if fire.ndim != 2 or fire.shape[0] != amb.shape[0] or w.shape != amb.shape:
        raise AnalysisError("fire_s must be demand x station, with ambulance_s and weight one value per demand point")
    if (w < 0).any():
        raise AnalysisError("weights must be non-negative")
    return amb, fire, w


@dataclass(frozen=True)
class Arrivals:
    """Who arrives first at each demand point with a set of stations co-responding."""

    ambulance_s: np.ndarray
    fire_s: np.ndarray               # fastest enrolled station (inf if none reaches)
    fire_station: np.ndarray         # its index, -1 if none
    weight: np.ndarray

    @property
    def first_s(self) -> np.ndarray:
        return np.minimum(self.ambulance_s, self.fire_s)

    @property
    def fire_first(self) -> np.ndarray:
        return self.fire_s < self.ambulance_s

    @property
    def saved_s(self) -> np.ndarray:
        return np.maximum(self.ambulance_s - self.fire_s, 0.0)

    def summary(self) -> dict[str, Any]:
        """Share of demand where fire arrives first, and the minutes saved where it does."""
        w = self.weight
        ff = self.fire_first
        total = w.sum()
        timed = ff & np.isfinite(self.ambulance_s)       # minutes saved need an ambulance time to compare with
        saved = self.saved_s[timed] / 60.0
        out: dict[str, Any] = {"demand": float(total), "share_fire_first": float(w[ff].sum() / total) if total > 0 else float("nan"),
               "share_ambulance_unreached": float(w[~np.isfinite(self.ambulance_s)].sum() / total) if total > 0
               else float("nan")}
        if timed.any() and w[timed].sum() > 0:
            qs = _weighted_quantiles(saved, w[timed], [0.1, 0.25, 0.5, 0.75, 0.9])
            out |= {"minutes_saved_median": qs[2], "minutes_saved_quantiles": dict(zip(
                ["p10", "p25", "p50", "p75", "p90"], qs)),
                "minutes_saved_mean": float(np.average(saved, weights=w[timed]))}
            edges = np.arange(0, max(10, int(np.ceil(saved.max())) + 1) + 1, 1.0)
            counts, _ = np.histogram(saved, bins=edges, weights=w[timed])
            out["minutes_saved_histogram"] = {"edges_min": edges.tolist(), "demand": counts.tolist()}
        else:
            out |= {"minutes_saved_median": None, "minutes_saved_quantiles": None, "minutes_saved_mean": None,
                    "minutes_saved_histogram": None}
        return out


def _weighted_quantiles(x: np.ndarray, w: np.ndarray, qs: Sequence[float]) -> list[float]:
    order = np.argsort(x)
    cum = np.cumsum(w[order]) / w.sum()
    return [float(x[order][min(int(np.searchsorted(cum, q)), len(x) - 1)]) for q in qs]


def arrivals(ambulance_s: ArrayLike, fire_s: ArrayLike, weight: ArrayLike, enrolled: ArrayLike | None = None) -> Arrivals:
    """Arrivals with the ``enrolled`` stations (indices; default all) co-responding.

    Parameters
    ----------
    ambulance_s
        Ambulance response to each arrest.
    fire_s
        Each fire station's response to each arrest (arrests x stations).
    weight
        Arrests at each point.
    enrolled
        The stations co-responding (indices; default all).
    """
    amb, fire, w = _validate(ambulance_s, fire_s, weight)
    cols = np.arange(fire.shape[1]) if enrolled is None else np.asarray(enrolled, int)
    if len(cols) == 0:
        return Arrivals(amb, np.full(len(amb), np.inf), np.full(len(amb), -1), w)
    sub = fire[:, cols]
    best = np.argmin(sub, axis=1)
    t = sub[np.arange(len(amb)), best]
    return Arrivals(amb, t, np.where(np.isfinite(t), cols[best], -1), w)


def survivors(arr: Arrivals, model: SurvivalModel, arrests_per_year: np.ndarray,
              bystander: Bystander = Bystander()) -> dict[str, Any]:
    """Expected survivors a year without and with co-responding, and per station the survivors it adds.

    Parameters
    ----------
    arr
        The arrivals (:func:`arrivals`).
    model
        The survival model.
    arrests_per_year
        Arrests a year at each point.
    bystander
        Bystander CPR and defibrillation.
    """
    a = np.asarray(arrests_per_year, float)
    amb_min = arr.ambulance_s / 60.0
    reach = np.isfinite(arr.ambulance_s)
    without = np.where(reach, expected_survival(model, amb_min, amb_min, bystander), 0.0)
    with_fire = np.where(np.isfinite(arr.first_s), expected_survival(model, arr.first_s / 60.0,
                                                                      np.where(reach, amb_min, arr.first_s / 60.0),
                                                                      bystander), 0.0)
    extra = a * (with_fire - without)
    per_station = pd.Series(extra[arr.fire_station >= 0]).groupby(arr.fire_station[arr.fire_station >= 0]).sum()
    return {"arrests_per_year": float(a.sum()), "survivors_without": float((a * without).sum()),
            "survivors_with": float((a * with_fire).sum()), "additional_survivors": float(extra.sum()),
            "per_station": per_station, "per_point": extra}


def enrolment_curve(ambulance_s: ArrayLike, fire_s: ArrayLike, arrests_per_year: ArrayLike, model: SurvivalModel, *, n_max: int | None = None,
                    bystander: Bystander = Bystander()) -> pd.DataFrame:
    """Greedy enrolment: at each step the station that adds the most expected survivors.

    Returns one row per step: the station, the survivors it adds given those
    already enrolled (the marginal gain) and the cumulative total.

    Parameters
    ----------
    ambulance_s
        Ambulance response to each arrest.
    fire_s
        Each fire station's response (arrests x stations).
    arrests_per_year
        Arrests a year at each point.
    model
        The survival model.
    n_max
        The most stations enrolled (default: all).
    bystander
        Bystander CPR and defibrillation.
    """
    amb, fire, a = _validate(ambulance_s, fire_s, arrests_per_year)
    n_st = fire.shape[1]
    n_max = n_st if n_max is None else min(n_max, n_st)
    amb_min = amb / 60.0
    reach = np.isfinite(amb)
    base = np.where(reach, expected_survival(model, amb_min, amb_min, bystander), 0.0)
    current_first = amb.copy()
    current = base.copy()
    chosen: list[int] = []
    rows: list[dict[str, float]] = []
    total = 0.0
    for step in range(n_max):
        best_j, best_gain, best_surv, best_first = -1, -np.inf, current, current_first
        for j in range(n_st):
            if j in chosen:
                continue
            first = np.minimum(current_first, fire[:, j])
            if np.array_equal(first, current_first):
                gain, surv = 0.0, current
            else:
                als = np.where(reach, amb_min, first / 60.0)
                surv = np.where(np.isfinite(first), expected_survival(model, first / 60.0, als, bystander), 0.0)
                gain = float((a * (surv - current)).sum())
            if gain > best_gain:
                best_j, best_gain, best_surv, best_first = j, gain, surv, first
        chosen.append(best_j)
        current, current_first = best_surv, best_first
        total += best_gain
        rows.append({"step": step + 1, "station": best_j, "marginal_survivors": best_gain,
                     "cumulative_survivors": total})
    return pd.DataFrame(rows)


def fire_cover_cost(fire_times_s: np.ndarray, fire_weight: ArrayLike, threshold_s: float, busy_fraction: ArrayLike) -> pd.DataFrame:
    """What each station's co-responding costs fire cover.

    ``fire_times_s`` is fire demand x station response; ``busy_fraction`` per
    station is the share of time its appliance is away on medical calls. While
    away, demand it alone brings within ``threshold_s`` loses the standard.
    Returns per station the share of fire demand at risk while it is away and
    the expected share lost (busy fraction x that).

    Parameters
    ----------
    fire_times_s
        Fire demand x station response.
    fire_weight
        Fire demand at each point.
    threshold_s
        The fire standard.
    busy_fraction
        Per station, the share of time its appliance is away on medical calls.
    """
    t = np.asarray(fire_times_s, float)
    w = np.asarray(fire_weight, float)
    busy = np.broadcast_to(np.asarray(busy_fraction, float), (t.shape[1],))
    if t.ndim != 2 or t.shape[0] != w.shape[0]:
        raise AnalysisError("fire_times_s must be fire demand x station with one weight per row")
    total = w.sum()
    order = np.sort(t, axis=1)
    best = order[:, 0]
    second = order[:, 1] if t.shape[1] > 1 else np.full(len(w), np.inf)
    rows = []
    for j in range(t.shape[1]):
        is_best = t[:, j] <= best
        loses = is_best & (t[:, j] <= threshold_s) & (second > threshold_s)
        share = float(w[loses].sum() / total) if total > 0 else 0.0
        rows.append({"station": j, "share_at_risk_while_away": share, "busy_fraction": float(busy[j]),
                     "expected_share_lost": share * float(busy[j])})
    return pd.DataFrame(rows)


def medical_busy_fraction(arr: Arrivals, calls_per_year: np.ndarray, n_stations: int, *, time_on_scene_min: float,
                          only_when_first: bool = True) -> np.ndarray:
    """Share of the year each station's appliance spends on co-responding calls (travel both ways + scene).

    Parameters
    ----------
    arr
        The arrivals (:func:`arrivals`).
    calls_per_year
        Co-responder calls a year at each point.
    n_stations
        How many fire stations.
    time_on_scene_min
        Minutes at the scene.
    only_when_first
        Count a call only where the fire crew would arrive first.
    """
    calls = np.asarray(calls_per_year, float)
    use = arr.fire_station >= 0
    if only_when_first:
        use &= arr.fire_first
    minutes = calls[use] * (time_on_scene_min + 2 * arr.fire_s[use] / 60.0)
    per = np.bincount(arr.fire_station[use], weights=minutes, minlength=n_stations)
    return np.minimum(per / (365.25 * 24 * 60), 1.0)


def available_ambulance(ambulance_s: ArrayLike, busy_fraction: float, *, nearest: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Response of the nearest *available* ambulance as a distribution over the ``nearest`` stations.

    Each station's crew is busy with probability ``busy_fraction``
    independently, so the j-th nearest responds with probability
    (1 - q) q^(j-1); the chance that all are busy is given to the last one
    kept. Returns (times, probabilities), both demand x ``nearest``, sorted.

    Parameters
    ----------
    ambulance_s
        Each ambulance station's response to each point (points x stations).
    busy_fraction
        The share of time each station's crew is busy.
    nearest
        How many of the nearest stations are kept.
    """
    t = np.asarray(ambulance_s, float)
    if t.ndim != 2 or t.shape[1] == 0:
        raise AnalysisError("ambulance_s must be demand x station with at least one station")
    if not 0 <= busy_fraction < 1:
        raise AnalysisError(f"busy_fraction must be in [0, 1), got {busy_fraction}")
    k = min(nearest, t.shape[1])
    times = np.sort(t, axis=1)[:, :k]
    probs = (1 - busy_fraction) * busy_fraction ** np.arange(k)
    probs[-1] = busy_fraction ** (k - 1)
    return times, np.broadcast_to(probs, times.shape).copy()


def expand(times: np.ndarray, probs: np.ndarray, *arrays: ArrayLike) -> tuple[np.ndarray, ...]:
    """One row per (demand point, responding ambulance): each point's arrays repeated, weights split by
    probability, so that every function above works unchanged on expected values. Returns
    (ambulance_s, row_of_point, probability, *repeated arrays).

    Parameters
    ----------
    times
        Responses, demand x ``nearest`` (:func:`available_ambulance`).
    probs
        Their probabilities.
    """
    n, k = times.shape
    rows = np.repeat(np.arange(n), k)
    return (times.ravel(), rows, probs.ravel(), *[np.asarray(a)[rows] for a in arrays])
