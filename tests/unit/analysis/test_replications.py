"""The simulation's numeric core on hand-made systems: vehicles allocated to demand, intervals kept to shares,
and common random numbers across fleets."""

from __future__ import annotations

import numpy as np
import pandas as pd

from bluelight.analysis.durations import LogNormal
from bluelight.analysis.replications import System, allocate_vehicles, mean_ci, run_fleets
from bluelight.analysis.simulation import Fleet, Travel


def test_extra_vehicles_go_to_the_stations_first_to_most_demand():
    assert allocate_vehicles(np.array([5.0, 50.0, 20.0, 1.0]), 1.5).tolist() == [1, 2, 2, 1]
    assert allocate_vehicles(np.array([5.0, 50.0]), 3.0).tolist() == [3, 3]
    assert allocate_vehicles(np.array([5.0, 50.0]), 1.0).tolist() == [1, 1]


def test_a_share_s_interval_stays_within_0_and_1():
    out = mean_ci([0.98, 1.0, 1.0, 0.99])
    assert abs(out["mean"] - 0.9925) < 1e-12 and 0.0 <= out["ci95"][0] <= out["mean"] <= out["ci95"][1] <= 1.0
    wide = mean_ci([10.0, 30.0])                                   # not a share: the interval is left as it is
    assert wide["mean"] == 20.0 and wide["ci95"][0] < 10.0


def _two_posts() -> System:
    """Two demand points, two bases; base 0 is 60 s from point 0 and 600 s from point 1, base 1 the reverse."""
    zones = pd.DataFrame({"zone": [0, 1], "rate_per_year": [2000.0, 2000.0], "easting": [0.0, 1.0],
                          "northing": [0.0, 0.0]})
    incidents = zones.assign(need=1, scene_exact_s=np.nan, scene_max_s=np.inf, vehicles_sent=np.nan)
    drive = np.array([[60.0, 600.0], [600.0, 60.0]])                 # (zones, bases)
    travel = Travel(drive, np.zeros((24, 2)))
    return System(pd.DataFrame({"site_id": ["a", "b"], "name": ["A", "B"], "vehicles": [1, 1]}),
                  Fleet(np.array([0, 1])), travel, incidents, zones, pd.Timestamp("2024-01-01"), 28 * 86400.0,
                  LogNormal(1200.0, 0.3), "test", 1.0, None)


def test_fleets_are_judged_on_the_same_calls():
    system = _two_posts()
    both, one_each_side, both_at_a = run_fleets(system, [Fleet(np.array([0, 1])), Fleet(np.array([1, 0])),
                                                         Fleet(np.array([0, 0]))],
                                                threshold_s=300.0, replications=3, seed=7)
    # the same calls: swapping which vehicle is which changes nothing, to the last digit
    assert both["share_within"] == one_each_side["share_within"] and both["calls"] == one_each_side["calls"]
    # both vehicles at A: every call from point 1 is 600 s away, so fewer within 300 s
    assert both_at_a["calls"] == both["calls"]
    assert both_at_a["share_within"]["mean"] < both["share_within"]["mean"]
    assert 0.45 < both_at_a["share_within"]["mean"] < 0.55           # about half the calls are near A
