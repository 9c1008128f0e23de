"""Coverage of demand by sites: response times, shares within a standard, mean and 90th centile.

Response time = site turnout + drive time from the site to the demand point's
node. A :class:`CoverageModel` keeps, for every demand point, its K fastest
sites in order, so that switching sites off or on re-evaluates tens of
thousands of points in milliseconds: the answer is the first candidate still
active (an exact search over all sites covers the rare point whose K are all
off). Demand off the road network is reported apart, never counted as covered
or uncovered.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.special import ndtr

from bluelight.analysis.nearest_sites import merge_lists
from bluelight.analysis.snapping import Links
from bluelight.analysis.traveltime import SiteTimes, point_times
from bluelight.foundation.errors import AnalysisError

DEFAULT_K = 8


@dataclass(frozen=True)
class CoverageModel:
    """Precomputed candidates for fast scenario evaluation.

    Attributes
    ----------
    times
        Drive times from each site (rows) within the cutoff, or a function giving the drive times (sites x
        points) to the points of a :class:`~bluelight.analysis.snapping.Links`: only needed where a scenario
        switches off all K candidates of a point, so a model built from a one-pass K-nearest search
        (:func:`coverage_model_from_nearest`) searches backwards from those few points only
        (:func:`~bluelight.analysis.nearest_sites.times_to_points`).
    turnout_s
        Per site, added to drive time.
    demand_node
        Node index per demand point, -1 if off-network.
    cand_site, cand_time
        ``(n_demand, K)``: candidate sites and their response times, fastest
        first; -1 / ``inf`` pad.
    more
        Per point, True where sites beyond its list may reach it (default: where the list is full).
    """

    times: SiteTimes | Callable[[Links], np.ndarray]
    turnout_s: np.ndarray
    demand_node: np.ndarray
    cand_site: np.ndarray
    cand_time: np.ndarray
    links: Links | None = None      # how points sit on their road segments (None: on their nodes)
    more: np.ndarray | None = None

    @property
    def n_sites(self) -> int:
        return len(self.turnout_s)

    def take(self, rows: ArrayLike) -> CoverageModel:
        """The model of a subset of the demand points (in ``rows`` order): the same answer as building it afresh."""
        idx = np.asarray(rows, dtype=np.int64)
        links = None if self.links is None else Links(*(np.asarray(a)[idx] for a in (
            self.links.node_a, self.links.extra_a_s, self.links.node_b, self.links.extra_b_s, self.links.distance_m)))
        return CoverageModel(self.times, self.turnout_s, self.demand_node[idx], self.cand_site[idx],
                             self.cand_time[idx], links, None if self.more is None else self.more[idx])

    @property
    def on_network(self) -> np.ndarray:
        return self.demand_node >= 0

    @property
    def may_have_more(self) -> np.ndarray:
        """Per point, whether sites beyond its K candidates may reach it."""
        return self.cand_site[:, -1] >= 0 if self.more is None else self.more | (self.cand_site[:, -1] >= 0)

    def times_to(self, mask: np.ndarray) -> np.ndarray:
        """Drive times (sites x the masked points) from every site to the model's demand points."""
        links = Links.at_nodes(self.demand_node[mask]) if self.links is None else self.links.subset(mask)
        if not isinstance(self.times, SiteTimes):
            return self.times(links)
        return self.times.dense(links.node_a) if self.links is None else point_times(self.times, links)


