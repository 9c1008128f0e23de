"""The availability service on a synthetic region: its request, its inputs, and the command line over it."""

import json

import numpy as np
import pandas as pd
import pytest

from bluelight.analysis.replications import _scene_times
from bluelight.cli.main import main
from bluelight.services.fleet_system import _workload, load_settings
from bluelight.services.simulation import actual_figures


def _run(capsys, *args) -> tuple[int, dict | str]:
    capsys.readouterr()
    code = main(["simulate", *args])
    out = capsys.readouterr()
    try:
        return code, json.loads(out.out)
    except json.JSONDecodeError:
        return code, out.err


def test_scene_times_keep_exact_records_and_draw_below_the_floor():
    from bluelight.analysis.durations import LogNormal

    inc = pd.DataFrame({"vehicle_minutes": [95.0, 60.0, np.nan], "vehicles_sent": [1.0, 2.0, np.nan],
                        "vehicle_minutes_floor": [60.0, 60.0, np.nan], "category": ["other_fire", "false_alarm",
                                                                                   "dwelling_fire"]})

    class S:
        on_scene = LogNormal(600.0, 0.8)
        incidents = _workload(inc, load_settings(), "fire")

    assert S.incidents["need"].tolist() == [1, 2, 2]                    # the record's count, else the rule (dwelling: 2)
    out = _scene_times(S, np.array([0, 1, 2]), np.array([1, 2, 1]), np.random.default_rng(0))
    assert out[0, 0] == 95 * 60.0                                       # above the floor: the record's own
    assert (out[1] <= 30 * 60.0).all()                                  # at the floor of 60 for 2 pumps: 30 min each
    assert out[2, 0] > 0


def test_actual_figures_by_hand():
    inc = pd.DataFrame({"first_arrival_s": [300.0, 400.0, np.nan, 200.0], "second_arrival_s": [450.0, np.nan, np.nan, 500.0],
                        "station_ground": ["Soho", "Soho", "Euston", "Far Away"],
                        "first_site_id": ["LFB-soho", "LFB-euston", None, "LFB-soho"]})
    stations = pd.DataFrame({"site_id": ["LFB-soho", "LFB-euston"], "name": ["Soho", "Euston"]})
    a = actual_figures(inc, stations, threshold_s=360.0, second_threshold_s=480.0)
    assert a["first_within"] == pytest.approx(2 / 3) and a["first_with_time"] == 3
    assert a["second_within"] == 0.5
    assert a["not_station_ground_share"] == 0.5 and a["with_station_ground_in_area"] == 2   # ground outside: left out


def test_simulate_command(synthetic_wh, capsys):
    code, out = _run(capsys, "--warehouse", str(synthetic_wh), "--replications", "3", "--sample-share", "1", "--json")
    assert code == 0, out
    b = out["baseline"]
    inputs = out["inputs"]
    assert inputs["vehicles"] >= inputs["stations"] and inputs["on_scene"]["source"].startswith(str(load_settings().path))
    # resampling at share 1 draws as many calls a year as are loaded in the period
    assert b["calls_per_replication"]["mean"] == pytest.approx(inputs["incidents_in_period_on_network"], rel=0.15)
    assert 0 <= b["first_within"]["mean"] <= b["first_within_static"]["mean"] + 0.02
    assert b["first_within"]["ci95"][0] <= b["first_within"]["mean"] <= b["first_within"]["ci95"][1]
    assert {"utilisation", "no_vehicle_free_share", "vehicles"} <= set(b["stations"][0])
    assert len(b["by_hour_band"]) == 4 and out["hypercube"]["mean_utilisation"] > 0
    assert b["second_threshold_s"] == 480.0 == inputs["second_threshold_s"]       # from the loaded fire targets
    zones = b["by_zone"]
    assert all(z["calls_per_year"] > 0 for z in zones)
    pooled = sum(z["first_within"] * z["calls_per_year"] for z in zones) / sum(z["calls_per_year"] for z in zones)
    # the zones add up to the whole (pooled calls, against the mean of the replications' shares)
    assert pooled == pytest.approx(b["first_within"]["mean"], abs=0.01)
    mean_target = next(t for t in b["targets"] if t["statistic"] == "mean")
    assert mean_target["value"]["mean"] == pytest.approx(b["first_mean_s"]["mean"])


def test_replay_is_deterministic_and_ambulances_convey(synthetic_wh, capsys):
    args = ["--warehouse", str(synthetic_wh), "--replications", "1", "--arrivals", "replay", "--json"]
    _, one = _run(capsys, *args, "--seed", "4")
    _, two = _run(capsys, *args, "--seed", "4")
    assert one["baseline"]["first_within"] == two["baseline"]["first_within"]
    code, amb = _run(capsys, "--warehouse", str(synthetic_wh), "--service", "ambulance", "--arrivals", "population",
                     "--replications", "2", "--json")
    assert code == 0, amb
    assert amb["inputs"]["conveyance"]["hospitals_on_network"] == 1 and amb["inputs"]["calls_per_year"] > 0


def test_closing_a_station_moves_its_work_to_the_neighbours(synthetic_wh, capsys, tmp_path):
    scen = tmp_path / "close.yaml"
    scen.write_text("name: close fire 1\nchanges:\n  - {action: close, site: SYN-FIR-001}\n")
    code, out = _run(capsys, "--warehouse", str(synthetic_wh), "--replications", "2", "--sample-share", "1",
                     "--scenario", str(scen), "--json")
    assert code == 0, out
    change = {r["site_id"]: r["jobs_change_per_year"] for r in out["workload_change"]}
    assert change["SYN-FIR-001"] < 0 and sum(v for k, v in change.items() if k != "SYN-FIR-001") > 0


def test_bad_option_is_refused_with_the_field_message(synthetic_wh, capsys):
    code, err = _run(capsys, "--warehouse", str(synthetic_wh), "--replications", "0")
    assert code == 2 and "Replications must be a whole number from 1 to 200" in err


def test_coverage_adds_the_simulated_share_beside_the_static_one(synthetic_wh, capsys):
    capsys.readouterr()
    assert main(["coverage", "--warehouse", str(synthetic_wh), "--availability", "--json"]) == 0
    av = json.loads(capsys.readouterr().out)["with_availability"]
    assert av["available"] and 0 <= av["first_within"]["mean"] <= av["first_within_static"]["mean"] + 0.02
    assert main(["coverage", "--warehouse", str(synthetic_wh), "--availability", "--service", "police", "--json"]) == 0
    av = json.loads(capsys.readouterr().out)["with_availability"]
    assert not av["available"] and "no police incidents" in av["reason"]       # said, never a figure from no demand


def test_a_period_without_incidents_is_refused(synthetic_wh, capsys):
    code, err = _run(capsys, "--warehouse", str(synthetic_wh), "--period-from", "2001-01-01", "--period-to", "2001-12-31")
    assert code == 2 and "no fire incidents were called between 2001-01-01 and 2001-12-31" in err
