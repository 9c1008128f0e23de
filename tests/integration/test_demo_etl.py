"""The real London data through the whole demo load."""

from __future__ import annotations

import json

import pytest

from bluelight.cli.main import main
from bluelight.etl.demo import load_demo
from bluelight.etl.status import warehouse_status
from bluelight.etl.warehouse import connect, table_counts
from bluelight.foundation.environment import DataSource

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def status(demo_warehouse):
    con = connect(demo_warehouse, read_only=True)
    try:
        return warehouse_status(con)
    finally:
        con.close()


def test_demo_meets_the_foundation_counts(status):
    sites = status["sites"]
    assert sites["fire"]["total"] >= 100 and sites["police"]["total"] >= 100 and sites["ambulance"]["total"] >= 60
    assert sites["fire"]["by_status"]["closed"] == 10          # the 2014 closures
    assert status["incidents"]["total"] >= 7000
    assert status["road_network"]["nodes"] >= 7000
    assert status["osm_stations"]["total"] > 0                  # the Camden extract's tagged stations
    assert status["data_source"]["kind"] == "shared" and not status["data_source"]["synthetic"]
    assert status["tables"]["population"] == 4835
    assert status["tables"]["targets"] >= 10


def test_belsize_park_osm_station_is_the_closed_lfb_station(demo_warehouse):
    con = connect(demo_warehouse, read_only=True)
    try:
        row = con.execute("SELECT o.duplicate_of, s.status FROM sites o JOIN sites s ON s.site_id = o.duplicate_of "
                          "WHERE o.source = 'osm' AND o.name ILIKE '%Belsize%'").fetchone()
    finally:
        con.close()
    assert row == ("LFB-belsize", "closed")


def test_incident_locations_and_precision(demo_warehouse):
    con = connect(demo_warehouse, read_only=True)
    try:
        precisions = dict(con.execute("SELECT location_precision_m, count(*) FROM incidents "
                                      "WHERE source = 'lfb_incident' GROUP BY 1").fetchall())
        deployed = con.execute("SELECT count(*) FROM incidents i JOIN sites s ON s.site_id = i.first_site_id").fetchone()[0]
    finally:
        con.close()
    assert set(precisions) == {1.0, 50.0} and precisions[50.0] > precisions[1.0]   # most are redacted to 50 m
    assert deployed > 6000   # deploying stations resolve to LFB sites


def test_loading_the_demo_twice_changes_nothing(demo_warehouse, data_dir, tmp_path):
    import shutil

    copy = tmp_path / "again.duckdb"
    shutil.copy(demo_warehouse, copy)
    con = connect(copy)
    try:
        before = table_counts(con)
        runs = con.execute("SELECT count(*) FROM load_runs").fetchone()[0]
        summaries = load_demo(con, DataSource(data_dir, "shared"), progress=False)
        assert {s.status for s in summaries} == {"unchanged"}
        assert table_counts(con) == before
        assert con.execute("SELECT count(*) FROM load_runs").fetchone()[0] == runs
    finally:
        con.close()


def test_status_command_on_the_demo(demo_warehouse, capsys):
    assert main(["status", "--json", "--warehouse", str(demo_warehouse)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["road_network"]["strongly_connected"] is True
