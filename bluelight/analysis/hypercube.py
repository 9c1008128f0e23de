"""Hypercube queueing models: each unit's workload and who serves each zone when the nearest is busy.

Larson's hypercube (1974) models N response units as a continuous-time Markov
chain on the 2^N busy/free states (plus a queue when all are busy); a call from
zone j is served by the first free unit on the zone's preference list. The
exact model (:func:`exact_hypercube`) is solvable up to about 12 units and is
the reference for the approximation; Larson's approximate hypercube (1975,
:func:`approximate_hypercube`) replaces the state space by N utilisations and a
correction factor Q(N, rho, k) for the dependence between busy units, and scales
to hundreds of units and thousands of zones. Service times may depend on the
unit and the zone (Budge, Ingolfsson and Erkut 2009): the average utilisation
is then found by iteration instead of fixed in advance.

All rates are per second; a unit's service time includes travel to and from
the call.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import gammaln

from bluelight.foundation.errors import AnalysisError


@dataclass(frozen=True)
class HypercubeResult:
    """Utilisation of each unit and the share of each zone's calls each unit serves.

    ``served_by``: ``(zones, units)``, rows summing to one (queued calls are
    served by the first unit to clear). ``by_rank``: ``(zones, units)``, the share
    served by the zone's 1st, 2nd ... preferred unit (queued calls not included).
    """

    utilisation: np.ndarray
    served_by: np.ndarray
    by_rank: np.ndarray
    queued_share: float
    iterations: int
    method: str

    @property
    def first_choice_share(self) -> np.ndarray:
        """Per zone, the share of calls its preferred unit serves."""
        return self.by_rank[:, 0]


def _validate(rates: ArrayLike, prefs: ArrayLike, n_units: int) -> tuple[np.ndarray, np.ndarray]:
    lam = np.asarray(rates, dtype=float)
    order = np.asarray(prefs, dtype=np.int64)
    if lam.ndim != 1 or (len(lam) and (lam.min() < 0 or not np.isfinite(lam).all())):
        raise AnalysisError("rates must be a 1-d array of non-negative call rates per zone")
    if lam.sum() <= 0:
        raise AnalysisError("rates are all zero: there is no demand to queue")
    if order.shape != (len(lam), n_units):
        raise AnalysisError(f"prefs must have shape (zones, units) = ({len(lam)}, {n_units}), got {order.shape}")
    if not np.all(np.sort(order, axis=1) == np.arange(n_units)):
        raise AnalysisError("each row of prefs must list every unit exactly once")
    return lam, order


def preference_order(cost_s: np.ndarray) -> np.ndarray:
    """Each zone's units from fastest to slowest (ties: lower unit first); ``cost_s`` is ``(zones, units)``.

    Parameters
    ----------
    cost_s
        Response time of each unit (columns) to each zone (rows).
    """
    cost = np.asarray(cost_s, dtype=float)
    return np.argsort(np.where(np.isfinite(cost), cost, np.inf), axis=1, kind="stable")


def exact_hypercube(rates: ArrayLike, prefs: ArrayLike, *, service_s: float, queue_states: int = 400) -> HypercubeResult:
    """Larson's exact hypercube with an infinite queue (truncated at ``queue_states``), for up to 12 units.

    Parameters
    ----------
    rates
        Calls per second from each zone.
    prefs
        Each zone's units, most preferred first.
    service_s
        Mean time a call keeps a unit busy.
    queue_states
        Queue lengths kept before the infinite queue is truncated.

    Examples
    --------
    Two units, one zone preferring unit 0, offered load 1 (M/M/2): unit 0 is busy
    alone a quarter of the time, unit 1 alone a twelfth, both or queueing a third
    (worked by hand from the balance equations).

    >>> r = exact_hypercube([1 / 600], [[0, 1]], service_s=600.0)
    >>> [round(float(u), 4) for u in r.utilisation]     # 1/4 + 1/3, 1/12 + 1/3
    [0.5833, 0.4167]
    """
    from scipy import sparse
    from scipy.sparse.linalg import spsolve

    n = np.asarray(prefs).shape[1]
    if n > 12:
        raise AnalysisError(f"the exact hypercube has 2^{n} states: use approximate_hypercube for more than 12 units")
    lam, order = _validate(rates, prefs, n)
    mu = 1.0 / float(service_s)
    total = float(lam.sum())
    if total >= n * mu:
        raise AnalysisError(f"offered load {total / mu:.2f} is at or above the {n} units: the queue grows without end")
    full = (1 << n) - 1
    n_states = full + queue_states               # busy sets 0..full, then queue lengths 1..queue_states-1
    rows, cols, vals = [], [], []

    def add(a: int, b: int, rate: float) -> None:
        rows.append(a)
        cols.append(b)
        vals.append(rate)

    first_free = np.full((full + 1, len(lam)), -1, dtype=np.int64)
    for state in range(full):
        busy = np.array([(state >> u) & 1 for u in range(n)], dtype=bool)
        ff = np.argmax(~busy[order], axis=1)
        first_free[state] = order[np.arange(len(lam)), ff]
        for u in np.unique(first_free[state]):
            add(state, state | (1 << int(u)), float(lam[first_free[state] == u].sum()))
        for u in np.flatnonzero(busy):
            add(state, state & ~(1 << int(u)), mu)
    add(full, full + 1, total)                                  # all busy: calls queue
    for u in range(n):
        add(full, full & ~(1 << u), mu)
    for q in range(1, queue_states):
        s = full + q
        add(s, s - 1, n * mu)
        if q < queue_states - 1:
            add(s, s + 1, total)
    gen = sparse.coo_matrix((vals, (rows, cols)), shape=(n_states, n_states)).tocsr()
    gen = gen - sparse.diags(np.asarray(gen.sum(axis=1)).ravel())
    a = gen.T.tolil()
    a[0, :] = 1.0                                               # replace one balance equation by sum(p) = 1
    b = np.zeros(n_states)
    b[0] = 1.0
    p = spsolve(a.tocsc(), b)
    p = np.clip(p, 0.0, None)
    p /= p.sum()
    p_queue = float(p[full:].sum())
    util = np.zeros(n)
    for u in range(n):
        mask = (np.arange(full + 1) >> u) & 1
        util[u] = float(p[:full + 1][mask.astype(bool)].sum()) + float(p[full + 1:].sum())
    served = np.zeros((len(lam), n))
    for state in range(full):
        served[np.arange(len(lam)), first_free[state]] += p[state]
    by_rank = np.take_along_axis(served, order, axis=1)
    served = served + p_queue / n
    return HypercubeResult(util, served, by_rank, p_queue, 1, "exact hypercube")


def _log_mmn(n: int, rho: float) -> tuple[np.ndarray, float]:
    """log P_k (k = 0..N-1) of an M/M/N queue at utilisation ``rho``, and the probability of waiting (Erlang C)."""
    k = np.arange(n)
    a = n * rho
    log_terms = k * np.log(a) - gammaln(k + 1)
    log_tail = n * np.log(a) - gammaln(n + 1) - np.log1p(-rho)
    log_norm = np.logaddexp(np.logaddexp.reduce(log_terms), log_tail)
    return log_terms - log_norm, float(np.exp(log_tail - log_norm))


def correction_factors(n: int, rho: float) -> np.ndarray:
    """Larson's Q(N, rho, j), j = 0..N-1: the dependence between busy units in an M/M/N system.

    P(a given j units busy and a given other one free) = Q(N, rho, j) rho^j (1 - rho).

    Parameters
    ----------
    n
        How many units.
    rho
        Their mean utilisation (0 to 1).

    Examples
    --------
    >>> [round(float(q), 4) for q in correction_factors(2, 0.5)]
    [1.0, 0.6667]
    """
    if not 0 < rho < 1:
        raise AnalysisError(f"utilisation must be between 0 and 1 for the queue to settle, got {rho:.3f}")
    log_p, _ = _log_mmn(n, rho)
    q = np.zeros(n)
    for j in range(n):
        k = np.arange(j, n)
        # P(k busy) x C(N-j-1, k-j) / C(N, k): the j listed units among the k busy and the next one free
        log_ratio = (gammaln(n - j) - gammaln(k - j + 1) - gammaln(n - k) + gammaln(k + 1) + gammaln(n - k + 1)
                     - gammaln(n + 1))
        q[j] = float(np.exp(np.logaddexp.reduce(log_p[k] + log_ratio) - j * np.log(rho) - np.log1p(-rho)))
    return q


def approximate_hypercube(rates: ArrayLike, prefs: ArrayLike, *, service_s: float | ArrayLike, tol: float = 1e-9, max_iter: int = 500) -> HypercubeResult:
    """Larson's approximate hypercube with an infinite queue; service may depend on zone and unit.

    Parameters
    ----------
    rates
        Calls per second from each zone.
    prefs
        ``(zones, units)`` each zone's units in order of preference (:func:`preference_order`).
    service_s
        Mean seconds a unit is committed per call: a number, or ``(zones, units)`` (travel-dependent, the
        Budge, Ingolfsson and Erkut extension, which iterates the mean utilisation as well).

    Examples
    --------
    The two-unit case of :func:`exact_hypercube` (0.5833, 0.4167):

    >>> r = approximate_hypercube([1 / 600], [[0, 1]], service_s=600.0)
    >>> [round(float(u), 4) for u in r.utilisation]
    [0.5918, 0.4082]
    """
    order = np.asarray(prefs, dtype=np.int64)
    n = order.shape[1] if order.ndim == 2 else 0
    lam, order = _validate(rates, order, n)
    zones = np.arange(len(lam))
    tau = np.asarray(service_s, dtype=float)
    varying = tau.ndim == 2
    if varying and tau.shape != order.shape:
        raise AnalysisError(f"service_s must be a number or (zones, units) = {order.shape}, got {tau.shape}")
    if not np.isfinite(tau).all() or tau.min() <= 0:
        raise AnalysisError("service_s must be positive and finite")
    tau_rank = np.take_along_axis(tau, order, axis=1) if varying else None
    total = float(lam.sum())
    # per unit, a queued call's mean service
    tau_queue = (lam @ tau) / total if varying else np.full(n, float(tau))
    rho_bar = total * (float(np.average(tau.min(axis=1), weights=lam)) if varying else float(tau)) / n
    util = np.full(n, min(rho_bar, 0.99))
    for it in range(1, max_iter + 1):  # noqa: B007 - the count is reported after the loop
        rho_bar = float(util.mean()) if varying else total * float(tau) / n
        if rho_bar >= 1:
            raise AnalysisError(f"offered load is at or above the {n} units (mean utilisation {rho_bar:.2f}): "
                                "the queue grows without end")
        q = correction_factors(n, rho_bar)
        _, p_queue = _log_mmn(n, rho_bar)
        busy_rank = util[order]
        prefix = np.cumprod(np.hstack([np.ones((len(lam), 1)), busy_rank[:, :-1]]), axis=1)
        reach = q[None, :] * prefix                               # P(first k-1 busy), k = rank, corrected
        weight = lam[:, None] * (tau_rank if varying else float(tau)) * reach
        a = np.zeros(n)
        np.add.at(a, order.ravel(), weight.ravel())
        b = total * p_queue / n * tau_queue
        new = (a + b) / (1.0 + a)
        if not varying:
            new *= n * rho_bar / new.sum()                        # Larson: the total workload is known exactly
        new = np.clip(new, 1e-12, 1 - 1e-12)
        step = float(np.abs(new - util).max())
        util = new if not varying else 0.5 * (util + new)
        if step < tol:
            break
    busy_rank = util[order]
    prefix = np.cumprod(np.hstack([np.ones((len(lam), 1)), busy_rank[:, :-1]]), axis=1)
    by_rank = q[None, :] * prefix * (1.0 - busy_rank)
    by_rank *= (1.0 - p_queue) / np.maximum(by_rank.sum(axis=1, keepdims=True), 1e-300)
    served = np.zeros((len(lam), n))
    served[zones[:, None], order] = by_rank
    served += p_queue / n
    return HypercubeResult(util, served, by_rank, p_queue, it, "approximate hypercube (Larson 1975)"
                           + (", travel-dependent service (Budge et al. 2009)" if varying else ""))
