"""The command line, and the corpus of bad files: clear message, exit 2, nothing changed."""

import json

import pytest

from bluelight.cli.main import main
from bluelight.etl.warehouse import connect, table_counts

GOOD_SITES = "site_id,name,service,latitude,longitude\nF1,Alpha,fire,51.52,-0.12\nP1,Beta,police,51.51,-0.13\n"


@pytest.fixture
def wh(tmp_path, write):
    path = tmp_path / "w.duckdb"
    assert main(["etl", "sites", str(write("good.csv", GOOD_SITES)), "--warehouse", str(path)]) == 0
    return path


def _counts(path):
    con = connect(path)
    try:
        return table_counts(con)
    finally:
        con.close()


def test_help_lists_every_command(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for cmd in ("etl", "status", "synthetic"):
        assert cmd in out
    assert main(["etl", "--help"]) == 0
    out = capsys.readouterr().out
    for cmd in ("demo", "roads", "sites", "sites-from-osm", "incidents", "population", "targets", "boundaries"):
        assert cmd in out


def test_status_json(wh, capsys):
    capsys.readouterr()
    assert main(["status", "--json", "--warehouse", str(wh)]) == 0
    st = json.loads(capsys.readouterr().out)
    assert st["tables"]["sites"] == 2
    assert st["sites"]["fire"]["by_status"] == {"open": 1}


def test_load_json_and_reload(wh, write, capsys):
    capsys.readouterr()
    assert main(["etl", "sites", str(write("good.csv", GOOD_SITES)), "--warehouse", str(wh), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "unchanged"


def test_status_of_missing_warehouse(tmp_path, capsys):
    assert main(["status", "--warehouse", str(tmp_path / "none.duckdb")]) == 2
    assert "bluelight etl demo" in capsys.readouterr().err


HEADER = "site_id,name,service,latitude,longitude\n"
CORPUS = {
    # name: (content, what the message must say, row, field)
    "missing_columns.csv": ("site_id,service\nA,fire\n", "missing required column", None, "name"),
    "wrong_type.csv": (HEADER + "A,x,fire,fifty-one,-0.1\n", "not a number", 1, "latitude"),
    "outside_gb.csv": (HEADER + "A,x,fire,40.7,-74.0\n", "outside Great Britain", 1, "latitude/longitude"),
    "swapped.csv": (HEADER + "A,x,fire,-0.12,51.5\n", "swapped", 1, "latitude/longitude"),
    "wrong_crs.csv": ("site_id,name,service,easting,northing\nA,x,fire,-0.12,51.5\n", "WGS84 degrees", 1,
                      "easting/northing"),
    "web_mercator.csv": ("site_id,name,service,easting,northing\nA,x,fire,-13358,6710219\n", "Web Mercator", 1,
                         "easting/northing"),
    "bad_service.csv": (HEADER + "A,x,coastguard,51.5,-0.1\n", "unknown service", 1, "service"),
    "empty.csv": ("", "empty", None, None),
    "header_only.csv": (HEADER, "no data rows", None, None),
    "binary.csv": (b"\x00\x01\x02\x03garbage", "binary", None, None),
    "workbook.csv": (b"PK\x03\x04\x14\x00\x06\x00", "ZIP", None, None),
    "latin1.csv": ((HEADER + "A,Caf\xe9,fire,51.5,-0.1\n").encode("latin-1"), "not valid utf-8", 1, None),
}


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_bad_file_corpus(name, wh, write, capsys):
    content, says, row, field = CORPUS[name]
    path = write(name, content)
    before = _counts(wh)
    capsys.readouterr()
    assert main(["etl", "sites", str(path), "--warehouse", str(wh)]) == 2
    err = capsys.readouterr().err
    assert name in err and says in err
    if row is not None:
        assert f"row {row}" in err or f"line {row + 1}" in err
    if field is not None:
        assert f"'{field}'" in err
    assert _counts(wh) == before
    con = connect(wh)
    try:
        status, sha = con.execute("SELECT status, sha256 FROM load_runs ORDER BY run_id DESC LIMIT 1").fetchone()
    finally:
        con.close()
    assert status == "failed" and len(sha) == 64


def test_bad_incident_and_road_files_via_cli(wh, write, capsys):
    before = _counts(wh)
    bad_inc = write("inc.csv", "incident_id,call_time,service,category,latitude,longitude\n"
                               "1,not-a-time,fire,rtc,51.5,-0.1\n")
    assert main(["etl", "incidents", str(bad_inc), "--warehouse", str(wh)]) == 2
    assert "row 1" in capsys.readouterr().err
    assert main(["etl", "roads", str(write("r.osm", "<osm>")), "--warehouse", str(wh)]) == 2
    assert "r.osm" in capsys.readouterr().err
    assert main(["etl", "sites", str(write("g.csv", GOOD_SITES)), "--map", "nonsense", "--warehouse", str(wh)]) == 2
    assert _counts(wh) == before
