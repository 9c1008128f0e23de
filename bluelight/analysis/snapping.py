"""Snap points (sites, incidents, demand) to the road network, recording how far they moved.

A point further than ``max_snap_m`` from any node is flagged off-network, never
silently moved: its travel time is unknown, and coverage reports it apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bluelight.analysis.network import RoadNetwork
from bluelight.errors import AnalysisError

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


def snap_points(network: RoadNetwork, x_m, y_m, *, max_snap_m: float = DEFAULT_MAX_SNAP_M) -> Snapped:
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
