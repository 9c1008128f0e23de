"""What a planner reads off response times: shares within a standard (with the travel model's spread), the
mean and 90th centile, by area and against targets, and the response when vehicles are busy.

These take response times however they were made (a :class:`~bluelight.analysis.coverage.CoverageModel`'s
evaluation, a simulation, a published figure's inputs) and demand weights; nothing here routes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.special import ndtr

from bluelight.analysis.coverage import DEFAULT_K
from bluelight.foundation.errors import AnalysisError


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """Quantile of ``values`` weighted by ``weights`` (values may include ``inf``).

    Parameters
    ----------
    values
        The values.
    weights
        Their weights (non-negative).
    q
        The quantile, 0 to 1.

    Examples
    --------
    >>> weighted_quantile(np.array([1.0, 2.0, np.inf]), np.array([1.0, 1.0, 2.0]), 0.5)
    2.0
    """
    v = np.asarray(values, float)
    w = np.asarray(weights, float)
    if len(v) == 0 or w.sum() <= 0:
        return float("nan")
    order = np.argsort(v, kind="stable")
    cum = np.cumsum(w[order])
    pos = np.searchsorted(cum, q * cum[-1], side="left")
    return float(v[order][min(pos, len(v) - 1)])


@dataclass(frozen=True)
class Variability:
    """Spread of actual around modelled response, on the log scale: r = log(actual / modelled).

    Either empirical (``log_quantiles``: quantiles of r at evenly spaced
    levels from 0 to 1, as fitted by calibration) or normal with
    ``log_mean`` and ``log_sd``. A zero spread gives deterministic answers.
    With ``band_edges_s`` and ``band_quantiles`` the empirical spread depends
    on the modelled time: a short run's actual time is spread differently
    from a long one's (one set of quantiles per band between the edges).
    """

    log_mean: float = 0.0
    log_sd: float = 0.0
    log_quantiles: tuple[float, ...] | None = None
    band_edges_s: tuple[float, ...] | None = None
    band_quantiles: tuple[tuple[float, ...], ...] | None = None

    def _bands(self, t: np.ndarray) -> np.ndarray:
        return np.asarray(np.digitize(t, np.asarray(self.band_edges_s, float)))

    def prob_within(self, response_s: np.ndarray, threshold_s: float) -> np.ndarray:
        """Probability that the actual response is within ``threshold_s``, per modelled response.

        >>> v = Variability(band_edges_s=(100.0,), band_quantiles=((0.0, 0.0), (-1.0, 1.0)))
        >>> v.prob_within(np.array([50.0, 200.0]), 200.0).round(3).tolist()
        [1.0, 0.5]
        """
        t = np.asarray(response_s, float)
        return self.prob_within_grid(t.ravel(), np.array([float(threshold_s)]))[:, 0].reshape(t.shape)

    def prob_within_grid(self, response_s: np.ndarray, thresholds_s: np.ndarray) -> np.ndarray:
        """:meth:`prob_within` for every pair of a response (rows) and a threshold (columns).

        >>> Variability().prob_within_grid(np.array([50.0, 200.0]), np.array([100.0, 300.0])).tolist()
        [[1.0, 1.0], [0.0, 1.0]]
        """
        t = np.asarray(response_s, float)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.log(np.asarray(thresholds_s, float))[None, :] - np.log(t)[:, None]
            if self.band_quantiles:
                p = np.zeros(z.shape)
                band = self._bands(t)
                for i, q in enumerate(self.band_quantiles):
                    m = band == i
                    p[m] = self._interp(z[m], q)
            elif self.log_quantiles:
                p = self._interp(z, self.log_quantiles)
            elif self.log_sd <= 0:
                p = (z >= self.log_mean).astype(float)
            else:
                p = ndtr((z - self.log_mean) / self.log_sd)
        p = np.asarray(p, dtype=float)
        p[~np.isfinite(t)] = 0.0
        return p

    @staticmethod
    def _interp(z: np.ndarray, quantiles: Sequence[float]) -> np.ndarray:
        q = np.asarray(quantiles, float)
        if q[-1] <= q[0]:                                   # no spread: a step at the single value
            return (z >= q[0]).astype(float)
        return np.asarray(np.interp(z, q, np.linspace(0.0, 1.0, len(q)), left=0.0, right=1.0))

    def draw_log_ratio(self, rng: np.random.Generator, size: int, response_s: np.ndarray | None = None) -> np.ndarray:
        """Random log(actual / modelled) from this spread (for simulating single trips); by the band of each
        ``response_s`` when the spread has bands."""
        if self.band_quantiles and response_s is not None:
            band = self._bands(np.asarray(response_s, float))
            u = rng.random(size)
            out = np.empty(size)
            for i, q in enumerate(self.band_quantiles):
                m = band == i
                out[m] = np.interp(u[m], np.linspace(0.0, 1.0, len(q)), np.asarray(q, float))
            return out
        if self.log_quantiles:
            qs = np.asarray(self.log_quantiles, float)
            return np.asarray(np.interp(rng.random(size), np.linspace(0.0, 1.0, len(qs)), qs))
        if self.log_sd <= 0:
            return np.full(size, self.log_mean)
        return rng.normal(self.log_mean, self.log_sd, size)

    def to_dict(self) -> dict[str, Any]:
        """The profile document's ``variability`` section."""
        out: dict[str, Any] = {"log_mean": self.log_mean, "log_sd": self.log_sd}
        if self.log_quantiles:
            out["log_quantiles"] = list(self.log_quantiles)
        if self.band_quantiles:
            out["by_modelled_time"] = {"edges_s": list(self.band_edges_s or ()),
                                       "log_quantiles": [list(q) for q in self.band_quantiles]}
        return out

    @classmethod
    def from_profile(cls, doc: Mapping[str, Any] | None) -> Variability | None:
        if not doc:
            return None
        q = doc.get("log_quantiles")
        by = doc.get("by_modelled_time") or {}
        return cls(float(doc["log_mean"]), float(doc["log_sd"]), tuple(float(v) for v in q) if q else None,
                   tuple(float(e) for e in by["edges_s"]) if by else None,
                   tuple(tuple(float(v) for v in b) for b in by["log_quantiles"]) if by else None)


