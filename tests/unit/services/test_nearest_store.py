"""Stored K-fastest-site lists: written by the loads, read back only while they still describe the warehouse."""

from unittest import mock

import numpy as np

import bluelight.services.session as session_module
from bluelight.analysis.nearest_sites import nearest_sites
from bluelight.etl.warehouse import connect
from bluelight.services.inputs import read_nearest, session_profile
from bluelight.services.nearest_store import derive_nearest, stored_k
from bluelight.services.session import DemandSpec, Session, frame_links


def _session(con):
    return Session.over(con, session_profile(con, None))


def _searched(con, service, k):
    s = _session(con)
    placed = s.sites(service)
    on = placed[placed["node"] >= 0]
    return nearest_sites(s.network, frame_links(on), on["turnout"].to_numpy(float), k=k, cutoff_s=s.cutoff_s)


def test_the_demo_load_stores_lists_a_session_reads_without_searching(synthetic_wh):
    con = connect(synthetic_wh, read_only=True)
    try:
        runs = dict(con.execute("SELECT name, k FROM derived_runs").fetchall())
        assert runs == {"nearest_sites:fire": 8, "nearest_sites:ambulance": stored_k("ambulance"),
                        "nearest_sites:police": stored_k("police")}
        assert stored_k("ambulance") == 20 and stored_k("fire") == 8       # busy 0.5: 20 deep (config/executive)
        with mock.patch.object(session_module, "nearest_sites", side_effect=AssertionError("searched")):
            s = _session(con)
            for service, k in (("fire", 8), ("ambulance", 8), ("ambulance", 20)):
                site, time_s, more = s.nearest(service, k=k)
                want = _searched(con, service, k)
                assert np.array_equal(site, want[0]) and np.array_equal(time_s, want[1])
                assert (want[2] <= more).all()           # a longer list cut short says further sites reach
            ev = s.evaluate("fire", DemandSpec())
        assert np.isfinite(ev.response_s).any()
        searched = _session(con)                          # the same answer when it has to search
        with mock.patch.object(session_module, "read_nearest", return_value=None):
            again = searched.evaluate("fire", DemandSpec())
        np.testing.assert_array_equal(ev.response_s, again.response_s)
    finally:
        con.close()


def _copy(tmp_path, synthetic_wh):
    path = tmp_path / "copy.duckdb"
    path.write_bytes(synthetic_wh.read_bytes())
    return path


def test_lists_are_not_trusted_after_a_load_or_for_other_times(tmp_path, synthetic_wh):
    con = connect(_copy(tmp_path, synthetic_wh))
    try:
        s = _session(con)
        placed = s.sites("fire")
        ids = placed.loc[placed["node"] >= 0, "site_id"].tolist()
        stored = con.execute("SELECT fingerprint FROM derived_runs WHERE name = 'nearest_sites:fire'").fetchone()[0]

        def read(**changes):
            args = dict(fingerprint=stored, cutoff_s=s.cutoff_s, k=8, site_ids=ids, n_nodes=s.network.n_nodes)
            return read_nearest(con, "fire", **(args | changes))

        assert read() is not None
        assert read(fingerprint="other drive times") is None
        assert read(cutoff_s=s.cutoff_s + 60) is None
        assert read(k=9) is None                                   # stored 8 deep
        assert read(site_ids=ids[::-1]) is None
        assert read(n_nodes=s.network.n_nodes + 1) is None
        con.execute("INSERT INTO load_runs SELECT run_id + 1000, dataset, loader, file_path, sha256, options, "
                    "status, rows_read, rows_loaded, rows_unchanged, rows_rejected, message, started_at, "
                    "finished_at, seconds FROM load_runs ORDER BY run_id DESC LIMIT 1")
        assert read() is None                                      # something was loaded since
        derive_nearest(con, services=("fire",))
        assert read() is not None
    finally:
        con.close()


