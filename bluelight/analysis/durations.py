"""Durations of time on scene: a log-normal, drawn from and fitted to figures published with a floor.

LFB publishes pump minutes per incident with a 60-minute floor, so a share of
the durations are known only to be at most that bound: the fit treats them as
censored rather than exact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from bluelight.foundation.errors import AnalysisError


@dataclass(frozen=True)
class LogNormal:
    """A log-normal duration: ``median_s`` and ``sigma`` (the standard deviation of its logarithm)."""

    median_s: float
    sigma: float

    def __post_init__(self) -> None:
        if not (self.median_s > 0 and np.isfinite(self.median_s)) or not (self.sigma >= 0 and np.isfinite(self.sigma)):
            raise AnalysisError(f"a log-normal needs a positive median and a non-negative sigma, "
                                f"got {self.median_s} and {self.sigma}")

    @property
    def mean_s(self) -> float:
        return float(self.median_s * np.exp(self.sigma ** 2 / 2))

    def draw(self, rng: np.random.Generator, size: int, *, upper_s: np.ndarray | None = None) -> np.ndarray:
        """Random durations; ``upper_s``: each draw at most this (the distribution truncated there)."""
        from scipy.special import ndtr, ndtri

        u = rng.random(size)
        if upper_s is not None:
            with np.errstate(divide="ignore"):
                z_max = (np.log(np.asarray(upper_s, float)) - np.log(self.median_s)) / max(self.sigma, 1e-12)
            u = u * np.where(np.isfinite(upper_s), ndtr(z_max), 1.0)
            u = np.clip(u, 1e-12, 1 - 1e-12)
        return np.exp(np.log(self.median_s) + self.sigma * ndtri(np.clip(u, 1e-12, 1 - 1e-12)))


def fit_censored_lognormal(values_s: ArrayLike, censored_at_s: ArrayLike) -> LogNormal:
    """Maximum-likelihood log-normal of durations of which some are known only to be at most a bound.

    ``censored_at_s`` holds, per value, the bound when the value is censored
    (recorded at a published floor) and ``nan`` when it is exact; used for LFB
    pump minutes, published with a 60-minute floor per incident.

    Parameters
    ----------
    values_s
        The durations (seconds).
    censored_at_s
        Per value, the bound it is known only to be at most (NaN: exact).
    """
    from scipy import optimize
    from scipy.special import log_ndtr

    x = np.asarray(values_s, float)
    c = np.asarray(censored_at_s, float)
    if x.shape != c.shape:
        raise AnalysisError("values_s and censored_at_s must have the same length")
    exact = np.isfinite(x) & (x > 0) & ~np.isfinite(c)
    cens = np.isfinite(c) & (c > 0)
    if exact.sum() < 5:
        raise AnalysisError(f"only {int(exact.sum())} durations are known exactly: too few to fit a distribution")
    lx, lc = np.log(x[exact]), np.log(c[cens])

    def nll(theta: np.ndarray) -> float:
        mu, log_s = theta
        s = np.exp(log_s)
        z = (lx - mu) / s
        ll = -0.5 * np.sum(z ** 2) - len(lx) * log_s - np.sum(lx) + np.sum(log_ndtr((lc - mu) / s))
        return -ll

    start = np.array([np.median(np.concatenate([lx, lc])), np.log(max(np.std(lx), 0.1))])
    res = optimize.minimize(nll, start, method="Nelder-Mead", options={"xatol": 1e-6, "fatol": 1e-8, "maxiter": 4000})
    return LogNormal(float(np.exp(res.x[0])), float(np.exp(res.x[1])))