def share_within_curve(response_s: ArrayLike, weight: ArrayLike, thresholds_s: ArrayLike, *,
                       variability: Variability | None = None) -> np.ndarray:
    """Share of on-network demand reached within each of ``thresholds_s``, modelled with ``variability``: the
    curve a planner reads the standard off, in one pass.

    Each point's probability of being reached within every threshold is computed at once (with a spread, times
    rounded to a tenth of a second and the weights of equal times summed, so a county's incidents cost what a
    few thousand distinct times cost); the value at a threshold is :func:`summarise`'s ``share_within_modelled``
    (exactly without a spread, to about 1e-4 with one).

    Parameters
    ----------
    response_s
        Modelled response per demand point (``nan`` off the network, ``inf`` unreached).
    weight
        Demand per point.
    thresholds_s
        The thresholds (seconds).
    variability
        The spread of actual around modelled time (default none: the deterministic share).

    Examples
    --------
    >>> share_within_curve([100.0, 300.0, float("nan")], [1.0, 3.0, 5.0], [0.0, 200.0, 400.0]).tolist()
    [0.0, 0.25, 1.0]
    """
    t = np.asarray(response_s, float)
    w = np.asarray(weight, float)
    grid = np.asarray(thresholds_s, float)
    if t.shape != w.shape:
        raise AnalysisError("response_s and weight must have the same shape")
    on = ~np.isnan(t)
    total = w[on].sum()
    out = np.zeros(len(grid))
    reached = on & np.isfinite(t)
    if total <= 0 or not reached.any():
        return np.full(len(grid), np.nan) if total <= 0 else out
    var = variability or Variability()
    if not (var.band_quantiles or var.log_quantiles) and var.log_sd <= 0:    # no spread: a step, exactly
        order = np.argsort(t[reached], kind="stable")
        cum = np.concatenate([[0.0], np.cumsum(w[reached][order])])
        with np.errstate(over="ignore"):
            within = np.searchsorted(t[reached][order], grid * np.exp(-var.log_mean), side="right")
        return cum[within] / total
    times, inverse = np.unique(np.round(t[reached], 1), return_inverse=True)
    weights = np.bincount(inverse, weights=w[reached])
    step = max(1, 2_000_000 // len(times))               # thresholds per block: a bounded matrix
    for a in range(0, len(grid), step):
        block = grid[a:a + step]
        out[a:a + step] = weights @ var.prob_within_grid(times, block) / total
    return out


@dataclass(frozen=True)
class CoverageSummary:
    """What a planner reads: share within the standard, mean, 90th centile, and what is not reached."""

    threshold_s: float
    demand_total: float
    demand_on_network: float
    demand_off_network: float
    demand_unreached: float
    share_within: float
    share_within_modelled: float
    mean_s: float
    p90_s: float

    def as_dict(self) -> dict[str, float | None]:
        return {k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in self.__dict__.items()}


def summarise(response_s: ArrayLike, weight: ArrayLike, threshold_s: float, *,
              variability: Variability | None = None) -> CoverageSummary:
    """Summarise response times of weighted demand against a threshold.

    Shares are of demand on the network; unreached demand (beyond every
    site's cutoff) counts as not within. Mean and 90th centile are over
    reached demand; the 90th centile is ``inf`` when more than 10% is unreached.
    ``share_within_modelled`` spreads each response by ``variability``.

    Parameters
    ----------
    response_s
        Response per demand point (``nan`` off the network, ``inf`` unreached).
    weight
        Demand per point.
    threshold_s
        The standard.
    variability
        The spread of actual around modelled time (default none).

    Examples
    --------
    >>> s = summarise([100.0, 300.0, float("nan")], [1.0, 3.0, 5.0], 200.0)
    >>> s.share_within, s.demand_off_network, round(s.mean_s)
    (0.25, 5.0, 250)
    """
    t = np.asarray(response_s, float)
    w = np.asarray(weight, float)
    if t.shape != w.shape:
        raise AnalysisError("response_s and weight must have the same shape")
    if (w < 0).any():
        raise AnalysisError("demand weights must be non-negative")
    if threshold_s <= 0:
        raise AnalysisError(f"threshold_s must be positive, got {threshold_s}")
    on = ~np.isnan(t)
    reached = on & np.isfinite(t)
    w_on = w[on].sum()
    share = float(w[reached & (t <= threshold_s)].sum() / w_on) if w_on > 0 else float("nan")
    var = variability or Variability()
    modelled = float((w[on] * var.prob_within(t[on], threshold_s)).sum() / w_on) if w_on > 0 else float("nan")
    mean = float(np.average(t[reached], weights=w[reached])) if w[reached].sum() > 0 else float("nan")
    p90 = weighted_quantile(t[on], w[on], 0.9) if w_on > 0 else float("nan")
    return CoverageSummary(float(threshold_s), float(w.sum()), float(w_on), float(w[~on].sum()),
                           float(w[on & ~reached].sum()), share, modelled, mean, p90)


def summarise_by(labels: ArrayLike, response_s: ArrayLike, weight: ArrayLike, threshold_s: float, *,
                 variability: Variability | None = None) -> pd.DataFrame:
    """:func:`summarise` per area label (borough, LSOA ...), one row per label.

    Parameters
    ----------
    labels
        The area of each demand point.
    response_s, weight, threshold_s, variability
        As :func:`summarise` takes them.

    Examples
    --------
    >>> summarise_by(["a", "a", "b"], [100.0, 300.0, 100.0], [1.0, 1.0, 2.0], 200.0)["share_within"].tolist()
    [0.5, 1.0]
    """
    codes, areas = pd.factorize(np.asarray(labels, dtype=object))     # in order of first appearance
    t = np.asarray(response_s, float)
    w = np.asarray(weight, float)
    if threshold_s <= 0:
        raise AnalysisError(f"threshold_s must be positive, got {threshold_s}")
    n = len(areas)
    on = ~np.isnan(t)
    reached = on & np.isfinite(t)

    def total(mask: np.ndarray, values: np.ndarray | None = None) -> np.ndarray:
        return np.bincount(codes[mask], weights=(w if values is None else values)[mask], minlength=n)

    demand_total, w_on = total(np.ones(len(t), bool)), total(on)
    w_reached = total(reached)
    prob = np.zeros(len(t))
    prob[on] = w[on] * (variability or Variability()).prob_within(t[on], threshold_s)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(w_on > 0, total(reached & (t <= threshold_s)) / w_on, np.nan)
        modelled = np.where(w_on > 0, np.bincount(codes[on], weights=prob[on], minlength=n) / w_on, np.nan)
        mean = np.where(w_reached > 0, total(reached, np.where(reached, w * t, 0.0)) / w_reached, np.nan)
    p90 = np.full(n, np.nan)
    order = np.lexsort((t, codes))                  # by area, then time (ties kept in their order: stable)
    sorted_codes = codes[order][on[order]]
    sorted_t, sorted_w = t[order][on[order]], w[order][on[order]]
    bounds = np.searchsorted(sorted_codes, np.arange(n + 1))
    for g in np.flatnonzero(w_on > 0):              # as weighted_quantile, on each area's sorted slice
        lo, hi = bounds[g], bounds[g + 1]
        cum = np.cumsum(sorted_w[lo:hi])
        p90[g] = sorted_t[lo + min(int(np.searchsorted(cum, 0.9 * cum[-1], side="left")), hi - lo - 1)]
    columns = {"threshold_s": np.full(n, float(threshold_s)), "demand_total": demand_total,
               "demand_on_network": w_on, "demand_off_network": total(~on), "demand_unreached": total(on & ~reached),
               "share_within": share, "share_within_modelled": modelled, "mean_s": mean, "p90_s": p90}
    # as CoverageSummary.as_dict: an infinite figure (the 90th centile when over a tenth is unreached) is missing
    return pd.DataFrame({"area": np.asarray(areas, dtype=object),
                         **{k: np.where(np.isfinite(v), v, np.nan) for k, v in columns.items()}})


def compare_targets(response_s: ArrayLike, weight: ArrayLike, targets: pd.DataFrame, *,
                    variability: Variability | None = None) -> pd.DataFrame:
    """Each target (columns target_id, statistic, threshold_s, goal) evaluated on these responses.

    Shares use the modelled (spread) response; mean and 90th centile the
    deterministic one, which is what the published statistics measure.

    Parameters
    ----------
    response_s, weight
        Response and demand per point, as :func:`summarise` takes them.
    targets
        The targets to judge.
    variability
        The spread of actual around modelled time.
    """
    rows = []
    for t in targets.itertuples(index=False):
        s = summarise(response_s, weight, float(t.threshold_s), variability=variability)
        if t.statistic == "mean":
            value = s.mean_s
            met = bool(value <= t.threshold_s) if np.isfinite(value) else None
        elif t.statistic == "p90":
            value = s.p90_s
            met = bool(value <= t.threshold_s) if not np.isnan(value) else None
        elif t.statistic == "share_within":
            value = s.share_within_modelled
            met = bool(value >= t.goal) if np.isfinite(value) else None
        else:
            raise AnalysisError(f"unknown target statistic {t.statistic!r}")
        rows.append({"target_id": t.target_id, "statistic": t.statistic, "threshold_s": float(t.threshold_s),
                     "goal": t.goal, "value": value, "met": met})
    return pd.DataFrame(rows)


def busy_candidates(busy_fraction: float, *, tail: float = 1e-6) -> int:
    """How many nearest sites to weigh so that the chance every one is busy is below ``tail``.

    With ``q`` the busy fraction, the k-th site answers with probability (1 - q) q^(k-1); weighing only the
    nearest eight caps the share answered at 1 - q^8 (99.6% at q = 0.5) whatever the area's cover is.

    Parameters
    ----------
    busy_fraction
        The share of the time each vehicle is busy, in [0, 1).
    tail
        The chance of every weighed site being busy that is small enough to ignore.

    Examples
    --------
    >>> busy_candidates(0.5), busy_candidates(0.0), busy_candidates(0.9)
    (20, 8, 132)
    """
    if not 0 <= busy_fraction < 1:
        raise AnalysisError(f"busy_fraction must be in [0, 1), got {busy_fraction}")
    if busy_fraction == 0:
        return DEFAULT_K
    return max(DEFAULT_K, int(np.ceil(np.log(tail) / np.log(busy_fraction))))


def busy_response(cand_time: ArrayLike, busy_fraction: float,
                  threshold_s: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each point's response when every vehicle is busy independently with probability ``busy_fraction`` (MEXCLP's
    assumption, Daskin 1983): the k-th fastest site answers when the k-1 before it are busy.

    Returns, per point, the expected response of the first free vehicle among its candidates, the probability it
    arrives within ``threshold_s``, and the probability that every candidate is busy (the call waits; counted as
    not within the standard and left out of the mean, which is of calls answered at once).

    Parameters
    ----------
    cand_time
        ``(points, K)`` response of each point's K fastest sites, fastest first.
    busy_fraction
        The share of the time each vehicle is busy, in [0, 1).
    threshold_s
        The standard.

    Examples
    --------
    >>> mean, within, wait = busy_response([[300.0, 500.0, np.inf]], 0.5, 400.0)
    >>> round(float(mean[0]), 1), float(within[0]), float(wait[0])
    (366.7, 0.5, 0.25)
    """
    t = np.asarray(cand_time, dtype=float)
    if not 0 <= busy_fraction < 1:
        raise AnalysisError(f"busy_fraction must be in [0, 1), got {busy_fraction}")
    q = busy_fraction
    finite = np.isfinite(t)
    p = (1 - q) * q ** np.arange(t.shape[1])[None, :] * finite
    answered = p.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(answered > 0, (p * np.where(finite, t, 0.0)).sum(axis=1) / answered, np.nan)
    within = (p * (t <= threshold_s)).sum(axis=1)
    return mean, within, 1.0 - answered
