"""Writing derived nearest-site lists: one transaction per service, replaced whole, refused whole."""

import numpy as np
import pytest

from bluelight.etl.derived import derived_name, last_load_run, write_nearest
from bluelight.etl.warehouse import connect
from bluelight.foundation.errors import WarehouseError


def _write(con, service="fire", **changes):
    args = dict(site=np.array([[0, 1], [1, -1], [-1, -1]], np.int32),
                time_s=np.array([[10.0, 20.0], [5.0, np.inf], [np.inf, np.inf]]), more=np.array([True, False, False]),
                site_ids=["F1", "F2"], inputs_run=last_load_run(con), fingerprint="fp", cutoff_s=1800.0, seconds=0.5)
    return write_nearest(con, service, **(args | changes))


def test_rows_are_the_reached_sites_and_a_rewrite_replaces_them():
    con = connect(":memory:")
    assert last_load_run(con) == 0
    assert _write(con) == 3
    assert con.execute("SELECT node_idx, rank, site_idx, time_s FROM nearest_sites ORDER BY node_idx, rank"
                       ).fetchall() == [(0, 0, 0, 10.0), (0, 1, 1, 20.0), (1, 0, 1, 5.0)]
    assert con.execute("SELECT node_idx FROM nearest_more").fetchall() == [(0,)]
    assert con.execute("SELECT site_idx, site_id FROM nearest_site_order ORDER BY 1").fetchall() == [(0, "F1"),
                                                                                                  (1, "F2")]
    assert con.execute("SELECT inputs_run, fingerprint, k, n_nodes FROM derived_runs WHERE name = ?",
                       [derived_name("fire")]).fetchone() == (0, "fp", 2, 3)
    _write(con, "police")
    assert _write(con, site=np.array([[1, -1], [-1, -1], [-1, -1]], np.int32)) == 1
    assert con.execute("SELECT service, count(*) FROM nearest_sites GROUP BY 1 ORDER BY 1").fetchall() == [
        ("fire", 1), ("police", 3)]


def test_shapes_that_disagree_are_refused_and_nothing_changes():
    con = connect(":memory:")
    _write(con)
    with pytest.raises(WarehouseError, match="fire: shapes"):
        _write(con, more=np.array([True]))
    assert con.execute("SELECT count(*) FROM nearest_sites").fetchone()[0] == 3
