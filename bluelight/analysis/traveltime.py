"""Travel times over the road network: per-site fields within a cutoff, and nearest-site fields.

Per-site times are directed (from the site outward) and kept sparse: only
nodes within the cutoff are stored. A :class:`TravelTimeCache` keyed by
network (which includes the speed profile) and node keeps the rows computed
(least recently used out beyond its byte budget), so a scenario does not
recompute what it already has.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import sparse
from scipy.sparse.csgraph import dijkstra

from bluelight.analysis.bounded_search import bounded_searches, bounded_table
from bluelight.analysis.network import RoadNetwork
from bluelight.analysis.snapping import Links
from bluelight.foundation.errors import AnalysisError


@dataclass(frozen=True)
class SiteTimes:
    """Drive times from each source node to every node within ``cutoff_s``.

    Stored as CSR with an offset of one second so that a zero time (the
    source itself) is distinguishable from "not reached"; use :meth:`dense`.
    """

    source_nodes: np.ndarray
    stored: sparse.csr_matrix
    cutoff_s: float
    network_key: str

    def dense(self, nodes: np.ndarray | None = None) -> np.ndarray:
        """Times (s) to ``nodes`` (default all) as a dense array, ``inf`` where not reached."""
        block = self.stored if nodes is None else self.stored[:, np.asarray(nodes)]
        out: np.ndarray = block.toarray()
        out[out == 0] = np.inf
        return out - 1.0

    @property
    def nbytes(self) -> int:
        s = self.stored
        return int(s.data.nbytes + s.indices.nbytes + s.indptr.nbytes)


def _validate_nodes(network: RoadNetwork, nodes: ArrayLike) -> np.ndarray:
    out = np.asarray(nodes, dtype=np.int64)
    if out.ndim != 1:
        raise AnalysisError("source nodes must be a 1-d array of node indices")
    if len(out) and (out.min() < 0 or out.max() >= network.n_nodes):
        raise AnalysisError("source node index outside the network (is a site off-network?)")
    return out


def site_travel_times(network: RoadNetwork, source_nodes: ArrayLike, *, cutoff_s: float) -> SiteTimes:
    """Drive times from each source node outward, to every node within ``cutoff_s``.

    One bounded search per source in compiled code (:mod:`bluelight.analysis.bounded_search`): each costs what
    it reaches, not what the network holds, and gives the times scipy's ``dijkstra(limit=...)`` gives.

    Parameters
    ----------
    network
        The road network (drive times in seconds under its speed profile).
    source_nodes
        Node index of each source (a site's node).
    cutoff_s
        The longest drive kept.

    Returns
    -------
    SiteTimes
        One sparse row per source, in ``source_nodes`` order.

    Examples
    --------
    >>> from bluelight.analysis import example_network
    >>> t = site_travel_times(example_network(), [0], cutoff_s=130)
    >>> [round(x) if x < float("inf") else None for x in t.dense()[0]]
    [0, 60, 120, 60, 120, None, 120, None, None]
    """
    nodes = _validate_nodes(network, source_nodes)
    if not cutoff_s > 0:
        raise AnalysisError(f"cutoff_s must be positive, got {cutoff_s}")
    g = network.graph
    rows, cols, vals = bounded_searches(g.indptr, g.indices, g.data, nodes, float(cutoff_s))
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=len(nodes)))])    # rows come in order
    stored = sparse.csr_matrix((vals + 1.0, cols, indptr), shape=(len(nodes), network.n_nodes))
    return SiteTimes(nodes, stored, float(cutoff_s), network.key)


def travel_time_table(network: RoadNetwork, source_nodes: ArrayLike, target_nodes: ArrayLike, *,
                      cutoff_s: float) -> np.ndarray:
    """The many-to-many table a location model needs: drive time from each source to each target node.

    One bounded compiled search per source (:func:`~bluelight.analysis.bounded_search.bounded_table`), each
    stopped at ``cutoff_s`` or once every target is settled; the times equal :func:`site_travel_times`'
    (and scipy's ``dijkstra(limit=...)``) at those nodes.

    Parameters
    ----------
    network
        The road network (drive times in seconds under its speed profile).
    source_nodes
        Node index of each source (a candidate's node), one row each.
    target_nodes
        Node index of each target (a demand point's node), one column each; repeats allowed.
    cutoff_s
        The longest drive kept; beyond it, ``inf``.

    Returns
    -------
    numpy.ndarray
        ``(len(source_nodes), len(target_nodes))`` drive times in seconds.

    Examples
    --------
    >>> from bluelight.analysis import example_network
    >>> travel_time_table(example_network(), [0, 8], [4, 8], cutoff_s=130).round(6).tolist()
    [[120.0, inf], [120.0, 0.0]]
    """
    sources = _validate_nodes(network, source_nodes)
    targets = _validate_nodes(network, target_nodes)
    if not cutoff_s > 0:
        raise AnalysisError(f"cutoff_s must be positive, got {cutoff_s}")
    g = network.graph
    return bounded_table(g.indptr, g.indices, g.data, sources, targets, float(cutoff_s))


def fastest_pace_mps(network: RoadNetwork) -> float:
    """The most straight-line metres any edge covers per second of its time: no route within ``t`` seconds ends
    further than ``t`` times this from its start (each edge is at least its straight line).

    Parameters
    ----------
    network
        The road network.

    Examples
    --------
    >>> from bluelight.analysis import example_network
    >>> round(fastest_pace_mps(example_network()), 3)      # 500 m blocks at 60 s
    8.333
    """
    g = network.graph.tocoo()
    keep = g.data > 0
    if not keep.any():
        return float("inf")
    u, v, w = g.row[keep], g.col[keep], g.data[keep]
    return float(np.max(np.hypot(network.x_m[u] - network.x_m[v], network.y_m[u] - network.y_m[v]) / w))


def nearest_site_field(network: RoadNetwork, source_nodes: ArrayLike, offsets_s: ArrayLike | None = None, *,
                       cutoff_s: float = np.inf) -> tuple[np.ndarray, np.ndarray]:
    """For every node, the fastest response from any source and which source gives it.

    One multi-source Dijkstra. Each source may carry an offset (its turnout):
    a dummy node per source, joined to it by an edge of that length, makes the
    search minimise offset + drive time while still naming the winning source.

    Parameters
    ----------
    network
        The road network.
    source_nodes
        Node index of each source.
    offsets_s
        Each source's time before driving (default 0).
    cutoff_s
        The longest offset plus drive searched.

    Returns
    -------
    (time_s, source)
        ``time_s`` per node (``inf`` beyond reach or the cutoff); ``source``
        the index into ``source_nodes`` of the winner, -1 where none.

    Examples
    --------
    >>> from bluelight.analysis import example_network
    >>> times, nearest = nearest_site_field(example_network(), [0, 8], [0.0, 30.0], cutoff_s=600)
    >>> [round(t) for t in times], nearest.tolist()
    ([0, 60, 120, 60, 120, 90, 120, 90, 30], [0, 0, 0, 0, 0, 1, 0, 1, 1])
    """
    nodes = _validate_nodes(network, source_nodes)
    n, k = network.n_nodes, len(nodes)
    if k == 0:
        return np.full(n, np.inf), np.full(n, -1, dtype=np.int64)
    offsets = np.zeros(k) if offsets_s is None else np.asarray(offsets_s, dtype=float)
    if offsets.shape != (k,) or (offsets < 0).any() or not np.isfinite(offsets).all():
        raise AnalysisError("offsets_s must be one finite, non-negative value per source")
    if not offsets.any():
        # no offsets: the sources themselves start the search, and csgraph names the winner
        dist, _, src = dijkstra(network.graph, directed=True, indices=nodes, limit=cutoff_s, min_only=True,
                                return_predecessors=True)
        first_site: dict[int, int] = {}
        for i, node in enumerate(nodes.tolist()):
            first_site.setdefault(node, i)
        lookup = np.full(n, -1, dtype=np.int64)
        lookup[list(first_site)] = list(first_site.values())
        winner = np.where(src >= 0, lookup[np.maximum(src, 0)], -1)
        winner[~np.isfinite(dist)] = -1
        return dist, winner
    g = network.graph.tocoo()
    dummy = np.arange(n, n + k)
    rows = np.concatenate([g.row, dummy])
    cols = np.concatenate([g.col, nodes])
    stand_in = np.maximum(offsets, 1e-6)   # csgraph reads a zero weight as "no edge"
    data = np.concatenate([g.data, stand_in])
    aug = sparse.csr_matrix((data, (rows, cols)), shape=(n + k, n + k))
    dist, _, src = dijkstra(aug, directed=True, indices=dummy, limit=cutoff_s, min_only=True,
                            return_predecessors=True)
    dist = dist[:n]
    src = src[:n]
    winner = np.where(src >= 0, src - n, -1).astype(np.int64)
    winner[~np.isfinite(dist)] = -1
    reached = winner >= 0
    dist[reached] -= (stand_in - offsets)[winner[reached]]
    return dist, winner


class TravelTimeCache:
    """Per-node drive-time rows computed once per network and cutoff, reused by every scenario.

    Rows are kept least recently used first out within ``max_bytes`` (None:
    unbounded): the sites' own rows stay warm, while the rows of sites a user
    adds or moves in a scenario cannot grow memory without bound.
    """

    def __init__(self, network: RoadNetwork, *, cutoff_s: float, max_bytes: int | None = None,
                 router: Callable[..., SiteTimes] | None = None):
        self.network = network
        #: ``router(nodes, cutoff_s)`` computes missing rows (default :func:`site_travel_times` on the nodes)
        self.router = router or (lambda nodes, cutoff_s: site_travel_times(network, nodes, cutoff_s=cutoff_s))
        self.cutoff_s = float(cutoff_s)
        self.max_bytes = max_bytes
        self._rows: OrderedDict[int, sparse.csr_matrix] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.computed = 0

    @property
    def bytes(self) -> int:
        return self._bytes

    @staticmethod
    def _size(row: sparse.csr_matrix) -> int:
        return int(row.data.nbytes + row.indices.nbytes + row.indptr.nbytes)

    def times(self, source_nodes: ArrayLike) -> SiteTimes:
        """Site times for ``source_nodes``, computing only rows not kept."""
        nodes = _validate_nodes(self.network, source_nodes)
        with self._lock:
            rows = {int(n): self._rows[int(n)] for n in set(nodes.tolist()) if int(n) in self._rows}
            for n in rows:
                self._rows.move_to_end(n)
        missing = sorted({int(n) for n in nodes} - rows.keys())
        if missing:
            fresh = self.router(missing, cutoff_s=self.cutoff_s)
            with self._lock:
                for i, node in enumerate(missing):
                    rows[node] = fresh.stored[i]
                    if node not in self._rows:
                        self._rows[node] = rows[node]
                        self._bytes += self._size(rows[node])
                self.computed += len(missing)
                while self.max_bytes is not None and self._bytes > self.max_bytes and len(self._rows) > 1:
                    _, old = self._rows.popitem(last=False)
                    self._bytes -= self._size(old)
        stored = sparse.vstack([rows[int(n)] for n in nodes], format="csr") if len(nodes) else \
            sparse.csr_matrix((0, self.network.n_nodes))
        return SiteTimes(nodes, stored, self.cutoff_s, self.network.key)


def point_times(times: SiteTimes, links: Links) -> np.ndarray:
    """Drive times (sites x points) to points reached through their road segments (see ``Links``).

    The better of entering the point's edge from either end; ``inf`` where not
    reached, and for points off the network.

    Parameters
    ----------
    times
        Drive times from each site (rows) to every node.
    links
        Where each point joins the road.
    """
    a = np.maximum(links.node_a, 0)
    out: np.ndarray = times.dense(a) + links.extra_a_s[None, :]
    two = links.node_b >= 0
    if two.any():
        out[:, two] = np.minimum(out[:, two], times.dense(links.node_b[two]) + links.extra_b_s[two][None, :])
    out[:, links.node_a < 0] = np.inf
    return out


def times_from_links(times_of: Callable[[np.ndarray], SiteTimes], links: Links, *, cutoff_s: float) -> SiteTimes:
    """Drive times from sources sitting on road segments: the better of leaving by either end of the edge.

    ``times_of(nodes)`` gives node-based :class:`SiteTimes` (a cache's); each
    source's row is the element-wise minimum of its end nodes' rows plus the
    time to reach them (``links``, made with ``source=True``), kept within
    ``cutoff_s``. Sources off the network get empty rows.

    Parameters
    ----------
    times_of
        Node-based drive times of a list of nodes (a :class:`TravelTimeCache`'s ``times``).
    links
        Where each source joins the road.
    cutoff_s
        The longest drive kept.
    """
    n = len(links.node_a)
    on = links.node_a >= 0
    ta = times_of(np.where(on, links.node_a, 0))
    n_nodes = ta.stored.shape[1]
    big = float(cutoff_s) + float(np.nanmax(np.where(np.isfinite(links.extra_a_s), links.extra_a_s, 0.0), initial=0.0)) \
        + float(np.nanmax(np.where(np.isfinite(links.extra_b_s), links.extra_b_s, 0.0), initial=0.0)) + 10.0

    def flipped(stored: sparse.csr_matrix, extra: np.ndarray) -> sparse.csr_matrix:
        m = stored.tocsr(copy=True)
        m.data = big - (m.data + np.repeat(extra, np.diff(m.indptr)))
        return m

    best = flipped(ta.stored, np.where(on, links.extra_a_s, 0.0))
    best = sparse.diags(on.astype(float)) @ best                     # empty rows off the network
    two = on & (links.node_b >= 0)
    if two.any():
        rows = np.flatnonzero(two)
        tb = times_of(links.node_b[rows])
        place = sparse.csr_matrix((np.ones(len(rows)), (rows, np.arange(len(rows)))), shape=(n, len(rows)))
        best = best.maximum(place @ flipped(tb.stored, links.extra_b_s[rows]))
    best = best.tocsr()
    best.data = big - best.data                                      # back to time + 1
    best.data[best.data > cutoff_s + 1.0] = 0.0
    best.eliminate_zeros()
    return SiteTimes(np.where(on, links.node_a, -1), best.reshape((n, n_nodes)).tocsr(), float(cutoff_s),
                     ta.network_key)
