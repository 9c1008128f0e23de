import numpy as np
import pandas as pd
import pytest

from bluelight.analysis.colocation import (
    EdgeCheck,
    ServiceCover,
    SpaceRules,
    appraise,
    candidates,
    capacity,
    pair_cover,
)
from bluelight.analysis.coverage import build_coverage_model
from bluelight.analysis.traveltime import site_travel_times
from bluelight.foundation.errors import AnalysisError
from tests.unit.analysis.graphs import line_network

# line: nodes 0-1-2-3 two-way (10 s a hop), 3 -> 4 one-way
SITES = pd.DataFrame({"site_id": ["F", "P", "A"], "name": ["Fire", "Police", "Amb"],
                      "service": ["fire", "police", "ambulance"], "turnout_s": [0.0, 0.0, 0.0],
                      "running_cost_gbp_pa": [500_000.0, np.nan, np.nan], "disposal_value_gbp": [np.nan] * 3,
                      "bays": pd.array([pd.NA, 2, pd.NA], dtype="Int64"),
                      "easting": [0.0, 300.0, 100.0], "northing": [0.0, 0.0, 0.0]})
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


def _two_services():
    net = line_network()
    times = site_travel_times(net, NODES, cutoff_s=1000)
    demand = np.array([0, 3, 1])
    fire = build_coverage_model(site_travel_times(net, [0], cutoff_s=1000), [0.0], demand)
    police = build_coverage_model(site_travel_times(net, [3], cutoff_s=1000), [0.0], demand)
    covers = {"fire": ServiceCover(fire, ["F"], np.ones(3), 15.0, "share", 0.5),
              "police": ServiceCover(police, ["P"], np.ones(3), 15.0, "share", 0.0)}
    return net, times, covers


def test_moves_whose_reach_runs_beyond_the_road_data_are_not_judged_and_rank_last():
    net, times, covers = _two_services()
    # 3 people 80 m west of the fire station, beyond the road data: within 15 s (100 m) of F, not of A or P
    edge = EdgeCheck(net.x_m, net.y_m, np.array([0.0, 300, 100, -80]), np.zeros(4), np.array([1.0, 1, 1, 3]),
                     np.array([True, True, True, False]))
    out = candidates(SITES, times, covers, max_travel_s=35, edge=edge).set_index(["move", "into"])
    assert out.loc[("F", "P"), "unseen_demand_share"] == pytest.approx(3 / 5)      # F reaches 0, 100 and -80
    assert out.loc[("P", "F"), "unseen_demand_share"] == pytest.approx(3 / 5)      # P's crew at F: the same
    assert out.loc[("P", "A"), "unseen_demand_share"] == 0.0                       # reach of A: 0 to 200 m
    judged = out["judged"]
    assert judged[("P", "A")] and not judged[("F", "P")] and not judged[("F", "A")] and not judged[("P", "F")]
    assert out.index[0] == ("P", "A")                                              # judged first, whatever its loss
    assert candidates(SITES, times, covers, max_travel_s=35)["judged"].all()       # no edge given: all judged


def test_entered_estates_figures_re_rank_without_recomputing_cover():
    net, times, covers = _two_services()
    pairs = pair_cover(SITES, times, covers, max_travel_s=35)
    before = appraise(pairs, SITES, space=SPACE).set_index(["move", "into"])
    assert before.loc[("P", "F"), "capacity"] == "unknown" and before.loc[("P", "F"), "allowed"]
    entered = SITES.assign(bays=[0, 2, 1], floor_area_m2=[400.0, np.nan, 4000.0],
                           running_cost_gbp_pa=[500_000.0, 200_000.0, np.nan])
    after = appraise(pairs, entered, space=SPACE).set_index(["move", "into"])
    # police need 150 m²: F offers a quarter of 400 m² = 100 m²; A offers 1,000 m²
    assert after.loc[("P", "F"), "capacity"] == "too small (needs 150 m², 100 m² available)"
    assert not after.loc[("P", "F"), "allowed"] and after.loc[("P", "A"), "capacity"] == "ok"
    assert after.loc[("P", "A"), "running_cost_released_gbp_pa"] == 200_000
    order = list(after.index)
    assert order.index(("P", "F")) > order.index(("P", "A"))
    assert pairs.equals(pair_cover(SITES, times, covers, max_travel_s=35))          # cover itself is unchanged
