"""Snap points (sites, incidents, demand) to the road network, recording how far they moved.

A point further than ``max_snap_m`` from any node is flagged off-network, never
silently moved: its travel time is unknown, and coverage reports it apart.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from bluelight.analysis.network import RoadNetwork
from bluelight.foundation.errors import AnalysisError

if TYPE_CHECKING:
    import shapely

DEFAULT_MAX_SNAP_M = 250.0


@dataclass(frozen=True)
class Snapped:
    """Per point: the nearest node index (-1 when off-network), the distance to it, and the flag."""

    node: np.ndarray
    distance_m: np.ndarray
    on_network: np.ndarray

    @property
    def n_off_network(self) -> int:
        return int((~self.on_network).sum())


def snap_points(network: RoadNetwork, x_m: ArrayLike, y_m: ArrayLike, *, max_snap_m: float = DEFAULT_MAX_SNAP_M) -> Snapped:
    """Nearest network node of each point (EPSG:27700 coordinates).

    Parameters
    ----------
    max_snap_m
        Points further than this from every node are flagged off-network.

    Examples
    --------
    >>> from bluelight.analysis import example_network
    >>> net = example_network()
    >>> s = snap_points(net, [530010, 540000], [180020, 180000], max_snap_m=250)
    >>> s.node.tolist(), s.on_network.tolist()
    ([0, -1], [True, False])
    """
    if max_snap_m <= 0:
        raise AnalysisError(f"max_snap_m must be positive, got {max_snap_m}")
    x = np.asarray(x_m, dtype=float)
    y = np.asarray(y_m, dtype=float)
    if x.shape != y.shape:
        raise AnalysisError("x_m and y_m must have the same shape")
    if x.size == 0:
        return Snapped(np.empty(0, dtype=np.int64), np.empty(0), np.empty(0, dtype=bool))
    dist, idx = network.kdtree.query(np.column_stack([x, y]))
    on = np.isfinite(dist) & (dist <= max_snap_m)
    return Snapped(np.where(on, idx, -1).astype(np.int64), dist, on)


#: how fast the last leg from the road to a point is covered when the profile does not say (m/s): a crew
#: walking with equipment, or a vehicle on an unmapped drive (an assumption, stated with every result)
DEFAULT_ACCESS_SPEED_MPS = 2.0


@dataclass(frozen=True)
class Links:
    """How each point is reached from the network: its nearest road segment, entered from either end.

    A point on edge u -> v at fraction ``f`` of its length is reached from ``u``
    after ``f`` of the edge's drive time, or from ``v`` after ``1 - f`` of the
    reverse edge's (where the road is two-way), plus the access leg from the
    road to the point. ``node_b`` is -1 where there is no reverse edge.

    Attributes
    ----------
    node_a, node_b
        Entry nodes (-1 where none; ``node_a`` -1 means off-network).
    extra_a_s, extra_b_s
        Seconds from each entry node to the point (access leg included).
    distance_m
        Distance from the point to the road.
    """

    node_a: np.ndarray
    extra_a_s: np.ndarray
    node_b: np.ndarray
    extra_b_s: np.ndarray
    distance_m: np.ndarray

    @property
    def on_network(self) -> np.ndarray:
        return self.node_a >= 0

    @property
    def node(self) -> np.ndarray:
        """The first entry node (-1 off-network): what node-based code keys a point by."""
        return self.node_a

    @classmethod
    def at_nodes(cls, node: ArrayLike) -> Links:
        """Points sitting on nodes (the node-snapped case): reached at the node itself."""
        node = np.asarray(node, dtype=np.int64)
        zero = np.zeros(len(node))
        return cls(node, zero, np.full(len(node), -1, dtype=np.int64), np.full(len(node), np.inf), zero)

    def subset(self, index: np.ndarray) -> Links:
        return Links(self.node_a[index], self.extra_a_s[index], self.node_b[index], self.extra_b_s[index],
                     self.distance_m[index])


#: points snapped in one piece; more are split across threads (GEOS releases the GIL), one piece per core
SNAP_CHUNK = 20_000


def _nearest_edges(tree: shapely.STRtree, pts: np.ndarray,
                   max_snap_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each point's nearest edge within ``max_snap_m``: (point index, edge index, distance), the points in order.
    A county's incidents are snapped on every core: the same answer as one query, in a fraction of the time."""
    def one(chunk: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        (pi, ei), dist = tree.query_nearest(chunk, max_distance=max_snap_m, return_distance=True, all_matches=False)
        return pi, ei, dist

    workers = min(os.cpu_count() or 1, 8)
    if len(pts) <= SNAP_CHUNK or workers == 1:
        return one(pts)
    starts = np.linspace(0, len(pts), workers + 1).astype(int)
    with ThreadPoolExecutor(workers) as pool:
        parts = list(pool.map(one, [pts[a:b] for a, b in zip(starts[:-1], starts[1:])]))
    return (np.concatenate([pi + a for (pi, _, _), a in zip(parts, starts)]),
            np.concatenate([ei for _, ei, _ in parts]), np.concatenate([dist for _, _, dist in parts]))


@dataclass(frozen=True)
class SegmentPositions:
    """Where points lie on their nearest road segment: geometry only, the same under every speed profile.

    Attributes
    ----------
    point
        Index of each snapped point (the others are beyond the snap distance).
    edge
        Its edge (an index into the network's edges).
    fraction
        How far along the edge from ``u`` to ``v`` (0 to 1), whichever way its geometry is drawn.
    distance_m
        From the point to the road.
    """

    point: np.ndarray
    edge: np.ndarray
    fraction: np.ndarray
    distance_m: np.ndarray


def segment_positions(network: RoadNetwork, x_m: ArrayLike, y_m: ArrayLike, *, edge_geoms: ArrayLike | None = None,
                      tree: shapely.STRtree | None = None,
                      max_snap_m: float = DEFAULT_MAX_SNAP_M) -> SegmentPositions:
    """Each point's nearest road segment within ``max_snap_m`` and its place along it (what a load can store).

    Parameters
    ----------
    network
        The road network.
    x_m, y_m
        The points (EPSG:27700).
    edge_geoms, tree, max_snap_m
        As :func:`snap_to_segments` takes them.

    Examples
    --------
    >>> from bluelight.analysis import example_network
    >>> p = segment_positions(example_network(), [530250, 531000], [180010, 179000], max_snap_m=100)
    >>> p.point.tolist(), p.edge.tolist(), p.fraction.round(2).tolist(), p.distance_m.round(1).tolist()
    ([0], [0], [0.5], [10.0])
    """
    import shapely

    if max_snap_m <= 0:
        raise AnalysisError(f"max_snap_m must be positive, got {max_snap_m}")
    x, y = np.asarray(x_m, dtype=float), np.asarray(y_m, dtype=float)
    if x.shape != y.shape:
        raise AnalysisError("x_m and y_m must have the same shape")
    if x.size == 0 or len(network.edge_u) == 0:
        return SegmentPositions(np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0), np.empty(0))
    if edge_geoms is None:
        edge_geoms = shapely.linestrings(np.stack([np.column_stack([network.x_m[network.edge_u],
                                                                    network.y_m[network.edge_u]]),
                                                   np.column_stack([network.x_m[network.edge_v],
                                                                    network.y_m[network.edge_v]])], axis=1))
    tree = tree if tree is not None else shapely.STRtree(edge_geoms)
    pts = shapely.points(x, y)
    finite = np.isfinite(x) & np.isfinite(y)
    p_idx, e_idx, d = _nearest_edges(tree, pts[finite], max_snap_m)
    p_idx = np.flatnonzero(finite)[p_idx]
    geoms = np.asarray(edge_geoms)[e_idx]
    f = shapely.line_locate_point(geoms, pts[p_idx], normalized=True)
    u, v = network.edge_u[e_idx], network.edge_v[e_idx]
    start = shapely.get_point(geoms, 0)
    du = np.hypot(shapely.get_x(start) - network.x_m[u], shapely.get_y(start) - network.y_m[u])
    dv = np.hypot(shapely.get_x(start) - network.x_m[v], shapely.get_y(start) - network.y_m[v])
    f = np.where(dv < du, 1.0 - f, f)                  # a geometry drawn from v to u
    return SegmentPositions(p_idx.astype(np.int64), e_idx.astype(np.int64), f, d)


