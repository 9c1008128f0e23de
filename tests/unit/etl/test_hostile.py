"""Hostile and oversized files are refused within limits, each with a message naming the file and the limit."""

from __future__ import annotations

import bz2
import gzip
import resource
import time

import pytest

from bluelight.cli import main
from tests.conftest import counts

HEADER = "site_id,name,service,easting,northing\n"
ROW = "F{i},Station {i},fire,{e},181000\n"


def _rows(n: int) -> str:
    return "".join(ROW.format(i=i, e=529000 + i) for i in range(n))


def _refused(capsys, warehouse, argv, *needles):
    before = counts_of(warehouse)
    t0 = time.perf_counter()
    code = main([*argv, "--warehouse", str(warehouse)])
    err = capsys.readouterr().err
    assert code == 2, err
    for n in needles:
        assert n in err, err
    assert "Traceback" not in err and time.perf_counter() - t0 < 30
    assert counts_of(warehouse) == before
    return err


def counts_of(path):
    from bluelight.etl.warehouse import connect

    if not path.exists():
        return None
    con = connect(path, read_only=True)
    try:
        return counts(con)
    finally:
        con.close()


@pytest.fixture
def wh(tmp_path, write):
    path = tmp_path / "w.duckdb"
    assert main(["etl", "sites", str(write("ok.csv", HEADER + _rows(2))), "--warehouse", str(path)]) == 0
    return path


def test_nul_after_the_first_64_kib_is_refused(wh, write, capsys):
    text = HEADER + _rows(2000) + "F9999,Cam\x00den,fire,529000,181000\n"
    assert len(text) > 70_000
    _refused(capsys, wh, ["etl", "sites", str(write("nul.csv", text))], "nul.csv", "NUL")


def test_utf16_is_read_by_its_byte_order_mark_and_by_encoding(wh, write, capsys):
    path = write("utf16.csv", (HEADER + _rows(3)).encode("utf-16"))
    assert main(["etl", "sites", str(path), "--warehouse", str(wh)]) == 0
    plain = write("utf16le.csv", (HEADER + _rows(4)).encode("utf-16-le"))          # no mark: say so
    assert main(["etl", "sites", str(plain), "--encoding", "utf-16-le", "--warehouse", str(wh)]) == 0


@pytest.mark.parametrize("limit, env, make, says", [
    ("columns", "BLUELIGHT_LIMIT_COLUMNS", lambda: ",".join(f"c{i}" for i in range(80)) + "\n" + "1," * 79 + "1\n",
     "number of columns (80) is over the limit of 50"),
    ("line", "BLUELIGHT_LIMIT_LINE_CHARS", lambda: HEADER + "F1," + "x" * 3000 + ",fire,1,1\n",
     "longest line in characters"),
    ("field", "BLUELIGHT_LIMIT_FIELD_CHARS", lambda: HEADER + "F1," + "N" * 900 + ",fire,529000,181000\n",
     "over the limit of 50"),
])
def test_limits_name_the_file_and_the_limit(wh, write, capsys, monkeypatch, limit, env, make, says):
    monkeypatch.setenv(env, "50" if limit != "line" else "1000")
    path = write(f"{limit}.csv", make())
    _refused(capsys, wh, ["etl", "sites", str(path)], f"{limit}.csv", says, env)


def test_file_size_limit(wh, write, capsys, monkeypatch):
    monkeypatch.setenv("BLUELIGHT_LIMIT_FILE_MB", "1")
    path = write("big.csv", HEADER + _rows(40_000))
    assert path.stat().st_size > 1024 * 1024
    _refused(capsys, wh, ["etl", "sites", str(path)], "big.csv", "BLUELIGHT_LIMIT_FILE_MB")