def test_an_older_warehouse_without_the_tables_is_searched(tmp_path, synthetic_wh):
    path = _copy(tmp_path, synthetic_wh)
    con = connect(path)
    for table in ("derived_runs", "nearest_sites", "nearest_more", "nearest_site_order"):
        con.execute(f"DROP TABLE {table}")
    con.close()
    con = connect(path, read_only=True)
    try:
        assert read_nearest(con, "fire", fingerprint="x", cutoff_s=1800.0, k=8, site_ids=[], n_nodes=1) is None
        assert _session(con).nearest("fire")[0].shape[1] == 8
    finally:
        con.close()



def test_the_load_stores_road_positions_a_session_reads_without_snapping(synthetic_wh):
    import pandas as pd

    con = connect(synthetic_wh, read_only=True)
    try:
        names = {r[0] for r in con.execute("SELECT name FROM snapped_sets").fetchall()}
        assert {"population", "incidents:fire", "sites:fire", "sites:ambulance"} <= names
        stored = _session(con)
        with mock.patch.object(session_module, "segment_positions", side_effect=AssertionError("snapped")):
            pop, inc, sites = stored.demand(DemandSpec()), stored.demand(DemandSpec("incidents"), "fire"), \
                stored.sites("fire")
            night = stored.for_period("night").demand(DemandSpec())     # other drive times, the same positions
            stored.evaluate("fire", DemandSpec())
            empty = stored.positions(pop.iloc[:0])                    # a service with no incidents
        assert len(empty.point) == 0
        assert stored._network()[1]._value is None                    # the edge geometries were never read
        fresh = _session(con)
        with mock.patch.object(session_module, "read_snapped", return_value=None):
            want = fresh.demand(DemandSpec()), fresh.demand(DemandSpec("incidents"), "fire"), fresh.sites("fire")
            want_night = fresh.for_period("night").demand(DemandSpec())
        for got, expected in zip((pop, inc, sites, night), (*want, want_night)):
            pd.testing.assert_frame_equal(got, expected)                # exactly what snapping gives
        assert (night["extra_a_s"] != pop["extra_a_s"]).any()           # the times are the band's own
        with mock.patch.object(session_module, "segment_positions", wraps=session_module.segment_positions) as snap:
            stored.demand(DemandSpec(max_snap_m=100.0))                 # another snap distance: snapped afresh
        assert snap.called
    finally:
        con.close()


def test_road_positions_are_not_trusted_for_other_points_or_after_a_load(tmp_path, synthetic_wh):
    from bluelight.analysis.snapping import points_hash
    from bluelight.services.inputs import read_snapped
    from bluelight.services.nearest_store import derive_snapped

    con = connect(_copy(tmp_path, synthetic_wh))
    try:
        s = _session(con)
        pop = s.read(lambda cur: session_module.read_population(cur, age_band="all"))
        x, y = pop["easting"].to_numpy(float), pop["northing"].to_numpy(float)

        def read(**changes):
            args = dict(points_hash=points_hash(x, y), n_points=len(pop), n_edges=len(s.network.edge_u),
                        max_snap_m=s.max_snap_m)
            return read_snapped(con, "population", **(args | changes))

        assert read() is not None and len(read().point) > 0
        assert read(points_hash=points_hash(x[::-1], y[::-1])) is None       # other points (or another order)
        assert read(n_edges=len(s.network.edge_u) + 1) is None               # other roads
        assert read(max_snap_m=s.max_snap_m / 2) is None
        con.execute("INSERT INTO load_runs SELECT run_id + 1000, dataset, loader, file_path, sha256, options, "
                    "status, rows_read, rows_loaded, rows_unchanged, rows_rejected, message, started_at, "
                    "finished_at, seconds FROM load_runs ORDER BY run_id DESC LIMIT 1")
        assert read() is None                                                # something was loaded since
        assert {d.name for d in derive_snapped(con, services=("fire",))} >= {"population", "sites:fire"}
        assert read() is not None
    finally:
        con.close()