def points_hash(x_m: ArrayLike, y_m: ArrayLike) -> str:
    """A hash of points' coordinates (their order included): what stored positions are checked against.

    Parameters
    ----------
    x_m, y_m
        The points (EPSG:27700).

    Examples
    --------
    >>> points_hash([1.0, 2.0], [3.0, 4.0]) == points_hash([1.0, 2.0], [3.0, 4.0]) != points_hash([2.0, 1.0], [3.0, 4.0])
    True
    """
    import hashlib

    digest = hashlib.sha256(np.ascontiguousarray(x_m, dtype="<f8").tobytes())
    digest.update(np.ascontiguousarray(y_m, dtype="<f8").tobytes())
    return digest.hexdigest()


def links_at(network: RoadNetwork, positions: SegmentPositions, n_points: int, *,
             access_speed_mps: float = DEFAULT_ACCESS_SPEED_MPS, source: bool = False) -> Links:
    """How each of ``n_points`` points is reached (or left) through its position on a segment, under the
    network's drive times (points without a position are off-network).

    Parameters
    ----------
    network
        The road network, under the speed profile the times are wanted for.
    positions
        From :func:`segment_positions` (or read back from a load).
    n_points
        How many points there are.
    access_speed_mps, source
        As :func:`snap_to_segments` takes them.
    """
    if not access_speed_mps > 0:
        raise AnalysisError(f"access_speed_mps must be positive, got {access_speed_mps}")
    node_a = np.full(n_points, -1, dtype=np.int64)
    node_b = np.full(n_points, -1, dtype=np.int64)
    extra_a, extra_b, dist = np.full(n_points, np.inf), np.full(n_points, np.inf), np.full(n_points, np.inf)
    p_idx, e_idx, f, d = positions.point, positions.edge, positions.fraction, positions.distance_m
    if len(p_idx) == 0:
        return Links(node_a, extra_a, node_b, extra_b, dist)
    u, v = network.edge_u[e_idx], network.edge_v[e_idx]
    access = d / access_speed_mps
    tt = network.travel_time_s[e_idx]
    back = np.asarray(network.graph[v, u]).ravel()     # the reverse arc's time, 0 where the road is one-way
    two_way = back > 0
    if source:              # leave forward to v, or back to u along the reverse edge
        node_a[p_idx], extra_a[p_idx] = v, (1.0 - f) * tt + access
        node_b[p_idx[two_way]] = u[two_way]
        extra_b[p_idx[two_way]] = f[two_way] * back[two_way] + access[two_way]
    else:                   # arrive from u along the edge, or from v along the reverse edge
        node_a[p_idx], extra_a[p_idx] = u, f * tt + access
        node_b[p_idx[two_way]] = v[two_way]
        extra_b[p_idx[two_way]] = (1.0 - f[two_way]) * back[two_way] + access[two_way]
    dist[p_idx] = d
    return Links(node_a, extra_a, node_b, extra_b, dist)


