"""Sweeps on hand-made systems: a closed station's vehicles re-allocated, figures equal to a simulation of the
changed estate, paired differences, and rank correlation by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bluelight.analysis.durations import LogNormal
from bluelight.analysis.replications import System, run_replications
from bluelight.analysis.simulation import Fleet, Travel
from bluelight.analysis.sweep import Variant, first_loads, paired_change, run_variant, spearman, variant_system
from bluelight.foundation.errors import AnalysisError


def _three_stations() -> System:
    """Three stations on a line, three incidents at each; each station is nearest its own."""
    zones = pd.DataFrame({"zone": [0, 1, 2], "easting": [0.0, 1.0, 2.0], "northing": [0.0, 0.0, 0.0]})
    incidents = pd.DataFrame({"zone": [0, 0, 0, 1, 1, 1, 2, 2, 2], "need": 1, "scene_exact_s": np.nan,
                              "scene_max_s": np.inf, "vehicles_sent": np.nan,
                              "offset_s": np.arange(9) * 3600.0 * 24 * 3, "station_ground": None,
                              "first_site_id": None})
    drive = np.array([[60.0, 200.0, 500.0], [300.0, 60.0, 300.0], [500.0, 100.0, 60.0]])
    stations = pd.DataFrame({"site_id": ["a", "b", "c"], "name": ["A", "B", "C"], "vehicles": [1, 2, 1]})
    return System(stations, Fleet(np.array([0, 1, 1, 2])), Travel(drive, np.full((24, 3), 30.0)), incidents, zones,
                  pd.Timestamp("2024-01-01"), 28 * 86400.0, LogNormal(900.0, 0.4), "test", 1.0, None)


def test_first_loads_count_incidents_by_nearest_station():
    s = _three_stations()
    assert first_loads(s.travel.drive_s, s.incidents["zone"].to_numpy()).tolist() == [3.0, 3.0, 3.0]


def test_closing_a_station_takes_its_column_and_reallocates_the_fleet():
    s = _three_stations()
    closed = variant_system(s, Variant("no-b", closed=("b",)), base_per_station=4 / 3)
    assert closed.stations["site_id"].tolist() == ["a", "c"]
    assert closed.travel.drive_s.tolist() == [[60.0, 500.0], [300.0, 300.0], [500.0, 60.0]]
    # round(4/3 * 2) = 3 vehicles: one each, the extra to a (first to zones 0 and 1 by the stable tie)
    assert closed.stations["vehicles"].tolist() == [2, 1] and closed.fleet.station.tolist() == [0, 0, 1]
    slower = variant_system(s, Variant("late", turnout_add_s=45.0), base_per_station=4 / 3)
    assert np.allclose(slower.travel.turnout_s, 75.0) and slower.fleet.n_vehicles == 4


def test_a_variant_s_figures_equal_a_simulation_of_the_changed_system():
    s = _three_stations()
    out = run_variant(s, Variant("no-b", closed=("b",)), base_per_station=4 / 3, threshold_s=240.0,
                      replications=4, seed=3, arrivals="resample")
    direct = run_replications(variant_system(s, Variant("x", closed=("b",)), base_per_station=4 / 3),
                              threshold_s=240.0, replications=4, seed=3, arrivals="resample", hour_ranges=[(0, 24)])
    assert np.mean(out["first_mean_s"]) == pytest.approx(direct["first_mean_s"]["mean"], abs=1e-9)
    assert np.mean(out["first_within"]) == pytest.approx(direct["first_within"]["mean"], abs=1e-12)
    assert sum(out["first_calls"].values()) == sum(out["calls"])          # every call reached, by a or c
    assert set(out["first_calls"]) == {"a", "c"}


def test_replayed_calls_are_the_incidents_and_the_same_for_every_variant():
    s = _three_stations()
    base = run_variant(s, Variant("base"), base_per_station=4 / 3, threshold_s=240.0, replications=2, seed=1,
                       arrivals="replay")
    closed = run_variant(s, Variant("no-a", closed=("a",)), base_per_station=4 / 3, threshold_s=240.0,
                         replications=2, seed=1, arrivals="replay")
    assert base["calls"] == closed["calls"] == [9, 9]
    # zone 0's three calls now come from b, 200 s + 30 s turnout instead of 60 + 30
    assert paired_change(base, closed, key="first_mean_s")["mean"] == pytest.approx(3 * 140.0 / 9)


def test_bad_variants_are_refused_by_name():
    s = _three_stations()
    with pytest.raises(AnalysisError, match="no station z"):
        variant_system(s, Variant("z", closed=("z",)), base_per_station=1.0)
    with pytest.raises(AnalysisError, match="closes every station"):
        variant_system(s, Variant("all", closed=("a", "b", "c")), base_per_station=1.0)
    with pytest.raises(AnalysisError, match="cannot grow"):
        run_variant(s, Variant("g", demand_growth=0.1), base_per_station=1.0, threshold_s=240.0, replications=1,
                    seed=1, arrivals="replay")


def test_demand_growth_draws_more_calls():
    s = _three_stations()
    base = run_variant(s, Variant("b"), base_per_station=4 / 3, threshold_s=240.0, replications=20, seed=2,
                       arrivals="resample")
    grown = run_variant(s, Variant("g", demand_growth=1.0), base_per_station=4 / 3, threshold_s=240.0,
                        replications=20, seed=2, arrivals="resample")
    assert np.mean(grown["calls"]) == pytest.approx(2 * np.mean(base["calls"]), rel=0.25)


def test_spearman_by_hand():
    assert spearman(np.array([1.0, 2, 3, 4]), np.array([10.0, 30, 20, 40])) == pytest.approx(0.8)
    assert spearman(np.array([1.0, 2, 3]), np.array([3.0, 2, 1])) == pytest.approx(-1.0)
    assert spearman(np.array([1.0, 2]), np.array([1.0, 2])) is None                  # too few pairs
    assert spearman(np.array([1.0, 2, 3]), np.array([5.0, 5, 5])) is None             # no spread
