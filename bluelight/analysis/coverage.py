"""Coverage of demand by sites: response times, shares within a standard, mean and 90th centile.

Response time = site turnout + drive time from the site to the demand point's
node (what a planner reads off them, :mod:`bluelight.analysis.summary`). A :class:`CoverageModel` keeps, for every demand point, its K fastest
sites in order, so that switching sites off or on re-evaluates tens of
thousands of points in milliseconds: the answer is the first candidate still
active (an exact search over all sites covers the rare point whose K are all
off). Demand off the road network is reported apart, never counted as covered
or uncovered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

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

    Parameters
    ----------
    model
        The baseline's candidates (:func:`build_coverage_model` or :func:`coverage_model_from_nearest`).
    active
        One flag per baseline site (default all): a scenario's closures are False.
    extra
        Drive times from sites the scenario adds or moves.
    extra_turnout_s
        Their turnouts (default 0).

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
