"""The numeric and geometric core: arrays and GeoDataFrames in, results out.

No warehouse, file or web access here (configuration documents such as speed
profiles are read through :mod:`bluelight.foundation.config_files`); this layer imports only the
foundation modules (:mod:`bluelight.foundation.errors`, :mod:`bluelight.foundation.config_files`,
:mod:`bluelight.foundation.geo`) beneath it. Work in EPSG:27700; units are in the names.

What a user of the library needs is re-exported here. Build a network from an
osmnx graph (:func:`network_from_osmnx`) or from node and edge tables
(:func:`network_from_frames`); snap points; compute per-site travel times and
the nearest-site field; coverage, isochrones and location models on cost
matrices, or on GeoDataFrames through the ``*_from_geodataframe(s)`` wrappers.

Examples
--------
>>> from bluelight.analysis import example_network, nearest_site_field
>>> net = example_network()
>>> times, nearest = nearest_site_field(net, [0], cutoff_s=600)
>>> round(float(times[net.index_of([8])[0]]), 6)     # the far corner: four 60 s blocks away
240.0
"""

from __future__ import annotations

import numpy as np

from bluelight.analysis.appraisal import appraise
from bluelight.analysis.coverage import CoverageModel, build_coverage_model, evaluate
from bluelight.analysis.finance import GREEN_BOOK_RATE
from bluelight.analysis.frames import (
    FrameCoverage,
    coverage_from_geodataframes,
    isochrones_from_geodataframe,
    mclp_from_geodataframes,
    points_xy,
    snap_geodataframe,
)
from bluelight.analysis.isochrones import isochrone_polygons, isochrones_frame
from bluelight.analysis.location_models import LocationResult, coverage_matrix, double_standard, mclp, mexclp, pmedian
from bluelight.analysis.network import RoadNetwork, build_network, graph_tables, network_from_frames, network_from_osmnx
from bluelight.analysis.scenario import Scenario, apply_scenario, scenario_from_dict
from bluelight.analysis.snapping import DEFAULT_MAX_SNAP_M, Snapped, snap_points
from bluelight.analysis.speeds import SpeedProfile, load_profile, profile_from_dict, turnout_s
from bluelight.analysis.summary import CoverageSummary, Variability, summarise, summarise_by
from bluelight.analysis.traveltime import SiteTimes, nearest_site_field, site_travel_times, travel_time_table

__all__ = [
    "DEFAULT_MAX_SNAP_M", "GREEN_BOOK_RATE", "CoverageModel", "CoverageSummary", "FrameCoverage", "LocationResult",
    "RoadNetwork", "Scenario", "SiteTimes", "Snapped", "SpeedProfile", "Variability", "appraise", "apply_scenario",
    "build_coverage_model", "build_network", "coverage_from_geodataframes", "coverage_matrix", "double_standard",
    "evaluate", "example_network", "graph_tables", "isochrone_polygons", "isochrones_frame",
    "isochrones_from_geodataframe", "load_profile", "mclp", "mclp_from_geodataframes", "mexclp",
    "nearest_site_field", "network_from_frames", "network_from_osmnx", "pmedian", "points_xy", "profile_from_dict",
    "scenario_from_dict", "site_travel_times", "snap_geodataframe", "snap_points", "summarise", "summarise_by",
    "travel_time_table", "turnout_s",
]


def example_network(*, blocks: int = 2, block_m: float = 500.0, speed_kph: float = 30.0,
                    origin_xy: tuple[float, float] = (530000.0, 180000.0)) -> RoadNetwork:
    """A square grid of two-way residential streets (for examples and tests).

    ``blocks`` x ``blocks`` blocks of ``block_m`` metres at ``speed_kph``: at the
    defaults each block takes 60 s. Node ids run row by row from the
    south-west corner (0) to the north-east one.

    Parameters
    ----------
    blocks
        Blocks along each side.
    block_m
        Each block's length.
    speed_kph
        The streets' speed.
    origin_xy
        The south-west corner (EPSG:27700).

    Examples
    --------
    >>> example_network().n_nodes
    9
    """
    n = blocks + 1
    ids = np.arange(n * n)
    x = origin_xy[0] + block_m * (ids % n)
    y = origin_xy[1] + block_m * (ids // n)
    pairs = [(i, i + 1) for i in ids if i % n < n - 1] + [(i, i + n) for i in ids if i // n < n - 1]
    u = np.array([a for a, b in pairs] + [b for a, b in pairs])
    v = np.array([b for a, b in pairs] + [a for a, b in pairs])
    profile = profile_from_dict({"name": "example", "version": 1, "highway_kph": {"default": speed_kph},
                                 "turnout_s": {"default": 0.0}, "max_kph": max(speed_kph, 200.0),
                                 "min_kph": min(speed_kph, 5.0)})
    return build_network(ids, x, y, u, v, np.full(len(u), block_m), np.full(len(u), "residential"),
                         np.full(len(u), np.nan), profile)
