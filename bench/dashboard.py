"""Dashboard interaction latency: the callbacks' work, timed as a user would feel it (95th centile)."""

from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.harness import Record
from bluelight.analysis.coverage import build_coverage_model, evaluate
from bluelight.analysis.traveltime import site_travel_times

log = logging.getLogger(__name__)


def demo_warehouse(data_dir: Path) -> Path:
    from bluelight.etl.demo import build_demo_warehouse
    from bluelight.foundation.environment import DataSource

    path = Path(tempfile.mkdtemp(prefix="bluelight-bench-")) / "atlas.duckdb"
    build_demo_warehouse(path, DataSource(data_dir, "shared"))
    return path


def _p95(fn, n: int) -> tuple[float, float]:
    """95th centile and median of ``n`` timed calls, after one untimed call (compiled kernels compiled, as a
    served app's are after its first visitor)."""
    fn(-1)
    times = []
    for i in range(n):
        t0 = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - t0)
    return float(np.percentile(times, 95)), float(np.median(times))


def interactions(warehouse: Path, *, n: int = 40) -> list[Record]:
    from bluelight.analysis.speeds import load_profile
    from bluelight.dashboard.pages import coverage, scenarios
    from bluelight.dashboard.queries import Warehouse
    from bluelight.services.session import DemandSpec, Session

    wh = Warehouse(warehouse)
    engine = Session(wh.read, load_profile())
    fire = engine.sites("fire")
    ids = fire.loc[fire["node"] >= 0, "site_id"].tolist()
    engine.evaluate("fire", DemandSpec())           # warm the caches, as a served app is after its first view
    scenarios.scenario_view(wh, engine, {**scenarios.EMPTY, "closed": ids[:1]})

    def close_one(i):
        scenarios.scenario_view(wh, engine, {**scenarios.EMPTY, "closed": [ids[i % len(ids)]]})

    def explorer(i):
        ev = engine.evaluate("fire", DemandSpec())
        coverage.explorer_view(wh, engine, ev, 240.0 + 30 * (i % 8), None)

    on = fire[fire["node"] >= 0]
    pts = engine.demand(DemandSpec(), "fire")

    def naive_close_one(i):
        keep = on[on["site_id"] != ids[i % len(ids)]]
        times = site_travel_times(engine.network, keep["node"].to_numpy(), cutoff_s=engine.cutoff_s)
        evaluate(build_coverage_model(times, keep["turnout"].to_numpy(), pts["node"].to_numpy()))

    def cached_close_one(i):
        engine.evaluate("fire", DemandSpec(), fire[fire["site_id"] != ids[i % len(ids)]])

    p95, med = _p95(cached_close_one, n)
    peer95, _ = _p95(naive_close_one, max(5, n // 4))
    out = [Record("dashboard: close a station, coverage only (p95)", p95,
                  "recompute per-site travel times each interaction (no cache)", peer95, peer95 / p95, n, 0.0, None,
                  f"median {med * 1000:.1f} ms; {len(pts)} demand points, {len(ids)} stations")]
    for name, fn in (("dashboard: close a station, whole callback (p95)", close_one),
                     ("dashboard: change the standard, whole callback (p95)", explorer)):
        p95, med = _p95(fn, n)
        out.append(Record(name, p95, "-", None, None, n, 0.0, None,
                          f"median {med * 1000:.0f} ms; goal p95 under 250 ms; includes building the figures"))
    return out


def national(warehouse: Path, data_dir: Path, *, years: int = 4) -> list[Record]:
    """The National page's whole callback: its first visit (England's 32,000 LSOAs estimated for the default year),
    then each change to a year not seen before, and a change back to one seen (answered from the cache)."""
    from bluelight.analysis.speeds import load_profile
    from bluelight.dashboard.pages.national.views import national_view
    from bluelight.dashboard.queries import Warehouse
    from bluelight.services.national import national_choices
    from bluelight.services.session import Session

    wh = Warehouse(warehouse)
    engine = Session(wh.read, load_profile())
    choices = national_choices(data_dir)["years"]
    t0 = time.perf_counter()
    national_view(wh, engine, data_dir, choices[-1], None)
    first_s = time.perf_counter() - t0
    changes = []
    for year in choices[-1 - years:-1][::-1]:
        t0 = time.perf_counter()
        national_view(wh, engine, data_dir, year, None)
        changes.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    national_view(wh, engine, data_dir, choices[-1], None)
    back_s = time.perf_counter() - t0
    return [Record("dashboard: National, first visit (whole callback)", first_s, "-", None, None, 1, 0.0, None,
                   "England's LSOAs estimated for the latest FIRE1001 year, with the map, table and trends"),
            Record("dashboard: National, change of year (whole callback, slowest)", max(changes), "-", None, None,
                   len(changes), 0.0, None,
                   f"{len(changes)} years not seen before, mean {np.mean(changes):.2f} s; goal under 2 s; "
                   f"a change back to a year seen: {back_s * 1000:.0f} ms")]


def _body_size(request) -> int:
    """A finished response's body size (0 for one whose page has already closed)."""
    from playwright.sync_api import Error as PlaywrightError

    try:
        return int(request.sizes()["responseBodySize"])
    except PlaywrightError:
        return 0


#: longest a first paint is waited for (then recorded as not painted)
PAINT_TIMEOUT_MS = 1_200_000


def first_paint(warehouse: Path, *, visits: int = 3) -> dict | None:
    """Seconds from opening the Overview to its map drawn, cold (a new server) then warm, and the bytes sent.

    The app is served by werkzeug on 127.0.0.1 in this process and opened in
    Debian chromium; None when chromium is not installed. ``bytes`` counts
    every response body of the cold visit (roads come as tiles of the view).
    """
    import threading

    import flask
    from werkzeug.serving import make_server

    from bench.serving import free_port
    from bluelight.dashboard.app import create_app
    from bluelight.dashboard.reports import CHROMIUM, CHROMIUM_ARGS

    if not Path(CHROMIUM).exists():
        return None
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="bluelight-paint-") as tmp:
        app = create_app(warehouse, scenario_dirs=[Path(tmp)], security_store=Path(tmp) / "accounts.sqlite")
        served = []                   # road tiles as the server answered them (a map worker's fetches may not
                                      # reach the page's events)

        @app.server.after_request
        def _count_tiles(resp):
            if flask.request.path.startswith("/layers/roads/"):
                served.append(flask.request.path)
            return resp

        port = free_port()
        server = make_server("127.0.0.1", port, app.server, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
                times, sent, tiles = [], [], []
                for _ in range(visits):
                    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
                    page = ctx.new_page()
                    sizes, first_tile = [], len(served)
                    page.on("requestfinished", lambda r, sizes=sizes: sizes.append(_body_size(r)))
                    t0 = time.perf_counter()
                    page.goto(f"http://127.0.0.1:{port}/", wait_until="commit")
                    try:
                        page.wait_for_selector("#overview-map .maplibregl-canvas", timeout=PAINT_TIMEOUT_MS)
                        page.wait_for_load_state("networkidle", timeout=PAINT_TIMEOUT_MS)
                    except PlaywrightTimeout:
                        log.warning("the Overview did not paint within %d s", PAINT_TIMEOUT_MS // 1000)
                        ctx.close()
                        return {"cold_s": float("inf"), "warm_s": float("inf"), "bytes": 0, "road_tiles": 0}
                    times.append(time.perf_counter() - t0)
                    for _ in range(20):               # the map asks for its tiles once its style has loaded
                        if len(served) > first_tile:
                            break
                        page.wait_for_timeout(500)
                    page.wait_for_load_state("networkidle", timeout=PAINT_TIMEOUT_MS)
                    sent.append(sum(sizes))
                    tiles.append(len(served) - first_tile)
                    ctx.close()
                browser.close()
        finally:
            server.shutdown()
            thread.join(timeout=10)
    return {"cold_s": times[0], "warm_s": float(np.median(times[1:])) if visits > 1 else times[0],
            "bytes": sent[0], "road_tiles": tiles[0]}
