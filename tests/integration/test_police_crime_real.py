"""Essex Police's recorded crime (police.uk, the shipped months) as police demand: it loads, month by month, with
the crimes police.uk could not place counted; coverage and co-location read it on a patch of Chelmsford."""

from __future__ import annotations

import pytest

from bluelight.cli import main
from tests.integration.test_ambulance_real import _json
from tests.unit.etl.test_region import _county_data, _grid_osm

pytestmark = pytest.mark.integration


def test_essex_crime_is_police_demand_for_coverage_and_co_location(data_dir, tmp_path, monkeypatch, capsys):
    crime = sorted((data_dir / "england/police/essex_street_crime_2018").glob("*.csv"))
    assert len(crime) == 7
    osm, grid = _grid_osm(tmp_path / "chelmsford.osm", lat0=51.715, lon0=0.43, n=13, step_deg=0.006)
    data, _, _ = _county_data(tmp_path / "data", grid)
    monkeypatch.setenv("BLUELIGHT_DATA_DIR", str(data))
    wh = str(tmp_path / "w.duckdb")
    assert main(["etl", "region", "--roads", str(osm), "--warehouse", wh]) == 0
    sites = tmp_path / "police.csv"
    sites.write_text("site_id,name,service,latitude,longitude\nESX-1,Chelmsford Police Station,police,51.7345,0.4720\n")
    assert main(["etl", "sites", str(sites), "--warehouse", wh]) == 0
    capsys.readouterr()
    assert main(["etl", "police-crime", str(crime[0]), "--warehouse", wh]) == 2       # crimes without a point
    err = capsys.readouterr().err
    assert "2018-01-essex-street.csv" in err and "no location" in err and "row " in err
    loads = _json(capsys, ["etl", "police-crime", *map(str, crime), "--accept-partial", "--warehouse", wh, "--json"])
    assert len(loads) == 7 and sum(s["rows_loaded"] for s in loads) > 100_000
    assert sum(s["rows_rejected"] for s in loads) >= 200                              # police.uk's unplaced crimes
    cov = _json(capsys, ["coverage", "--service", "police", "--demand", "incidents", "--threshold-s", "900",
                         "--warehouse", wh, "--json"])
    s = cov["baseline"]["summary"]
    assert s["demand_on_network"] > 100 and s["demand_off_network"] > s["demand_on_network"]   # Essex, not a patch
    cand = _json(capsys, ["colocation", "candidates", "--max-travel-s", "900", "--warehouse", wh, "--json"])
    assert cand["pairs"] >= 1
