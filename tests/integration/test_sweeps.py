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
