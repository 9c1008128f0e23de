"""How cost grows with the size of the road network: synthetic extracts of increasing size, each step timed.

For each size a synthetic region is written as an OSM PBF (the setup, not
timed) and taken through the steps a county-size deployment runs: the streamed
road load (time and peak traced memory), the nearest-site field, per-site
times within 10 minutes, the coverage model's build and a scenario's
re-evaluation, and isochrones; then the whole region's warehouse build and
the dashboard over it (the Overview's first paint in chromium, cold and warm,
and the interactions' 95th centile). Each step's growth exponent is the slope of
log(time) on log(nodes) across the sizes (1: linear).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from bench.harness import Record


def _timed(fn) -> tuple[float, float, object]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, float("nan"), out


def _peak_rss_mb(fn) -> float:
    """Peak resident memory a step adds, in MB: run in a forked child, its peak less this process's size at the
    fork (tracing allocations would slow the step several times over)."""
    return _in_child(fn)[1]


def _in_child(fn):
    """``fn()`` in a forked child: (its result, the peak resident memory it added in MB)."""
    import multiprocessing as mp
    import resource

    def child(conn):
        result = fn()
        conn.send((result, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))
        conn.close()

    base = _rss_mb()
    ctx = mp.get_context("fork")
    parent, kid = ctx.Pipe()
    proc = ctx.Process(target=child, args=(kid,))
    proc.start()
    result, peak = parent.recv()
    proc.join()
    return result, max(0.0, peak - base)


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def one_size(n_nodes: int, work: Path, *, dashboard: bool = True) -> dict[str, tuple[float, float]]:
    """(seconds, peak MB) of each step on a synthetic extract of about ``n_nodes`` nodes.

    With ``dashboard``, the whole region (roads, stations, population, incidents) is also loaded into a
    warehouse and served: the Overview's first paint (cold and warm, in chromium) and the interactions' p95.
    """
    import shapely

    from bluelight.analysis.coverage import build_coverage_model, evaluate
    from bluelight.analysis.isochrones import isochrone_polygons_grid
    from bluelight.analysis.network import network_from_frames
    from bluelight.analysis.speeds import load_profile
    from bluelight.analysis.traveltime import nearest_site_field, site_travel_times
    from bluelight.etl.pbf_stream import stream_drive_network
    from bluelight.etl.synthetic import generate_region, write_region

    profile = load_profile("national_v1")
    # 150 m between junctions, the square set in the Midlands: at a million nodes it is 150 km a side, and every
    # zone must be on the land of Great Britain (the population loader refuses points at sea)
    region = generate_region(n_nodes, spacing_m=150.0, origin=(360_000.0, 200_000.0))
    directory = work / f"synthetic_{n_nodes}"
    pbf = write_region(region, directory, roads_as="pbf")["roads"]
    out = {}
    t, _, loaded = _timed(lambda: stream_drive_network(pbf, profile))
    out["streamed road load"] = (t, _peak_rss_mb(lambda: stream_drive_network(pbf, profile)))
    net = network_from_frames(loaded["nodes"], loaded["edges"], profile)
    geoms = shapely.from_wkb(loaded["edges"]["wkb"].to_numpy())
    rng = np.random.default_rng(7)
    sites = rng.choice(net.n_nodes, 100, replace=False)
    t, _, _ = _timed(lambda: nearest_site_field(net, sites, cutoff_s=1800.0))
    out["nearest-site field, 100 sites"] = (t, float("nan"))
    t, _, times = _timed(lambda: site_travel_times(net, sites, cutoff_s=600.0))
    out["per-site times within 10 min, 100 sites"] = (t, float("nan"))
    demand = rng.choice(net.n_nodes, min(net.n_nodes, 100_000), replace=False)
    t, _, model = _timed(lambda: build_coverage_model(times, np.full(len(sites), 60.0), demand))
    out["coverage model build, 100 sites"] = (t, float("nan"))
    active = np.ones(len(sites), dtype=bool)
    active[:10] = False
    t, _, _ = _timed(lambda: evaluate(model, active))
    out["scenario re-evaluation, 10 sites closed"] = (t, float("nan"))
    fields = [times.dense()[i] for i in range(3)]
    t, _, _ = _timed(lambda: [isochrone_polygons_grid(net, geoms, f, (300.0, 480.0, 600.0)) for f in fields])
    out["isochrones, 3 sites x 3 bands"] = (t, float("nan"))
    out["_nodes"] = (float(net.n_nodes), float("nan"))
    if dashboard:
        out.update(_served(directory))
    return out


def _served(directory: Path) -> dict[str, tuple[float, float]]:
    """The region's warehouse build, then the dashboard over it (first paint, interactions)."""
    import logging

    from bench.dashboard import first_paint, interactions
    from bluelight.etl.demo import load_demo
    from bluelight.etl.warehouse import connect
    from bluelight.foundation.environment import DataSource
    from bluelight.services.nearest_store import derive_nearest, derive_snapped

    path = directory / "atlas.duckdb"

    def build() -> tuple[float, float]:
        t0 = time.perf_counter()
        con = connect(path)
        try:
            load_demo(con, DataSource(directory, "synthetic"), progress=False)
            t1 = time.perf_counter()
            derive_snapped(con)                    # as etl demo does: demand and stations placed on the roads,
            derive_nearest(con)                    # and each node's fastest sites, stored
        finally:
            con.close()
        return time.perf_counter() - t0, time.perf_counter() - t1

    (total_s, derived_s), peak_mb = _in_child(build)   # its own process: the build's peak memory, measured
    out = {"warehouse build (whole region ETL)": (total_s, peak_mb),
           "of which: road positions and nearest sites stored": (derived_s, float("nan"))}
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    paint = first_paint(path)
    if paint is not None:
        out["dashboard first paint, cold"] = (paint["cold_s"], float("nan"))
        out["dashboard first paint, warm"] = (paint["warm_s"], float("nan"))
        out["_bytes"] = (float(paint["bytes"]), float(paint["road_tiles"]))
    for rec in interactions(path, n=10):
        if "whole callback" in rec.name:
            out[rec.name.removeprefix("dashboard: ")] = (rec.ours_s, float("nan"))
    return out