def _way_xml(refs: int) -> str:
    nodes = "".join(f'<node id="{i}" lat="51.5" lon="{-0.1 + i * 1e-6:.7f}" version="1"/>' for i in range(1, 3))
    nds = '<nd ref="1"/><nd ref="2"/>' * (refs // 2)
    return (f'<?xml version="1.0"?><osm version="0.6">{nodes}<way id="1" version="1">{nds}'
            '<tag k="highway" v="residential"/></way></osm>')


@pytest.mark.parametrize("suffix, pack", [(".osm.bz2", bz2.compress), (".osm.gz", gzip.compress)])
def test_decompression_bombs_are_refused(wh, tmp_path, capsys, suffix, pack):
    path = tmp_path / f"bomb{suffix}"
    path.write_bytes(pack(_way_xml(10_000_000).encode()))    # about 130 MB of XML in well under a megabyte
    assert path.stat().st_size < 2_000_000
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    _refused(capsys, wh, ["etl", "roads", str(path)], path.name, "decompression bomb")
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 500_000          # kB: streamed, not held


def test_a_way_with_millions_of_node_refs_is_refused(wh, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("BLUELIGHT_LIMIT_WAY_NODES", "10000")
    path = tmp_path / "longway.osm"
    path.write_text(_way_xml(50_000))
    _refused(capsys, wh, ["etl", "roads", str(path)], "longway.osm", "nodes in way 1", "BLUELIGHT_LIMIT_WAY_NODES")


def test_an_entity_bomb_is_refused(wh, tmp_path, capsys):
    lol = "".join(f'<!ENTITY l{i} "{"&l" + str(i - 1) + ";" * 1 if i else "lol"}' + (f"&l{i - 1};") * 9 + '">'
                  if i else '<!ENTITY l0 "lol">' for i in range(10))
    path = tmp_path / "laughs.osm"
    path.write_text(f'<?xml version="1.0"?><!DOCTYPE osm [{lol}]><osm version="0.6">'
                    '<node id="1" lat="51.5" lon="-0.1" version="1"><tag k="name" v="&l9;"/></node></osm>')
    _refused(capsys, wh, ["etl", "roads", str(path)], "laughs.osm")


def test_a_yaml_alias_bomb_is_refused_fast_and_small(wh, tmp_path, capsys):
    import tracemalloc

    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    assert path.stat().st_size < 1200                                  # 1.1 KB that would expand to 9^10 strings
    tracemalloc.start()
    t0 = time.perf_counter()
    err = _refused(capsys, wh, ["scenario", "run", str(path)], "bomb.yaml", "alias bomb")
    elapsed = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert elapsed < 1.0 and peak < 100e6, (elapsed, peak, err)


@pytest.mark.parametrize("place, lat, lon, ok", [
    ("Calais", 50.951, 1.858, False), ("Boulogne", 50.726, 1.613, False), ("Dublin", 53.349, -6.260, False),
    ("Holyhead", 53.309, -4.633, True), ("Dover", 51.126, 1.313, True)])
def test_sites_must_be_on_great_britain_not_in_its_box(wh, write, capsys, place, lat, lon, ok):
    text = f"site_id,name,service,latitude,longitude\nX1,{place} station,fire,{lat},{lon}\n"
    argv = ["etl", "sites", str(write(f"{place}.csv", text)), "--warehouse", str(wh)]
    if ok:
        assert main(argv) == 0, capsys.readouterr().err
        return
    err = _refused(capsys, wh, argv[:-2], f"{place}.csv", "row 1", "latitude/longitude", "outside Great Britain")
    assert "2 km" in err


def test_a_boundary_with_an_open_ring_names_the_feature(wh, tmp_path, capsys):
    ring = [[-0.2, 51.5], [-0.12, 51.5], [-0.12, 51.53], [-0.2, 51.53]]           # not closed
    closed = [[-0.11, 51.51], [-0.08, 51.51], [-0.08, 51.52], [-0.11, 51.51]]
    feats = [{"type": "Feature", "properties": {"code": f"E0900000{i}", "name": f"Area {i}"},
              "geometry": {"type": "Polygon", "coordinates": [r]}} for i, r in ((1, closed), (2, ring))]
    path = tmp_path / "open_ring.geojson"
    path.write_text(__import__("json").dumps({"type": "FeatureCollection", "features": feats}))
    _refused(capsys, wh, ["etl", "boundaries", str(path), "--kind", "borough"], "open_ring.geojson", "row 2",
             "feature 2", "geometry", "closed")
