"""The travel-time and coverage engine on the real London demo."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest

from bluelight.cli.main import main
from bluelight.foundation.config_files import package_config
from bluelight.foundation.environment import shipped_scenarios

pytestmark = pytest.mark.integration


def _json(capsys, argv):
    capsys.readouterr()
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_fire_coverage_of_population_clips_to_the_network(demo_warehouse, capsys):
    out = _json(capsys, ["coverage", "--service", "fire", "--threshold-s", "360", "--demand", "population",
                         "--warehouse", str(demo_warehouse), "--json", "--by-area"])
    s = out["baseline"]["summary"]
    assert out["profile"].startswith("bluelight@")
    assert s["demand_off_network"] > 0.8 * s["demand_total"]        # the road data covers central London only
    assert 0.5 < s["share_within"] <= 1 and s["share_within_modelled"] < s["share_within"]
    assert 150 < s["mean_s"] < 420
    assert {t["target_id"] for t in out["baseline"]["targets"]} >= {"lfb-first-appliance-mean-6min"}
    assert "lfb-second-appliance-mean-8min" not in {t["target_id"] for t in out["baseline"]["targets"]}
    assert any(a["area"] == "Westminster" for a in out["baseline"]["by_area"])


def test_closing_stations_worsens_fire_cover(demo_warehouse, tmp_path, capsys):
    scen = tmp_path / "close.yaml"
    scen.write_text("name: close Soho and Euston\nchanges:\n  - {action: close, site: LFB-soho}\n"
                    "  - {action: close, site: LFB-euston}\n")
    out = _json(capsys, ["coverage", "--service", "fire", "--threshold-s", "300", "--scenario", str(scen),
                         "--warehouse", str(demo_warehouse), "--json"])
    before, after = out["baseline"]["summary"], out["scenario"]["summary"]
    assert after["mean_s"] > before["mean_s"]
    assert after["share_within"] <= before["share_within"]
    assert out["change"]["demand_slower"] > 0 and out["change"]["demand_faster"] == 0


def test_2014_closures_as_of(demo_warehouse, capsys):
    pre = _json(capsys, ["coverage", "--service", "fire", "--threshold-s", "360", "--as-of", "2014-01-08",
                         "--warehouse", str(demo_warehouse), "--json"])
    post = _json(capsys, ["coverage", "--service", "fire", "--threshold-s", "360", "--as-of", "2014-01-10",
                          "--warehouse", str(demo_warehouse), "--json"])
    assert pre["baseline"]["sites_used"] > post["baseline"]["sites_used"]   # Westminster, Clerkenwell, ... closed
    assert pre["baseline"]["summary"]["mean_s"] < post["baseline"]["summary"]["mean_s"]


def test_isochrones_written(demo_warehouse, tmp_path):
    out = tmp_path / "soho.geojson"
    assert main(["isochrones", "--site", "LFB-soho", "--bands", "180,300", "--out", str(out),
                 "--warehouse", str(demo_warehouse)]) == 0
    gdf = gpd.read_file(out)
    assert list(gdf["band_s"]) == [180, 300]
    assert gdf.geometry.iloc[1].contains(gdf.geometry.iloc[0].representative_point())
    assert 0.2 < gdf["area_km2"].iloc[1] < 20


def test_calibration_beats_both_baselines(demo_warehouse, data_dir, tmp_path, capsys):
    prof_dir = tmp_path / "profiles"
    prof_dir.mkdir()
    (prof_dir / "bluelight_v1.yaml").write_text((package_config() / "speed_profiles" / "bluelight_v1.yaml").read_text())
    incidents = data_dir / "london" / "incidents" / "lfb_incidents_2023_sample.csv"
    fit = _json(capsys, ["calibrate", "--fit", str(incidents), "--profile-dir", str(prof_dir),
                         "--warehouse", str(demo_warehouse), "--json"])
    assert fit["fitted_profile"] == "bluelight@2" and (prof_dir / "bluelight_v2.yaml").exists()
    assert fit["observations"]["used"] > 500
    ev = _json(capsys, ["calibrate", "--evaluate", str(incidents), "--profile-dir", str(prof_dir),
                        "--warehouse", str(demo_warehouse), "--json"])
    ours, osmnx, line = ev["models"]
    assert ev["profile"] == "bluelight@2"
    assert ours["mae_s"] < 0.9 * osmnx["mae_s"] and ours["mae_s"] < 0.9 * line["mae_s"]
    assert fit["cv_mae_s"] < min(osmnx["mae_s"], line["mae_s"])
    # the modelled share within 6 minutes is close to the actual one; the deterministic one overstates it
    assert abs(ours["modelled_share_within_6min"] - ours["actual_share_within_6min"]) < 0.05
    assert ours["modelled_share_within_6min_deterministic"] > ours["actual_share_within_6min"]


def test_2014_closures_scenario_file(demo_warehouse, capsys):
    out = _json(capsys, ["scenario", "run", str(shipped_scenarios() / "lfb_2014_closures.yaml"),
                         "--warehouse", str(demo_warehouse), "--json"])
    fire = out["services"]["fire"]
    assert fire["sites_before"] - fire["sites_after"] == 10
    ch = fire["population"]["change"]
    assert ch["demand_within_after"] < ch["demand_within_before"] and ch["demand_slower"] > 0
    assert any(a["direction"] == "loses" for a in fire["areas"])
    assert "false_alarm" in fire["incidents"]
    assert not out["finance"]["complete"] and "disposal receipt of Westminster" in out["finance"]["missing"]


def test_police_into_fire_station_and_candidates(demo_warehouse, capsys):
    out = _json(capsys, ["scenario", "run", str(shipped_scenarios() / "police_into_kentish_town_fire_station.yaml"),
                         "--warehouse", str(demo_warehouse), "--json"])
    assert set(out["services"]) == {"fire", "police"}
    cand = _json(capsys, ["colocation", "candidates", "--max-travel-s", "240", "--warehouse", str(demo_warehouse),
                          "--json"])
    assert cand["pairs"] == len(cand["candidates"]) > 0
    assert all(c["service"] != c["into_service"] and c["drive_s"] <= 240 for c in cand["candidates"])


def test_dap_chooses_fire_and_police_posts_and_shows_the_gain(demo_warehouse, tmp_path, capsys):
    out = _json(capsys, ["dap", "--k", "5", "--model", "mexclp", "--threshold-s", "480", "--candidates", "fire,police",
                         "--band", "evening", "--warehouse", str(demo_warehouse), "--json"])
    r = out["bands"]["evening"]
    assert r["demand"]["kind"] == "expected"                      # the demo has no ambulance incidents
    assert len(r["posts"]) == 5 and {p["service"] for p in r["posts"]} <= {"fire", "police"}
    assert r["model"]["status"] == "optimal" and r["model"]["mip_gap"] < 1e-6
    e = r["expected_share_within"]
    assert e["after"] > e["before"] and r["after"]["mean_s"] < r["before"]["mean_s"]
    gains = [row["gain"] for row in r["compliance"]]
    assert len(gains) == 5 and all(g >= -1e-9 for g in gains) and gains[0] >= gains[-1]
    assert {t["target_id"] for t in r["targets_after"]} >= {"nhs-arp-c1-mean", "nhs-arp-c1-p90"}
    points = tmp_path / "laybys.csv"
    points.write_text("name,easting,northing\nTottenham Court Road layby,529700,181500\n", encoding="utf-8")
    more = _json(capsys, ["dap", "--k", "2", "--points", str(points), "--band", "evening", "--candidates",
                          "fire,police", "--warehouse", str(demo_warehouse), "--json"])["bands"]["evening"]
    assert more["candidates"]["total"] == r["candidates"]["total"] + 1
    night = _json(capsys, ["dap", "--k", "3", "--model", "mclp", "--band", "night", "--warehouse",
                           str(demo_warehouse), "--json"])["bands"]["night"]
    assert night["candidates"]["open_in_band"] < night["candidates"]["total"]     # day-time counters are shut


def test_dap_pmedian_and_dsm_on_the_demo(demo_warehouse, capsys):
    for model in ("pmedian", "dsm"):
        out = _json(capsys, ["dap", "--k", "3", "--model", model, "--warehouse", str(demo_warehouse), "--json"])
        r = out["bands"]["all"]
        assert r["model"]["status"] == "optimal" and r["after"]["mean_s"] <= r["before"]["mean_s"]


def test_coresponding_ranks_london_stations(demo_warehouse, capsys):
    out = _json(capsys, ["coresponding", "--warehouse", str(demo_warehouse), "--json"])
    s = out["summary"]
    assert 0 < s["share_fire_first"] < 1 and s["additional_survivors"] > 0
    assert s["survivors_with"] > s["survivors_without"]
    ranked = out["stations"]
    assert ranked[0]["additional_survivors"] >= ranked[-1]["additional_survivors"]
    assert {"LFB-soho", "LFB-west-hampstead"} <= {r["site_id"] for r in ranked}
    curve = out["enrolment_curve"]
    assert curve[-1]["cumulative_survivors"] == pytest.approx(s["additional_survivors"], rel=1e-6)
    free = _json(capsys, ["coresponding", "--ambulance-busy-fraction", "0", "--warehouse", str(demo_warehouse),
                          "--json"])["summary"]
    assert free["share_fire_first"] < s["share_fire_first"]          # busy ambulances: fire is first more often
    assert free["additional_survivors"] < s["additional_survivors"]
    one = _json(capsys, ["coresponding", "--stations", ranked[0]["site_id"], "--survival-model", "waalewijn_2001",
                         "--warehouse", str(demo_warehouse), "--json"])
    assert one["summary"]["enrolled_stations"] == 1 and one["summary"]["survival_model"] == "waalewijn_2001"


def test_shared_workshop_siting(demo_warehouse, capsys):
    out = _json(capsys, ["colocation", "facility", "--users", "fire", "--k", "1", "--warehouse",
                         str(demo_warehouse), "--json"])
    ranking = out["single_site_ranking"]
    assert out["plan"]["chosen"][0] == ranking[0]["site_id"]     # one facility: the best of the ranking
    worst = {k: _json(capsys, ["colocation", "facility", "--users", "fire,police", "--k", str(k), "--objective",
                               "worst", "--warehouse", str(demo_warehouse), "--json"])["plan"] for k in (1, 2)}
    assert len(worst[2]["chosen"]) == 2 and worst[2]["worst_trip_s"] < worst[1]["worst_trip_s"]


def test_demand_forecast_validated_on_held_out_weeks_of_real_incidents(demo_warehouse):
    """The observed-demand method on real incidents (LFB 2023; the demo has no ambulance incidents)."""
    import pandas as pd

    from bluelight.analysis.demand_bands import TimeBand, validate_forecast
    from bluelight.etl.warehouse import connect
    from bluelight.services.inputs import read_incident_times, read_population_by_age

    con = connect(demo_warehouse, read_only=True)
    try:
        zones, inc = read_population_by_age(con), read_incident_times(con, service="fire")
    finally:
        con.close()
    inc = inc[pd.to_datetime(inc["call_time"]).dt.year == 2023]
    band = TimeBand.parse("evening")
    m = band.contains(inc["call_time"])
    week = pd.to_datetime(inc["call_time"]).dt.to_period("W").astype(str).to_numpy()
    v = validate_forecast(zones[["easting", "northing"]].to_numpy(float), zones["pop_total"].to_numpy(float),
                          inc[["easting", "northing"]].to_numpy(float)[m], week[m])
    assert v.test_weeks >= 10 and v.test_incidents > 300
    assert v.improvement_vs_counts > 0.1          # raw counts of a sample overfit
    assert v.improvement_vs_population > 0        # and the blend still beats population alone


def test_coverage_for_one_traffic_period(demo_warehouse, capsys):
    """The shipped London profile was fitted by traffic period: night times differ from all hours', and say so."""
    every = _json(capsys, ["coverage", "--service", "fire", "--warehouse", str(demo_warehouse), "--json"])
    night = _json(capsys, ["coverage", "--service", "fire", "--traffic-period", "night", "--warehouse",
                           str(demo_warehouse), "--json"])
    assert night["profile"] == every["profile"] + "/night"
    assert night["baseline"]["summary"]["mean_s"] != every["baseline"]["summary"]["mean_s"]
    assert main(["coverage", "--traffic-period", "peak", "--profile", "bluelight_v1", "--warehouse",
                 str(demo_warehouse)]) == 2                      # a profile with no traffic periods says so
    assert "no traffic period 'peak'" in capsys.readouterr().err


