"""The streamed road loader against the graph loader on the same real extract."""

from __future__ import annotations

import json

import pytest

from bluelight.cli import main
from bluelight.etl.warehouse import connect

pytestmark = pytest.mark.integration


def _load(tmp_path, data_dir, capsys, *extra):
    wh = tmp_path / f"roads{len(extra)}.duckdb"
    capsys.readouterr()
    pbf = data_dir / "london" / "roads" / "camden_full_2021-07.osm.pbf"
    assert main(["etl", "roads", str(pbf), *extra, "--warehouse", str(wh), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    con = connect(wh, read_only=True)
    try:
        length, edges = con.execute("SELECT sum(length_m), count(*) FROM road_edges").fetchone()
        signals = con.execute("SELECT count(*) FROM road_nodes WHERE control = 'traffic_signals'").fetchone()[0]
    finally:
        con.close()
    return summary, length, edges, signals


def test_streamed_and_graph_loads_give_the_same_roads(tmp_path, data_dir, capsys):
    streamed, s_length, s_edges, s_signals = _load(tmp_path, data_dir, capsys, "--stream")
    graph, g_length, g_edges, g_signals = _load(tmp_path, data_dir, capsys)
    assert streamed["status"] == graph["status"] == "loaded" and streamed["rows_loaded"] == s_edges
    assert s_length == pytest.approx(g_length, rel=0.01)            # the same streets, to 1% of their length
    assert s_signals == g_signals > 0                                # every signal kept as a node either way
    assert "edges counted" in streamed["message"]
