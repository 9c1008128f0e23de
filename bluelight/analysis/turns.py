"""Turn penalties by angle, on an edge-based (line-graph) copy of the road network.

In a node graph every way through a junction costs the same, so a route may
turn right across traffic as freely as it goes straight on. In the line graph
each directed edge is a vertex and each legal movement from one edge onto the
next is an arc, costed at the next edge's time plus the penalty of the turn it
makes: straight on (within 30 degrees) free, left, right (across the traffic,
driving on the left), and a U-turn. Per-site times to nodes are the fastest
arrival over the edges that enter each node, so they can stand in for the
node engine's :class:`~bluelight.analysis.traveltime.SiteTimes`.

Turn angles come from the node coordinates of each edge's ends (the chord of
a curved edge), which is what the simplified network keeps.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import sparse
from scipy.sparse.csgraph import dijkstra

from bluelight.analysis.network import RoadNetwork
from bluelight.analysis.speeds import TURN_KINDS
from bluelight.analysis.traveltime import SiteTimes, _validate_nodes
from bluelight.foundation.errors import AnalysisError

__all__ = ["TURN_KINDS", "TurnNetwork", "movements", "route_turns", "turn_kinds", "turn_network", "turn_site_times"]

#: a movement within this many degrees of straight on is straight on
STRAIGHT_DEG = 30.0
#: a movement turning more than this is a U-turn
U_TURN_DEG = 150.0
#: most sources searched per Dijkstra call, and the memory their rows may take (each holds a time per edge)
TURN_CHUNK = 64
TURN_CHUNK_BYTES = 256 * 2 ** 20


def _heading(network: RoadNetwork, edges: np.ndarray) -> np.ndarray:
    u, v = network.edge_u[edges], network.edge_v[edges]
    return np.degrees(np.arctan2(network.y_m[v] - network.y_m[u], network.x_m[v] - network.x_m[u]))


def turn_kinds(network: RoadNetwork, from_edges: ArrayLike, to_edges: ArrayLike) -> np.ndarray:
    """The turn made from each edge onto the next (the next starts where the first ends): 0 straight on,
    1 left, 2 right, 3 U-turn (back along the same street, or turning more than :data:`U_TURN_DEG`).

    Parameters
    ----------
    network
        The road network.
    from_edges, to_edges
        Pairs of edges, the second starting where the first ends.

    Examples
    --------
    >>> from bluelight.analysis import example_network
    >>> net = example_network()                    # a 3 x 3 grid, node = row * 3 + col, rows run north
    >>> e = {(int(a), int(b)): i for i, (a, b) in enumerate(zip(net.edge_u, net.edge_v))}
    >>> turn_kinds(net, [e[0, 1]] * 3 + [e[0, 1]], [e[1, 2], e[1, 4], e[1, 0], e[1, 0]]).tolist()[:3]
    [0, 1, 3]
    """
    a, b = np.asarray(from_edges, dtype=np.int64), np.asarray(to_edges, dtype=np.int64)
    if len(a) != len(b):
        raise AnalysisError("from_edges and to_edges must be the same length")
    if len(a) and (network.edge_v[a] != network.edge_u[b]).any():
        raise AnalysisError("each next edge must start where its first edge ends")
    angle = (_heading(network, b) - _heading(network, a) + 180.0) % 360.0 - 180.0    # + is anticlockwise: left
    kind = np.where(np.abs(angle) <= STRAIGHT_DEG, 0, np.where(angle > 0, 1, 2))
    back = (network.edge_v[b] == network.edge_u[a]) | (np.abs(angle) > U_TURN_DEG)
    return np.where(back, 3, kind).astype(np.int8)


def movements(network: RoadNetwork) -> tuple[np.ndarray, np.ndarray]:
    """Every movement through a node: (from edge, to edge), all pairs of an edge entering a node and one
    leaving it.

    Parameters
    ----------
    network
        The road network.
    """
    out_order = np.argsort(network.edge_u, kind="stable")
    out_start = np.searchsorted(network.edge_u[out_order], np.arange(network.n_nodes + 1))
    heads = network.edge_v
    n_out = out_start[heads + 1] - out_start[heads]
    frm = np.repeat(np.arange(len(heads)), n_out)
    offset = np.arange(len(frm)) - np.repeat(np.cumsum(n_out) - n_out, n_out)
    to = out_order[out_start[heads[frm]] + offset]
    return frm, to


@dataclass(frozen=True)
class TurnNetwork:
    """The line graph of a :class:`RoadNetwork`: ``graph[a, b]`` = edge b's time + the penalty of the turn
    from edge a onto it; ``penalties_s`` by :data:`TURN_KINDS`."""

    network: RoadNetwork
    graph: sparse.csr_matrix
    penalties_s: Mapping[str, float]
    key: str

    @property
    def n_movements(self) -> int:
        return int(self.graph.nnz)


def turn_network(network: RoadNetwork, penalties_s: Mapping[str, float]) -> TurnNetwork:
    """The edge-based network with ``penalties_s`` (seconds by :data:`TURN_KINDS`; a kind left out costs none).

    Parameters
    ----------
    network
        The road network.
    penalties_s
        Seconds by turn kind (left, right, U-turn).

    Examples
    --------
    >>> from bluelight.analysis import example_network
    >>> t = turn_network(example_network(), {"turn_right": 20.0})
    >>> t.n_movements > 0, t.penalties_s["turn_right"]
    (True, 20.0)
    """
    unknown = set(penalties_s) - set(TURN_KINDS)
    if unknown:
        raise AnalysisError(f"unknown turn kinds {sorted(unknown)}: use {', '.join(TURN_KINDS)}")
    pen = np.array([0.0] + [float(penalties_s.get(k, 0.0)) for k in TURN_KINDS])
    if not np.isfinite(pen).all() or (pen < 0).any():
        raise AnalysisError("turn penalties must be finite, non-negative seconds")
    frm, to = movements(network)
    cost = network.travel_time_s[to] + pen[turn_kinds(network, frm, to)]
    n_edges = len(network.edge_u)
    graph = sparse.csr_matrix((np.maximum(cost, 1e-6), (frm, to)), shape=(n_edges, n_edges))
    label = ",".join(f"{k}={penalties_s.get(k, 0.0):g}" for k in TURN_KINDS)
    return TurnNetwork(network, graph, {k: float(penalties_s.get(k, 0.0)) for k in TURN_KINDS},
                       f"{network.key}-turns[{label}]")


def turn_site_times(tnet: TurnNetwork, source_nodes: ArrayLike, *, cutoff_s: float) -> SiteTimes:
    """Drive times from each source node to every node within ``cutoff_s``, paying each turn's penalty.

    A source leaves by any of its edges; a node's time is its fastest arrival over the edges that enter it
    (the source itself: 0). The result is keyed by the turn network, so caches keep it apart from node times.

    Parameters
    ----------
    tnet
        The edge-based network (:func:`turn_network`).
    source_nodes
        Node index of each source.
    cutoff_s
        The longest drive kept.

    Examples
    --------
    >>> from bluelight.analysis import example_network
    >>> from bluelight.analysis.traveltime import site_travel_times
    >>> net = example_network()
    >>> free = turn_site_times(turn_network(net, {}), [0], cutoff_s=600).dense()[0]
    >>> bool(np.allclose(free, site_travel_times(net, [0], cutoff_s=600).dense()[0]))
    True
    """
    net = tnet.network
    nodes = _validate_nodes(net, source_nodes)
    if not cutoff_s > 0:
        raise AnalysisError(f"cutoff_s must be positive, got {cutoff_s}")
    n, n_edges, k = net.n_nodes, len(net.edge_u), len(nodes)
    if k == 0:
        return SiteTimes(nodes, sparse.csr_matrix((0, n)), float(cutoff_s), tnet.key)
    # one start vertex per source, joined to the edges leaving it at their times
    out_order = np.argsort(net.edge_u, kind="stable")
    out_start = np.searchsorted(net.edge_u[out_order], np.arange(n + 1))
    counts = out_start[nodes + 1] - out_start[nodes]
    src_rows = np.repeat(np.arange(k), counts)
    src_edges = out_order[np.concatenate([np.arange(out_start[s], out_start[s + 1]) for s in nodes])]
    starts = sparse.csr_matrix((np.maximum(net.travel_time_s[src_edges], 1e-6), (src_rows, src_edges)),
                               shape=(k, n_edges))
    aug = sparse.bmat([[tnet.graph, sparse.csr_matrix((n_edges, k))],
                       [starts, sparse.csr_matrix((k, k))]], format="csr")
    in_order = np.argsort(net.edge_v, kind="stable")
    heads = net.edge_v[in_order]
    group = np.flatnonzero(np.r_[True, heads[1:] != heads[:-1]]) if len(heads) else np.empty(0, dtype=np.int64)
    reached_nodes = heads[group]
    rows, cols, vals = [], [], []
    step = int(max(1, min(TURN_CHUNK, TURN_CHUNK_BYTES // (8 * max(n_edges, 1)))))
    for start in range(0, k, step):
        chunk = np.arange(start, min(start + step, k))
        d = np.atleast_2d(dijkstra(aug, directed=True, indices=n_edges + chunk, limit=cutoff_s))[:, :n_edges]
        at_node = np.full((len(chunk), n), np.inf)
        if len(group):
            at_node[:, reached_nodes] = np.minimum.reduceat(d[:, in_order], group, axis=1)
        at_node[np.arange(len(chunk)), nodes[chunk]] = 0.0
        r, c = np.nonzero(np.isfinite(at_node))
        rows.append(chunk[r])
        cols.append(c)
        vals.append(at_node[r, c] + 1.0)
    stored = sparse.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(k, n))
    return SiteTimes(nodes, stored, float(cutoff_s), tnet.key)


def route_turns(network: RoadNetwork, path_edges: ArrayLike) -> np.ndarray:
    """Counts of left turns, right turns and U-turns along a route given as its edges in order.

    Parameters
    ----------
    network
        The road network.
    path_edges
        A route's edges, in order.

    Examples
    --------
    >>> from bluelight.analysis import example_network
    >>> net = example_network()
    >>> e = {(int(a), int(b)): i for i, (a, b) in enumerate(zip(net.edge_u, net.edge_v))}
    >>> route_turns(net, [e[0, 1], e[1, 4], e[4, 5]]).tolist()      # east, north (a left turn), east (a right)
    [1, 1, 0]
    """
    edges = np.asarray(path_edges, dtype=np.int64)
    if len(edges) < 2:
        return np.zeros(len(TURN_KINDS), dtype=int)
    kinds = turn_kinds(network, edges[:-1], edges[1:])
    return np.bincount(kinds, minlength=4)[1:].astype(int)