def test_national_estimate_without_road_data(capsys):
    """Every FIRE1001 service is in the table, estimated or with its reason; the left-out error is published."""
    import pandas as pd

    from bluelight.foundation.environment import configured_data_dir

    out = _json(capsys, ["national", "--json"])
    f1001 = pd.read_csv(configured_data_dir().path / "england" / "response_times" / "fire1001_response_times_by_frs.csv")
    named = set(f1001[(f1001["FINANCIAL_YEAR"] == out["year"]) & (f1001["FIRE_TYPE"] == out["fire_type"])
                      & f1001["DRIVE_TIME_min"].notna()]["LOCATION_CATEGORY"])
    named -= {"England", "Metropolitan", "Non-metropolitan", "Predominantly Rural", "Predominantly Urban",
              "Significantly Rural"}
    rows = {r["service"]: r for r in out["services"]}
    assert set(rows) == named
    assert all(r["estimated"] or r["reason"] for r in rows.values())
    assert out["label"] == "estimate without road data" and out["cv_services"] >= 40
    assert out["cv_mae_drive_min"] < 0.6                        # left-out services, mean drive in minutes
    london = out["held_out"]
    assert "held out" in out["not_fitted"]["Greater London"] and rows["Greater London"]["cv_drive_min"] is None
    assert 0.6 < london["incident_sample"]["share_within_6min"] < 0.8 and 0 < london["modelled_share_within_6min"] < 1
    assert out["lsoas_estimated"] > 30_000 and out["trends"]


