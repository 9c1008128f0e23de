"""Loads killed (SIGKILL) at many points, commit included: the warehouse passes its check, the next load
succeeds, and the final tables equal a clean build."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from bluelight.etl.warehouse import connect

pytestmark = pytest.mark.integration

TABLES = ("sites", "incidents", "road_nodes", "road_edges", "population", "load_runs")


def _cli(*args, timeout=600):
    return subprocess.run([sys.executable, "-m", "bluelight", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env=os.environ | {"BLUELIGHT_OFFLINE": "1"})


def _start(*args):
    return subprocess.Popen([sys.executable, "-m", "bluelight", *map(str, args)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=os.environ | {"BLUELIGHT_OFFLINE": "1"})


def _state(path) -> dict:
    con = connect(path, read_only=True)
    try:
        out = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
        out["incident_ids"] = con.execute("SELECT md5(string_agg(incident_id, ',' ORDER BY incident_id)) "
                                          "FROM incidents").fetchone()[0]
        out["sites_hash"] = con.execute("SELECT md5(string_agg(site_id || content_hash, ',' ORDER BY site_id)) "
                                        "FROM sites").fetchone()[0]
        return out
    finally:
        con.close()


def _incidents(path, n: int, prefix: str = "K") -> None:
    rng = np.random.default_rng(3)
    e, nn = rng.uniform(524000, 536000, n), rng.uniform(176000, 186000, n)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("incident_id,call_time,service,category,easting,northing\n")
        for i in range(n):
            fh.write(f"{prefix}{i},2023-0{1 + i % 9}-1{i % 10} 1{i % 10}:0{i % 6}:00,fire,dwelling_fire,{e[i]:.0f},{nn[i]:.0f}\n")


def _kill_during(args, delays_s, warehouse) -> tuple[int, list[dict]]:
    """Start the load, SIGKILL it after each delay; after each kill the warehouse checks clean.

    Returns the kills made and the states seen that differ from the one before the load: a kill that lands after
    the publishing rename leaves the complete new state, which the caller checks against the finished load.
    """
    baseline = _state(warehouse) if warehouse.exists() else None
    killed, changed = 0, []
    for delay in delays_s:
        proc = _start(*args)
        time.sleep(delay)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            killed += 1
        proc.wait(timeout=60)
        if not warehouse.exists():
            continue
        check = _cli("check", "--warehouse", warehouse, "--json")
        assert check.returncode == 0, check.stderr
        assert json.loads(check.stdout)["ok"]
        now = _state(warehouse)
        if now != baseline:
            changed.append({k: v for k, v in now.items() if k != "load_runs"})
    return killed, changed


def test_killed_loads_leave_a_warehouse_that_the_next_load_completes(tmp_path, data_dir):
    wh = tmp_path / "w.duckdb"
    clean = tmp_path / "clean.duckdb"
    inc = tmp_path / "incidents.csv"
    _incidents(inc, 60_000)
    roads = data_dir / "london" / "roads" / "westminster_drive_2024-02.graphml"
    sites = data_dir / "london" / "stations" / "lfb_fire_stations_incl_2014_closures.csv"
    steps = [("etl", "roads", roads), ("etl", "sites", sites, "--accept-partial"), ("etl", "incidents", inc)]
    killed = 0
    for step, delays in zip(steps, ([0.8, 2.0, 3.5], [0.6, 1.2], [0.8, 1.6, 2.4, 3.2, 4.5])):
        n, changed = _kill_during([*step, "--warehouse", wh], delays, wh)
        killed += n
        done = _cli(*step, "--warehouse", wh)
        assert done.returncode == 0, done.stderr
        final = {k: v for k, v in _state(wh).items() if k != "load_runs"}
        assert all(c == final for c in changed), (step, changed, final)     # only ever the whole new state
    for step in steps:
        assert _cli(*step, "--warehouse", clean).returncode == 0
    assert killed >= 4
    a, b = _state(wh), _state(clean)
    runs_a, runs_b = a.pop("load_runs"), b.pop("load_runs")
    assert a == b and runs_a >= runs_b
    assert not list(tmp_path.glob("*.staging*"))


def test_killed_demo_then_a_clean_rerun(tmp_path, data_dir, monkeypatch):
    wh = tmp_path / "demo.duckdb"
    env_dir = ["--warehouse", wh]
    monkeypatch.setenv("BLUELIGHT_DATA_DIR", str(data_dir))
    killed, _ = _kill_during(["etl", "demo", "--offline", *env_dir], [4.0, 12.0], wh)
    done = _cli("etl", "demo", "--offline", *env_dir)
    assert done.returncode == 0, done.stderr
    assert killed >= 1 and _cli("check", *env_dir).returncode == 0
    assert _state(wh)["incidents"] > 1000


@pytest.mark.parametrize("fault", ["before-commit", "after-commit", "before-publish", "after-publish"])
def test_killed_inside_commit_and_publish(tmp_path, fault):
    """Killed exactly around COMMIT and the rename that publishes it: the old state whole, or the new one whole."""
    wh = tmp_path / "w.duckdb"
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    _incidents(first, 2_000)
    _incidents(second, 30_000, prefix="L")
    assert _cli("etl", "incidents", first, "--warehouse", wh).returncode == 0
    before = _state(wh)
    env = os.environ | {"BLUELIGHT_OFFLINE": "1", "BLUELIGHT_FAULT": fault}
    proc = subprocess.run([sys.executable, "-m", "bluelight", "etl", "incidents", str(second), "--warehouse", str(wh)],
                          capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == -signal.SIGKILL
    check = _cli("check", "--warehouse", wh, "--json")
    assert check.returncode == 0 and json.loads(check.stdout)["ok"], check.stderr
    now = _state(wh)
    assert now == before if fault != "after-publish" else now["incidents"] == 32_000
    assert _cli("etl", "incidents", second, "--warehouse", wh).returncode == 0
    assert _state(wh)["incidents"] == 32_000
