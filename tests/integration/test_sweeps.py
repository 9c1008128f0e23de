"""The sweeps on the demo: every fire station closed in turn, the same serially and on a Dask LocalCluster, and
one closure's figures equal to ``simulate --scenario`` and ``scenario run`` of a file closing it."""

from __future__ import annotations

import json

import pytest

from bluelight.cli import main

pytestmark = pytest.mark.integration

VOLATILE = ("wall_s", "workers", "scheduler")


def _json(capsys, args: list[str]) -> dict:
    assert main(args) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture(scope="module")
def closures(demo_warehouse, capsys_module) -> dict:
    return capsys_module(["sweep", "closures", "--service", "fire", "--replications", "3", "--seed", "5",
                          "--warehouse", str(demo_warehouse), "--json"])


@pytest.fixture(scope="module")
def capsys_module():
    """Run the CLI and read its JSON (module-scoped fixtures cannot take capsys)."""
    import contextlib
    import io

    def run(args: list[str]) -> dict:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert main(args) == 0
        return json.loads(out.getvalue())
    return run


def test_every_open_fire_station_on_the_network_is_ranked(closures, demo_warehouse, capsys):
    status = _json(capsys, ["coverage", "--service", "fire", "--warehouse", str(demo_warehouse), "--json"])
    on_network = status["baseline"]["sites_used"]
    sites = closures["sites"]
    assert len(sites) == closures["baseline"]["stations"] == on_network >= 5
    assert [s["rank"] for s in sites] == list(range(1, len(sites) + 1))
    harm = [s["incidents_beyond_standard_pa"] for s in sites]
    assert harm == sorted(harm, reverse=True)
    for s in sites:
        lo, hi = s["added_mean_response_ci95"]
        assert lo <= s["added_mean_response_s"] <= hi
        assert s["added_mean_response_s"] > 0 and s["calls_pa"] > 0          # closing a station never helps here
        assert s["people_beyond_standard"] is not None and s["people_beyond_standard"] >= 0
    # the demo's sample of LFB incidents is resampled at the full rate, and the sweep says so
    assert sorted(closures["not_swept"]) == sorted(status["baseline"]["sites_off_network"])
    assert closures["arrivals"] == "resample" and "6% sample" in closures["arrivals_note"]
    assert -1 <= closures["calls_harm_spearman"] <= 1


def test_a_local_cluster_gives_the_same_ranking_to_the_last_digit(closures, demo_warehouse, capsys_module):
    local = capsys_module(["sweep", "closures", "--service", "fire", "--replications", "3", "--seed", "5",
                           "--scheduler", "local", "--warehouse", str(demo_warehouse), "--json"])
    assert local["scheduler"] == "local" and local["workers"] >= 1
    strip = lambda d: {k: v for k, v in d.items() if k not in VOLATILE}  # noqa: E731
    assert json.dumps(strip(local), sort_keys=True) == json.dumps(strip(closures), sort_keys=True)


