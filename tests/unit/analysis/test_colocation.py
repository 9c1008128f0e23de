import numpy as np
import pandas as pd
import pytest

from bluelight.analysis.colocation import ServiceCover, SpaceRules, candidates, capacity
from bluelight.analysis.coverage import build_coverage_model
from bluelight.analysis.traveltime import site_travel_times
from bluelight.errors import AnalysisError
from tests.unit.analysis.graphs import line_network

# line: nodes 0-1-2-3 two-way (10 s a hop), 3 -> 4 one-way
SITES = pd.DataFrame({"site_id": ["F", "P", "A"], "name": ["Fire", "Police", "Amb"],
                      "service": ["fire", "police", "ambulance"], "turnout_s": [0.0, 0.0, 0.0],
                      "running_cost_gbp_pa": [500_000.0, np.nan, np.nan], "disposal_value_gbp": [np.nan] * 3,
                      "bays": pd.array([pd.NA, 2, pd.NA], dtype="Int64")})
NODES = np.array([0, 3, 1])
SPACE = SpaceRules({"fire": 450.0, "police": 150.0}, {"fire": 1, "police": 0}, 0.25)


def _covers(demand_nodes):
    net = line_network()
    times = site_travel_times(net, NODES, cutoff_s=1000)
    fire = build_coverage_model(site_travel_times(net, [0], cutoff_s=1000), [0.0], demand_nodes)
    return times, {"fire": ServiceCover(fire, ["F"], np.ones(len(demand_nodes)), 15.0, "share", 0.5)}


def test_a_move_towards_demand_improves_cover():
    times, covers = _covers(np.array([3, 3, 2]))        # fire demand near the police station
    out = candidates(SITES, times, covers, max_travel_s=35, space=SPACE)
    into_police = out[(out["move"] == "F") & (out["into"] == "P")].iloc[0]
    assert into_police["drive_s"] == 30
    assert into_police["share_within_before"] == 0 and into_police["share_within_after"] == 1
    assert into_police["cover_loss_pp"] == -100 and into_police["meets_standard_after"]
    assert into_police["capacity"] == "ok"
    assert into_police["dividend_gbp_pa_per_pp_lost"] is None          # nothing lost
    assert set(out["into_service"]) <= {"police", "ambulance"}          # never the same service


def test_a_move_away_from_demand_worsens_cover_and_ranks_last():
    times, covers = _covers(np.array([0, 0, 1]))        # fire demand beside the fire station
    out = candidates(SITES, times, covers, max_travel_s=35)
    assert out.iloc[-1]["into"] == "P"                               # the worst move ranks last
    worst = out.iloc[-1]
    assert worst["cover_loss_pp"] == pytest.approx(100) and not worst["meets_standard_after"]
    assert worst["dividend_gbp_pa_per_pp_lost"] == pytest.approx(5_000)   # £500k released per 100 points lost
    near = out[out["into"] == "A"].iloc[0]                           # the ambulance station is one hop away
    assert near["share_within_after"] == pytest.approx(1.0)


def test_pairs_beyond_the_travel_time_are_left_out():
    times, covers = _covers(np.array([0]))
    assert set(candidates(SITES, times, covers, max_travel_s=15)["into"]) == {"A"}
    with pytest.raises(AnalysisError, match="less than max_travel_s"):
        candidates(SITES, times, covers, max_travel_s=5000)


def test_capacity_by_bays_and_floor_area():
    host = pd.Series({"bays": 2, "floor_area_m2": 2000.0})
    assert capacity("fire", host, SPACE) == "ok"                              # 500 m² offered, 450 needed
    assert capacity("fire", pd.Series({"bays": 0, "floor_area_m2": 4000.0}), SPACE).startswith("no bay free")
    assert capacity("fire", pd.Series({"bays": 1, "floor_area_m2": 1000.0}), SPACE) == \
        "too small (needs 450 m², 250 m² available)"
    assert capacity("police", pd.Series({"bays": None, "floor_area_m2": None}), SPACE) == "unknown"
    assert capacity("fire", host, None) == "unknown"
