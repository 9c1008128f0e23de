"""The benchmark harness produces well-formed records (speed itself is measured by `make bench`, not here)."""

import numpy as np
import pytest

from bench import travel
from bench.__main__ import table
from bench.harness import compare
from tests.unit.analysis.graphs import grid_network


def test_records_and_table():
    net = grid_network(8)
    G = travel.to_networkx(net)
    sites = np.array([0, 9, 63])
    recs = [*travel.nearest_field(net, G, sites, "grid"), *travel.per_site(net, G, sites, 100.0, "grid", peer_sites=2),
            *travel.scenario(net, 5, 50, 1e6)]
    for r in recs:
        d = r.as_dict()
        assert set(d) == {"name", "ours_s", "peer", "peer_s", "ratio", "n", "peak_mb", "peer_peak_mb", "notes"}
        assert d["ours_s"] > 0 and d["ratio"] > 0
    assert "nearest-site field (grid) vs scipy" in table([r.as_dict() for r in recs])
    assert [r.peer.split()[0] for r in recs[:5]] == ["scipy", "igraph", "networkx", "scipy", "networkx"]
    assert all("the same times" in r.notes for r in recs[:5])             # every peer's answer compared
    assert compare("x", lambda: None, "none", None, n=1).ratio is None


@pytest.mark.parametrize("model", ["mclp", "pmedian"])
def test_location_benchmarks_reach_the_same_optimum_as_spopt(model):
    from bench.location import versus_spopt

    rec = versus_spopt(model, 300, 25, 4).as_dict()
    assert "same optimum" in rec["notes"] and rec["ratio"] > 0 and rec["peer_peak_mb"] is not None


def test_scale_steps_run_on_a_small_synthetic_extract(tmp_path):
    from bench import scale

    out = scale.one_size(2_500, tmp_path, dashboard=False)
    steps = [k for k in out if not k.startswith("_")]
    assert len(steps) == 6 and all(out[k][0] > 0 for k in steps)
    assert out["_nodes"][0] > 2_000 and out["streamed road load"][1] >= 0


def test_the_synthetic_pbf_loads_back_as_the_region(tmp_path):
    from bluelight.analysis.speeds import load_profile
    from bluelight.etl.pbf_stream import stream_drive_network
    from bluelight.etl.synthetic import generate_region, write_pbf

    region = generate_region(900, spacing_m=250.0)
    counts = write_pbf(region, tmp_path / "r.osm.pbf", signal_share=0.2)
    r = stream_drive_network(tmp_path / "r.osm.pbf", load_profile("national_v1"))
    assert counts["nodes"] == len(region.nodes) and counts["signals"] > 0
    assert len(r["nodes"]) + r["dropped"] <= len(region.nodes) and len(r["nodes"]) > 0.95 * len(region.nodes)
    assert (r["nodes"]["control"] == "traffic_signals").sum() > 0
    assert r["edges"]["length_m"].sum() == pytest.approx(region.edges.loc[
        region.edges["u"].isin(r["nodes"]["node_id"]) & region.edges["v"].isin(r["nodes"]["node_id"]),
        "length_m"].sum(), rel=0.02)


def test_replay_and_sweep_records_agree_with_simpy_on_a_small_year():
    from bench import availability

    rep = availability.replay(incidents=2_000).as_dict()
    assert "incidents/s replayed" in rep["notes"] and rep["ratio"] > 0
    ours, peer = rep["notes"].split("within 6 min ")[1].split(" (ours) vs ")
    assert ours == peer.split(" (SimPy)")[0]                        # the same calls and rules: the same answer
    sweep = availability.closure_sweep(incidents=2_000, stations=2).as_dict()
    assert "0.000 points" in sweep["notes"] and sweep["n"] == 4_000


def test_the_road_load_is_timed_beside_duckdb_reading_the_same_file():
    from bench import scale

    rec = scale.road_load_vs_duckdb(2_000, repeat=1).as_dict()
    assert rec["ours_s"] > 0 and rec["peer_s"] > 0 and "x DuckDB's read-and-join CPU" in rec["notes"]


def test_the_benchmark_page_table_is_the_last_runs_json():
    """docs/benchmarks.md's table is generated from bench/results/latest.json (python -m bench.report):
    no figure on the page that the JSON does not hold."""
    import json

    from bench.report import END, PAGE, RESULTS, START, page_with_table

    page = PAGE.read_text()
    assert page.count(START) == 1 and page.count(END) == 1
    assert page == page_with_table(page, json.loads(RESULTS.read_text())), "run: python -m bench.report"