def records(*, quick: bool) -> list[Record]:
    """One record per step at the largest size, with every size's time and the growth exponent in the notes."""
    sizes = (20_000, 100_000) if quick else (100_000, 1_000_000)
    with tempfile.TemporaryDirectory(prefix="bluelight-scale-") as tmp:
        runs = [one_size(n, Path(tmp)) for n in sizes]
    nodes = np.array([r["_nodes"][0] for r in runs])
    out = []
    if all("_bytes" in r for r in runs):
        out.append(Record("scale: dashboard bytes to the browser, first visit", 0.0, "-", None, None, int(nodes[-1]),
                          0.0, None, "; ".join(f"{int(n):,} nodes {r['_bytes'][0] / 1e6:.1f} MB with "
                                               f"{int(r['_bytes'][1])} road tiles" for n, r in zip(nodes, runs))
                          + " (the roads are tiles of the view: the bytes do not grow with the network)"))
    for step in [k for k in runs[0] if not k.startswith("_")]:
        secs = np.array([r[step][0] for r in runs])
        exponent = float(np.polyfit(np.log(nodes), np.log(np.maximum(secs, 1e-6)), 1)[0]) \
            if np.isfinite(secs).all() else float("nan")            # a step that did not finish has none
        peak = runs[-1][step][1]
        out.append(Record(f"scale: {step}", float(secs[-1]), "growth exponent over sizes", None, None,
                          int(nodes[-1]), peak if np.isfinite(peak) else 0.0, None,
                          "; ".join(f"{int(n):,} nodes {s:.3f} s" for n, s in zip(nodes, secs))
                          + f"; time ~ nodes^{exponent:.2f}"
                          + (f"; peak {peak:.0f} MB resident added at the largest" if np.isfinite(peak) else "")))
    return out


def _cpu_s() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def road_load_vs_duckdb(n_nodes: int = 300_000, *, repeat: int = 2) -> Record:
    """The streamed road load against DuckDB's own read of the same extract: ``ST_ReadOSM`` reading every way and
    node and joining each way's node references to coordinates. CPU seconds (DuckDB's threads included), best of
    ``repeat``, in the same run; the goal is at most 10x DuckDB's read-and-join."""
    from bluelight.analysis.speeds import load_profile
    from bluelight.etl.pbf_stream import stream_drive_network
    from bluelight.etl.synthetic import generate_region, write_pbf
    from bluelight.etl.warehouse import connect

    with tempfile.TemporaryDirectory(prefix="bluelight-load-") as tmp:
        pbf = Path(tmp) / "region.osm.pbf"
        write_pbf(generate_region(n_nodes, spacing_m=250.0), pbf, signal_share=0.05)
        profile = load_profile("national_v1")
        sql = ("WITH ways AS (SELECT id, refs FROM ST_ReadOSM(?) WHERE kind = 'way' AND tags['highway'] IS NOT NULL), "
               "nodes AS (SELECT id, lat, lon FROM ST_ReadOSM(?) WHERE kind = 'node'), "
               "r AS (SELECT id AS way_id, unnest(refs) AS ref FROM ways) "
               "SELECT count(*), sum(n.lat), sum(n.lon) FROM r JOIN nodes n ON n.id = r.ref")
        duck, ours, edges = [], [], 0
        for _ in range(repeat):
            con = connect(":memory:")
            t0 = _cpu_s()
            joined = con.execute(sql, [str(pbf), str(pbf)]).fetchone()[0]
            duck.append(_cpu_s() - t0)
            con.close()
            t0 = _cpu_s()
            edges = len(stream_drive_network(pbf, profile)["edges"])
            ours.append(_cpu_s() - t0)
    times = min(ours) / min(duck)
    return Record(f"streamed road load, {n_nodes:,}-node synthetic extract (CPU s)", min(ours),
                  "DuckDB ST_ReadOSM read and join of the same file (CPU s)", min(duck), min(duck) / min(ours),
                  n_nodes, 0.0, None,
                  f"ours {times:.1f}x DuckDB's read-and-join CPU (goal: at most 10x); DuckDB joined {joined:,} node "
                  f"references; ours wrote {edges:,} edges with both geometries")
