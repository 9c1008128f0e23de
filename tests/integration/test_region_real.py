"""A clipped extract of real OpenStreetMap data (the Camden PBF cut through its middle, as osmium extract cuts)."""

from __future__ import annotations

import json

import osmium
import pytest

from bluelight.cli import main

pytestmark = pytest.mark.integration


def _cut_west_half(src, out) -> int:
    """Keep the nodes west of the median longitude and every way touching one: ways then refer to missing nodes."""
    lons = sorted(n.location.lon for n in osmium.FileProcessor(str(src), osmium.osm.NODE))
    mid = lons[len(lons) // 2]
    inside = set()
    with osmium.SimpleWriter(str(out), overwrite=True) as w:
        for obj in osmium.FileProcessor(str(src)):
            if isinstance(obj, osmium.osm.Node) and obj.location.lon <= mid:
                inside.add(obj.id)
                w.add_node(obj)
            elif isinstance(obj, osmium.osm.Way) and any(n.ref in inside for n in obj.nodes):
                w.add_way(obj)
    return len(inside)


def test_clipped_extract_loads_as_a_region_and_every_command_runs(data_dir, tmp_path, monkeypatch, capsys):
    clipped = tmp_path / "camden_west.osm.pbf"
    assert _cut_west_half(data_dir / "london" / "roads" / "camden_full_2021-07.osm.pbf", clipped) > 1000
    monkeypatch.setenv("BLUELIGHT_DATA_DIR", str(data_dir))
    wh = str(tmp_path / "region.duckdb")
    assert main(["etl", "region", "--roads", str(clipped), "--warehouse", wh, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    steps = {s["step"]: s for s in report["steps"]}
    assert steps["roads"]["status"] == "loaded" and report["speed_profile"] == "bluelight_v3"   # Camden is in London
    assert steps["population"]["status"] == "loaded" and "LSOAs" in steps["population"]["found"]
    assert steps["boundaries"]["status"] == "loaded" and "Camden" in steps["boundaries"]["found"]
    duty = steps["fire duty systems"]
    assert "fire stations listed with a duty system" in duty["found"]
    assert "FIRE1001" in duty["missing"] and "London" in duty["missing"]      # LFB's stations: London's turnout
    assert steps["population"]["load"]["on_network_share"] >= 0.95
    assert main(["coverage", "--service", "fire", "--threshold-s", "600", "--warehouse", wh, "--json"]) == 0
    cov = json.loads(capsys.readouterr().out)
    s = cov["baseline"]["summary"]
    assert s["demand_on_network"] > 0.8 * s["demand_total"] and cov["baseline"]["sites_used"] >= 1
    assert main(["isochrones", "--service", "fire", "--out", str(tmp_path / "iso.gpkg"), "--warehouse", wh]) == 0
    assert main(["dap", "--k", "2", "--warehouse", wh, "--json"]) == 0
    assert main(["coresponding", "--warehouse", wh, "--json"]) == 0
