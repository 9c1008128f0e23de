"""The dashboard and loads coexist: pages read while a load publishes, and show the new data after it."""

from __future__ import annotations

import threading

from bluelight.analysis.speeds import load_profile
from bluelight.dashboard.queries import Warehouse
from bluelight.etl.sites import load_sites
from bluelight.etl.warehouse import publishing
from bluelight.services.session import Session

SITES = "site_id,name,service,easting,northing\nF1,Alpha,fire,529000,181000\n"


def test_a_dashboard_started_first_waits_then_serves_and_follows_loads(tmp_path, write):
    path = tmp_path / "w.duckdb"
    wh = Warehouse(path)
    session = Session(wh.read, load_profile("bluelight_v1"), generation=lambda: wh.generation)
    assert not wh.available                                   # no warehouse yet: the pages say how to build one
    with publishing(path) as con:
        load_sites(con, write("a.csv", SITES))
    assert wh.available and len(wh.sites()) == 1
    reads, errors, stop = [], [], threading.Event()

    def reader():
        while not stop.is_set():
            try:
                reads.append(len(wh.sites()))
            except Exception as exc:  # noqa: BLE001 - the test reports whatever a reader meets
                errors.append(exc)

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        with publishing(path) as con:                          # a load while pages are being read
            load_sites(con, write("b.csv", SITES + "F2,Beta,fire,530000,181500\n"))
    finally:
        stop.set()
        thread.join()
    assert not errors and reads and set(reads) <= {1, 2}
    assert len(wh.sites()) == 2 and wh.generation >= 2        # the new state, without a restart
    assert session.read(lambda cur: cur.execute("SELECT count(*) FROM sites").fetchone()[0]) == 2
