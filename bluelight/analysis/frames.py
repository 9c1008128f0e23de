"""GeoDataFrame wrappers over the numeric core: sites, demand and candidates as points with a CRS.

The way spopt pairs ``from_cost_matrix`` with ``from_geodataframe``: the core
functions take arrays in EPSG:27700; these check their frames up front (a
GeoDataFrame of points, a declared CRS, finite coordinates, non-negative
weights), name the argument at fault, and convert any declared CRS to
British National Grid explicitly, so WGS84 input is never silently read as
metres.

Examples
--------
A square block of two-way streets, a station in one corner and three
demand points:

>>> import geopandas as gpd
>>> from shapely.geometry import Point
>>> from bluelight.analysis import example_network
>>> net = example_network()
>>> sites = gpd.GeoDataFrame({"site_id": ["A"]}, geometry=[Point(530000, 180000)], crs="EPSG:27700")
>>> demand = gpd.GeoDataFrame({"weight": [10.0, 5.0, 1.0]},
...                           geometry=[Point(530000, 180500), Point(530500, 180500), Point(531000, 181000)],
...                           crs="EPSG:27700")
>>> result = coverage_from_geodataframes(net, sites, demand, threshold_s=120)
>>> [round(t) for t in result.response_s]
[60, 120, 240]
>>> round(result.summary.share_within, 3)
0.938
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from bluelight.analysis.coverage import build_coverage_model, evaluate
from bluelight.analysis.isochrones import isochrones_frame
from bluelight.analysis.location_models import LocationResult, coverage_matrix, mclp
from bluelight.analysis.network import RoadNetwork
from bluelight.analysis.snapping import DEFAULT_MAX_SNAP_M, Snapped, snap_points
from bluelight.analysis.summary import CoverageSummary, Variability, summarise
from bluelight.analysis.traveltime import nearest_site_field, site_travel_times, travel_time_table
from bluelight.foundation.errors import AnalysisError
from bluelight.foundation.geo import BNG

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["FrameCoverage", "coverage_from_geodataframes", "isochrones_from_geodataframe", "mclp_from_geodataframes",
           "points_xy", "snap_geodataframe"]


def points_xy(frame: gpd.GeoDataFrame, *, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Easting and northing (EPSG:27700) of a GeoDataFrame of points, after checking it.

    Parameters
    ----------
    frame
        A GeoDataFrame of points with a CRS (reprojected to EPSG:27700).
    name
        What the frame is called in messages (the argument's name).

    Raises
    ------
    AnalysisError
        Naming ``name`` if it is not a GeoDataFrame of points, has no CRS, or
        has missing or non-finite coordinates.
    """
    import geopandas as gpd

    if not isinstance(frame, gpd.GeoDataFrame):
        raise AnalysisError(f"{name} must be a GeoDataFrame of points, got {type(frame).__name__}")
    if len(frame) == 0:
        raise AnalysisError(f"{name} is empty")
    if frame.crs is None:
        raise AnalysisError(f"{name} has no CRS: set one (EPSG:27700 British National Grid, or EPSG:4326 "
                            f"longitude/latitude, which is converted)")
    geoms = frame.geometry
    if geoms.isna().any() or geoms.is_empty.any():
        raise AnalysisError(f"{name}: row {int(np.flatnonzero(geoms.isna() | geoms.is_empty)[0])} has no geometry")
    kinds = set(geoms.geom_type)
    if kinds - {"Point"}:
        raise AnalysisError(f"{name} must hold points, got {sorted(kinds)} (use .representative_point())")
    bng = frame.to_crs(BNG) if frame.crs != BNG else frame
    x, y = bng.geometry.x.to_numpy(float), bng.geometry.y.to_numpy(float)
    bad = ~(np.isfinite(x) & np.isfinite(y))
    if bad.any():
        raise AnalysisError(f"{name}: row {int(np.flatnonzero(bad)[0])} has non-finite coordinates "
                            f"(declared CRS {frame.crs.to_string()})")
    return x, y


def _weights(frame: pd.DataFrame, column: str | None, *, name: str) -> np.ndarray:
    if column is None:
        return np.ones(len(frame))
    if column not in frame.columns:
        raise AnalysisError(f"{name} has no column {column!r} (columns: {list(frame.columns)})")
    w = pd.to_numeric(frame[column], errors="coerce").to_numpy(float)
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        raise AnalysisError(f"{name}: row {int(np.flatnonzero(bad)[0])}, column {column!r}: weights must be "
                            f"finite and non-negative")
    return w


def _turnouts(frame: pd.DataFrame, turnout_s: float | str, *, name: str) -> np.ndarray:
    if isinstance(turnout_s, str):
        return _weights(frame, turnout_s, name=name)
    t = np.full(len(frame), float(turnout_s))
    if not np.isfinite(t).all() or (t < 0).any():
        raise AnalysisError(f"turnout_s must be a finite non-negative number or a column of {name}")
    return t


def snap_geodataframe(network: RoadNetwork, points: gpd.GeoDataFrame, *, name: str = "points", max_snap_m: float = DEFAULT_MAX_SNAP_M) -> Snapped:
    """Snap a GeoDataFrame of points to the network's nearest nodes (beyond ``max_snap_m``: off-network).

    Parameters
    ----------
    network
        The road network.
    points
        A GeoDataFrame of points with a CRS.
    name
        What the points are called in messages.
    max_snap_m
        Points further than this from every node are off-network.
    """
    x, y = points_xy(points, name=name)
    return snap_points(network, x, y, max_snap_m=max_snap_m)