def test_coresponding_and_availability_for_one_traffic_period(demo_warehouse, capsys):
    """--traffic-period and the pages' "Travel times for" give the same band's figures, unlike all hours'."""
    from bluelight.dashboard.pages import availability, coresponding
    from bluelight.etl.warehouse import connect
    from bluelight.services.coresponding import run_coresponding
    from bluelight.services.inputs import session_profile
    from bluelight.services.session import Session
    from bluelight.services.simulation import run_simulation

    wh = ["--warehouse", str(demo_warehouse), "--json"]
    every = _json(capsys, ["coresponding", *wh])["summary"]
    night = _json(capsys, ["coresponding", "--traffic-period", "night", *wh])["summary"]
    assert night["minutes_saved_mean"] != every["minutes_saved_mean"]
    sim = ["simulate", "--service", "fire", "--replications", "2", *wh]
    sim_every = _json(capsys, sim)
    sim_night = _json(capsys, [*sim, "--traffic-period", "night"])
    assert sim_night["profile"] == sim_every["profile"] + "/night"
    assert sim_night["baseline"]["first_within"] != sim_every["baseline"]["first_within"]
    con = connect(demo_warehouse, read_only=True)
    try:
        session = Session.over(con, session_profile(con, None))
        request, errors = coresponding.parse("de_maio_2003", [], [], None, None, None, None, [], 250, "night")
        assert not any(errors) and request.traffic_period == "night"
        page = run_coresponding(session, request).summary
        for key in ("share_fire_first", "minutes_saved_mean", "additional_survivors"):
            assert page[key] == pytest.approx(night[key], rel=1e-12), key
        values = ["fire", "resample", None, None, 2, None, None, 1, 250, "night"]
        request, errors = availability.parse(*values)
        assert not any(errors) and request.traffic_period == "night"
        assert run_simulation(session, request).baseline["first_within"] == sim_night["baseline"]["first_within"]
        _, errors = availability.parse(*values[:-1], "dusk")
        assert errors[-1] == "Travel times for must be one of all, night, peak, off_peak, got 'dusk'"
    finally:
        con.close()


def test_dap_plans_are_timed_at_the_traffic_period_of_their_hours(demo_warehouse, capsys):
    """A night plan uses the night period's speeds and turnout, a plan over all hours all hours'; --traffic-period
    wins."""
    wh = ["--k", "2", "--warehouse", str(demo_warehouse), "--json"]
    night = _json(capsys, ["dap", "--band", "night", *wh])["bands"]["night"]
    assert night["travel_times"]["hour_band"] == "night" and night["travel_times"]["share_of_plan_hours"] == 1.0
    assert night["travel_times"]["profile"].endswith("/night")
    every = _json(capsys, ["dap", "--band", "all", *wh])["bands"]["all"]
    assert every["travel_times"]["hour_band"] == "all" and "/" not in every["travel_times"]["profile"]
    kept = _json(capsys, ["dap", "--band", "night", "--traffic-period", "peak", *wh])["bands"]["night"]
    assert kept["travel_times"] | {"profile": ""} == {"hour_band": "peak", "share_of_plan_hours": 0.0, "profile": ""}
    assert night["before"]["mean_s"] != kept["before"]["mean_s"]