def snap_to_segments(network: RoadNetwork, x_m: ArrayLike, y_m: ArrayLike, *, edge_geoms: ArrayLike | None = None,
                     tree: shapely.STRtree | None = None,
                     max_snap_m: float = DEFAULT_MAX_SNAP_M,
                     access_speed_mps: float = DEFAULT_ACCESS_SPEED_MPS, source: bool = False) -> Links:
    """Snap points to the nearest road segment (a point on an edge), not the nearest node.

    In the countryside nodes are far apart along long roads, so a point 50 m
    from a road can be 1 km from its nearest node: snapping to segments keeps
    it on the network and charges the drive pro rata along the edge. The
    geometry (:func:`segment_positions`) and the times (:func:`links_at`) are
    separate steps, so a load can store the first.

    Parameters
    ----------
    edge_geoms
        Edge geometries (EPSG:27700) aligned with the network's edges; default
        straight lines between the edge's end nodes.
    tree
        A ``shapely.STRtree`` of ``edge_geoms`` to reuse.
    max_snap_m
        Points further than this from every road are off-network.
    access_speed_mps
        Speed of the leg from the road to the point.
    source
        Points that are left (stations), not reached: the links then say how
        long the point takes to reach each end of its edge (forward to ``v``,
        back to ``u`` where the road is two-way). A source and a target on the
        same edge are joined through an end node, an overestimate where
        junctions are far apart.

    Examples
    --------
    >>> from bluelight.analysis import example_network
    >>> net = example_network()                       # 500 m blocks at 60 s each
    >>> links = snap_to_segments(net, [530250, 531000], [180010, 179000], max_snap_m=100, access_speed_mps=10)
    >>> links.node_a.tolist(), [round(float(e), 1) for e in links.extra_a_s], links.node_b.tolist()
    ([0, -1], [31.0, inf], [1, -1])
    """
    if not access_speed_mps > 0:
        raise AnalysisError(f"access_speed_mps must be positive, got {access_speed_mps}")
    positions = segment_positions(network, x_m, y_m, edge_geoms=edge_geoms, tree=tree, max_snap_m=max_snap_m)
    return links_at(network, positions, np.asarray(x_m).size, access_speed_mps=access_speed_mps, source=source)