@dataclass(frozen=True)
class FrameCoverage:
    """Response time of each demand row (NaN off-network, inf unreached) and its summary."""

    response_s: np.ndarray
    summary: CoverageSummary
    sites_on_network: np.ndarray


def coverage_from_geodataframes(network: RoadNetwork, sites: gpd.GeoDataFrame, demand: gpd.GeoDataFrame, *, threshold_s: float, weight: str | None = "weight",
             turnout_s: float | str = 0.0, cutoff_s: float = 1800.0, max_snap_m: float = DEFAULT_MAX_SNAP_M,
             variability: Variability | None = None) -> FrameCoverage:
    """Response of ``demand`` from the nearest of ``sites`` and the share within ``threshold_s``.

    Parameters
    ----------
    sites, demand
        GeoDataFrames of points (any declared CRS; converted to EPSG:27700).
    weight
        Column of ``demand`` with its weight (people, incidents); None: 1 each.
    turnout_s
        Seconds added to every drive, or a column of ``sites``.
    """
    if not threshold_s > 0:
        raise AnalysisError(f"threshold_s must be positive, got {threshold_s}")
    s_snap = snap_geodataframe(network, sites, name="sites", max_snap_m=max_snap_m)
    if not s_snap.on_network.any():
        raise AnalysisError(f"no site is within {max_snap_m:g} m of the road network")
    d_snap = snap_geodataframe(network, demand, name="demand", max_snap_m=max_snap_m)
    w = _weights(demand, weight, name="demand")
    turn = _turnouts(sites, turnout_s, name="sites")[s_snap.on_network]
    times = site_travel_times(network, s_snap.node[s_snap.on_network], cutoff_s=cutoff_s)
    r = evaluate(build_coverage_model(times, turn, d_snap.node))
    return FrameCoverage(r, summarise(r, w, threshold_s, variability=variability), s_snap.on_network)


def isochrones_from_geodataframe(network: RoadNetwork, edge_geoms: ArrayLike, sites: gpd.GeoDataFrame, bands_s: Sequence[float], *, turnout_s: float | str = 0.0,
               max_snap_m: float = DEFAULT_MAX_SNAP_M, label: str = "sites") -> gpd.GeoDataFrame:
    """Nested isochrone polygons (a GeoDataFrame in EPSG:27700) of the nearest of ``sites``.

    ``edge_geoms`` are the network's edge geometries (EPSG:27700), aligned with its edges.

    Parameters
    ----------
    network
        The road network.
    edge_geoms
        The network's edge geometries (EPSG:27700), aligned with its edges.
    sites
        A GeoDataFrame of the sites (any CRS).
    bands_s
        The response-time bands, in seconds.
    turnout_s
        Turnout added to each site's drive: one number, or the name of a column of ``sites``.
    max_snap_m
        Sites further than this from every node are left out.
    label
        The label column's value for these polygons.
    """
    s_snap = snap_geodataframe(network, sites, name="sites", max_snap_m=max_snap_m)
    if not s_snap.on_network.any():
        raise AnalysisError(f"no site is within {max_snap_m:g} m of the road network")
    turn = _turnouts(sites, turnout_s, name="sites")[s_snap.on_network]
    times, _ = nearest_site_field(network, s_snap.node[s_snap.on_network], turn, cutoff_s=max(bands_s))
    return isochrones_frame(network, edge_geoms, times, tuple(bands_s), label=label)


def mclp_from_geodataframes(network: RoadNetwork, candidates: gpd.GeoDataFrame, demand: gpd.GeoDataFrame, *, k: int, threshold_s: float,
                            weight: str | None = "weight", turnout_s: float | str = 0.0,
                            max_snap_m: float = DEFAULT_MAX_SNAP_M, time_limit_s: float = 60.0) -> LocationResult:
    """Maximal covering: the ``k`` rows of ``candidates`` that cover the most ``demand`` weight within ``threshold_s``.

    Candidates or demand off the road network cannot cover or be covered.
    ``LocationResult.chosen`` indexes rows of ``candidates``.

    Parameters
    ----------
    network
        The road network.
    candidates
        A GeoDataFrame of candidate sites.
    demand
        A GeoDataFrame of demand points.
    k
        How many candidates to choose.
    threshold_s
        The standard: response within this many seconds covers a point.
    weight
        Demand weight: a column of ``demand``, or None for one each.
    turnout_s
        Turnout added to each candidate's drive: one number, or a column of ``candidates``.
    max_snap_m
        Points further than this from every node are off-network.
    time_limit_s
        The solver's wall-clock budget.
    """
    c_snap = snap_geodataframe(network, candidates, name="candidates", max_snap_m=max_snap_m)
    d_snap = snap_geodataframe(network, demand, name="demand", max_snap_m=max_snap_m)
    w = _weights(demand, weight, name="demand")
    turn = _turnouts(candidates, turnout_s, name="candidates")
    on = np.flatnonzero(c_snap.on_network)
    if len(on) < k:
        raise AnalysisError(f"only {len(on)} candidates are on the road network; k is {k}")
    t = travel_time_table(network, c_snap.node[on], np.maximum(d_snap.node, 0), cutoff_s=threshold_s).T + turn[on][None, :]
    t[d_snap.node < 0, :] = np.inf
    result = mclp(coverage_matrix(t, threshold_s), w, k, time_limit_s=time_limit_s)
    return replace(result, chosen=on[result.chosen], n_candidates=len(candidates))