def test_one_closure_equals_simulating_and_running_a_scenario_that_closes_it(closures, demo_warehouse, tmp_path,
                                                                           capsys):
    site = closures["sites"][len(closures["sites"]) // 2]
    yaml = tmp_path / "close.yaml"
    yaml.write_text(f"name: Close {site['name']}\nchanges:\n  - {{action: close, site: {site['site_id']}}}\n")
    sim = _json(capsys, ["simulate", "--service", "fire", "--replications", "3", "--seed", "5", "--scenario",
                         str(yaml), "--warehouse", str(demo_warehouse), "--json"])
    added = sim["scenario"]["first_mean_s"]["mean"] - sim["baseline"]["first_mean_s"]["mean"]
    assert site["added_mean_response_s"] == pytest.approx(added, abs=1e-9)
    calls_pa = closures["baseline"]["calls_pa"]
    beyond = (sim["baseline"]["first_within"]["mean"] - sim["scenario"]["first_within"]["mean"]) * calls_pa
    # the sweep weighs each replication's change by its own calls; the means' product differs by their covariance
    assert site["incidents_beyond_standard_pa"] == pytest.approx(beyond, rel=1e-3)
    run = _json(capsys, ["scenario", "run", str(yaml), "--warehouse", str(demo_warehouse), "--json"])
    change = run["services"]["fire"]["population"]["change"]
    assert site["people_beyond_standard"] == pytest.approx(change["demand_within_before"]
                                                           - change["demand_within_after"], abs=1e-6)


def test_bad_options_are_refused_by_name(demo_warehouse, capsys):
    assert main(["sweep", "closures", "--scheduler", "nowhere", "--warehouse", str(demo_warehouse)]) == 2
    assert "Scheduler must be serial, local or an address" in capsys.readouterr().err
    assert main(["sweep", "closures", "--service", "fire", "--arrivals", "population",
                 "--warehouse", str(demo_warehouse)]) == 2
    assert "population arrivals" in capsys.readouterr().err


def _close_yaml(tmp_path, site: dict, action: str = "close", into: str | None = None):
    yaml = tmp_path / f"{action}.yaml"
    extra = f", into: {into}" if into else ""
    yaml.write_text(f"name: {action} {site['site_id']}\nchanges:\n  - {{action: {action}, site: {site['site_id']}{extra}}}\n")
    return yaml


def test_colocation_pairs_run_as_full_scenarios_judged_first(demo_warehouse, capsys_module, tmp_path, capsys):
    wh = str(demo_warehouse)
    out = capsys_module(["sweep", "colocation", "--limit", "4", "--replications", "2", "--warehouse", wh, "--json"])
    rows = out["ranked"]
    assert out["pairs"] == len(rows) == 4 and [r["rank"] for r in rows] == [1, 2, 3, 4]
    judged = [r["judged"] for r in rows]
    assert judged == sorted(judged, reverse=True) and out["pairs_judged"] == sum(judged)
    fire = next(r for r in rows if r["service"] == "fire" and r["added_mean_response_s"] is not None)
    assert set(fire["cover"]) == {"fire", fire["into_service"]}                    # both services' cover
    yaml = _close_yaml(tmp_path, {"site_id": fire["move"]}, "co_locate", fire["into"])
    run = _json(capsys, ["scenario", "run", str(yaml), "--warehouse", wh, "--json"])
    for service, cover in fire["cover"].items():
        pop = run["services"][service]["population"]
        assert cover["share_within_after"] == pytest.approx(pop["after"]["summary"]["share_within"], abs=1e-12)
    sim = _json(capsys, ["simulate", "--service", "fire", "--replications", "2", "--scenario", str(yaml),
                         "--warehouse", wh, "--json"])
    added = sim["scenario"]["first_mean_s"]["mean"] - sim["baseline"]["first_mean_s"]["mean"]
    assert fire["added_mean_response_s"] == pytest.approx(added, abs=1e-9)
    # the demo has no police incidents: police moves are listed, not simulated, and the reason is given
    police = [r for r in rows if r["service"] == "police"]
    assert all(r["added_mean_response_s"] is None for r in police)
    assert not police or "no police incidents" in out["not_simulated"]["police"]


def test_a_parameter_sweep_point_equals_a_simulation_at_that_value(closures, demo_warehouse, capsys_module,
                                                                     tmp_path, capsys):
    wh = str(demo_warehouse)
    yaml = _close_yaml(tmp_path, closures["sites"][0])
    out = capsys_module(["sweep", "parameters", str(yaml), "--values", "2,1.45", "--replications", "2",
                         "--warehouse", wh, "--json"])
    assert out["service"] == "fire" and [p["value"] for p in out["points"]] == [1.45, 2.0]
    assert out["points"][0]["vehicles_before"] < out["points"][1]["vehicles_before"]
    sim = _json(capsys, ["simulate", "--service", "fire", "--replications", "2", "--vehicles-per-station", "2",
                         "--scenario", str(yaml), "--warehouse", wh, "--json"])
    point = out["points"][1]
    assert point["before_mean_s"] == pytest.approx(sim["baseline"]["first_mean_s"]["mean"], abs=1e-9)
    assert point["after_within"] == pytest.approx(sim["scenario"]["first_within"]["mean"], abs=1e-12)
    assert main(["sweep", "parameters", str(yaml), "--values", "1,x", "--warehouse", wh]) == 2
    assert "Values must be numbers" in capsys.readouterr().err
    assert main(["sweep", "parameters", str(yaml), "--parameter", "demand_growth", "--values", "0,0.1",
                 "--arrivals", "replay", "--warehouse", wh]) == 2
    assert "cannot grow" in capsys.readouterr().err


def test_a_dated_scenario_is_simulated_on_the_estate_as_it_stood(demo_warehouse, capsys_module, capsys):
    """The 2014 closures: the simulation's baseline is the estate of 8 January 2014 (the closed stations open), and
    the parameter sweep's point at the same vehicles per station gives the same before and after."""
    from bluelight.foundation.environment import shipped_scenarios

    wh, yaml = str(demo_warehouse), str(shipped_scenarios() / "lfb_2014_closures.yaml")
    sim = _json(capsys, ["simulate", "--replications", "2", "--vehicles-per-station", "1.45", "--scenario", yaml,
                         "--warehouse", wh, "--json"])
    out = capsys_module(["sweep", "parameters", yaml, "--values", "1.45,2", "--replications", "2",
                         "--warehouse", wh, "--json"])
    point = out["points"][0]
    assert point["before_mean_s"] == pytest.approx(sim["baseline"]["first_mean_s"]["mean"], abs=1e-9)
    assert point["after_mean_s"] == pytest.approx(sim["scenario"]["first_mean_s"]["mean"], abs=1e-9)
    assert point["after_mean_s"] > point["before_mean_s"]                       # ten closures slow the response