def _candidates(times: SiteTimes, turnout: np.ndarray, dnode: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Each point's K fastest sites (and their times) from node-based drive times."""
    on = dnode >= 0
    uniq, inverse = np.unique(dnode[on], return_inverse=True)
    n_u = len(uniq)
    cand_site_u = np.full((n_u, k), -1, dtype=np.int32)
    cand_time_u = np.full((n_u, k), np.inf, dtype=np.float64)
    if n_u and times.stored.shape[0]:
        block = times.stored[:, uniq].tocoo()          # rows: sites, cols: unique demand nodes
        resp = block.data - 1.0 + turnout[block.row]
        order = np.lexsort((resp, block.col))
        col, site, resp = block.col[order], block.row[order], resp[order]
        starts = np.searchsorted(col, np.arange(n_u))
        rank = np.arange(len(col)) - starts[col]
        keep = rank < k
        cand_site_u[col[keep], rank[keep]] = site[keep]
        cand_time_u[col[keep], rank[keep]] = resp[keep]
    cand_site = np.full((len(dnode), k), -1, dtype=np.int32)
    cand_time = np.full((len(dnode), k), np.inf)
    cand_site[on] = cand_site_u[inverse]
    cand_time[on] = cand_time_u[inverse]
    return cand_site, cand_time


def build_coverage_model(times: SiteTimes, turnout_s: ArrayLike, demand_node: ArrayLike, *, k: int = DEFAULT_K,
                         links: Links | None = None) -> CoverageModel:
    """Precompute each demand point's K fastest sites.

    Parameters
    ----------
    times
        Drive times from each site (rows) within a cutoff.
    turnout_s
        Per site turnout / activation.
    demand_node
        Node index of each demand point (-1 off-network).

    Examples
    --------
    >>> from bluelight.analysis import example_network, site_travel_times, evaluate
    >>> net = example_network()
    >>> model = build_coverage_model(site_travel_times(net, [0, 8], cutoff_s=600), [60.0, 60.0], [1, 4, -1])
    >>> [round(r) if r == r else None for r in evaluate(model)]
    [120, 180, None]
    """
    turnout = np.asarray(turnout_s, dtype=float)
    if turnout.shape != (times.stored.shape[0],):
        raise AnalysisError(f"turnout_s needs one value per site ({times.stored.shape[0]}), got {turnout.shape}")
    if (turnout < 0).any() or not np.isfinite(turnout).all():
        raise AnalysisError("turnout_s must be finite and non-negative")
    if k < 1:
        raise AnalysisError(f"k must be at least 1, got {k}")
    dnode = np.asarray(demand_node if links is None else links.node_a, dtype=np.int64)
    cand_site, cand_time = _point_candidates(lambda nodes: _candidates(times, turnout, nodes, k), dnode, links, k)
    return CoverageModel(times, turnout, dnode, cand_site, cand_time, links)


def _point_candidates(of_nodes: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]], dnode: np.ndarray,
                      links: Links | None, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Each point's K fastest sites from the candidates of nodes: a point on a segment takes the best of
    entering it from either end."""
    if links is None:
        return of_nodes(dnode)
    sa, ta = of_nodes(dnode)
    sb, tb = of_nodes(np.where(dnode >= 0, links.node_b, -1))
    return merge_lists(sa, ta + links.extra_a_s[:, None], sb,
                       tb + np.where(np.isfinite(links.extra_b_s), links.extra_b_s, np.inf)[:, None], k)


def coverage_model_from_nearest(site: np.ndarray, time_s: np.ndarray, more: np.ndarray, turnout_s: ArrayLike,
                                demand_node: ArrayLike, *, times: SiteTimes | Callable[[Links], np.ndarray],
                                links: Links | None = None) -> CoverageModel:
    """A :class:`CoverageModel` from every node's K fastest sites (:func:`~bluelight.analysis.nearest_sites.
    nearest_sites`), without routing from each site.

    Parameters
    ----------
    site, time_s
        ``(nodes, K)``: each node's K fastest sites and their turnout plus drive (-1 / ``inf`` pad).
    more
        Per node, True where sites beyond its list may reach it.
    turnout_s
        Per site turnout (the model's ``turnout_s``).
    demand_node
        Node index of each demand point (-1 off-network); with ``links``, their first entry nodes.
    times
        Drive times from each site, or a function giving the drive times (sites x points) to the points of a
        ``Links`` (used only where all K candidates of a point are switched off).
    links
        How demand points sit on road segments.

    Examples
    --------
    >>> from bluelight.analysis import example_network, site_travel_times, evaluate
    >>> from bluelight.analysis.nearest_sites import nearest_sites
    >>> from bluelight.analysis.snapping import Links
    >>> net = example_network()
    >>> site, t, more = nearest_sites(net, Links.at_nodes([0, 8]), [60.0, 60.0], k=8, cutoff_s=600)
    >>> model = coverage_model_from_nearest(site, t, more, [60.0, 60.0], [1, 4, -1],
    ...                                     times=site_travel_times(net, [0, 8], cutoff_s=600))
    >>> [round(r) if r == r else None for r in evaluate(model)]
    [120, 180, None]
    """
    if site.shape != time_s.shape or site.ndim != 2:
        raise AnalysisError(f"site and time_s must be (nodes, K) alike, got {site.shape} and {time_s.shape}")
    k = site.shape[1]
    turnout = np.asarray(turnout_s, dtype=float)
    dnode = np.asarray(demand_node if links is None else links.node_a, dtype=np.int64)

    def of_nodes(nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ok = nodes >= 0
        out_s = np.full((len(nodes), k), -1, dtype=np.int32)
        out_t = np.full((len(nodes), k), np.inf)
        out_s[ok], out_t[ok] = site[nodes[ok]], time_s[nodes[ok]]
        return out_s, out_t

    cand_site, cand_time = _point_candidates(of_nodes, dnode, links, k)
    more_a = np.where(dnode >= 0, more[np.maximum(dnode, 0)], False)
    node_b = np.full(len(dnode), -1) if links is None else np.where(dnode >= 0, links.node_b, -1)
    more_b = np.where(node_b >= 0, more[np.maximum(node_b, 0)], False)
    return CoverageModel(times, turnout, dnode, cand_site, cand_time, links, more_a | more_b)


def evaluate(model: CoverageModel, active: ArrayLike | None = None, *, extra: SiteTimes | None = None,
             extra_turnout_s: ArrayLike | None = None) -> np.ndarray:
    """Response time of every demand point with only ``active`` sites (plus ``extra`` new sites).

    Returns
    -------
    ndarray
        Seconds per demand point; ``inf`` if no site reaches it within the
        cutoff; ``nan`` if the point is off the network.

    Examples
    --------
    >>> from bluelight.analysis import example_network, site_travel_times, build_coverage_model
    >>> net = example_network()
    >>> model = build_coverage_model(site_travel_times(net, [0, 8], cutoff_s=600), [0.0, 0.0], [7])
    >>> [round(evaluate(model)[0]), round(evaluate(model, [True, False])[0])]       # close the second site
    [60, 180]
    """
    n_sites = model.n_sites
    act = np.ones(n_sites, dtype=bool) if active is None else np.asarray(active, dtype=bool)
    if act.shape != (n_sites,):
        raise AnalysisError(f"active needs one flag per site ({n_sites}), got shape {act.shape}")
    padded = np.append(act, False)                     # index -1 (padding) is never active
    ok = padded[model.cand_site]
    first = ok.argmax(axis=1)
    has = ok.any(axis=1)
    rows = np.arange(len(first))
    out = np.where(has, model.cand_time[rows, first], np.inf)
    # points whose K candidates are all off: search every active site exactly
    full = ~has & model.may_have_more & model.on_network
    if full.any() and act.any():
        sub = model.times_to(full)[act] + model.turnout_s[act][:, None]
        out[full] = sub.min(axis=0)
    if extra is not None and extra.stored.shape[0]:
        turn = np.zeros(extra.stored.shape[0]) if extra_turnout_s is None else np.asarray(extra_turnout_s, float)
        on = model.on_network
        add = _to_points(extra, model, on) + turn[:, None]
        out[on] = np.minimum(out[on], add.min(axis=0))
    out[~model.on_network] = np.nan
    return out


def _to_points(times: SiteTimes, model: CoverageModel, mask: np.ndarray) -> np.ndarray:
    """Drive times (sites x the masked points) to the model's demand points."""
    if model.links is None:
        return times.dense(model.demand_node[mask])
    return point_times(times, model.links.subset(mask))


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """Quantile of ``values`` weighted by ``weights`` (values may include ``inf``)."""
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
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.log(threshold_s) - np.log(t)
            if self.band_quantiles:
                p = np.zeros(t.shape)
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

    Examples
    --------
    >>> summarise_by(["a", "a", "b"], [100.0, 300.0, 100.0], [1.0, 1.0, 2.0], 200.0)["share_within"].tolist()
    [0.5, 1.0]
    """
    label = np.asarray(labels, dtype=object)
    rows = []
    for lab in pd.unique(label):
        m = label == lab
        rows.append({"area": lab, **summarise(np.asarray(response_s)[m], np.asarray(weight)[m], threshold_s,
                                                 variability=variability).as_dict()})
    columns = ["area"] + list(CoverageSummary.__dataclass_fields__)
    return pd.DataFrame(rows, columns=columns)


def compare_targets(response_s: ArrayLike, weight: ArrayLike, targets: pd.DataFrame, *,
                    variability: Variability | None = None) -> pd.DataFrame:
    """Each target (columns target_id, statistic, threshold_s, goal) evaluated on these responses.

    Shares use the modelled (spread) response; mean and 90th centile the
    deterministic one, which is what the published statistics measure.
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
