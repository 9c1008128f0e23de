"""The load discipline: one transaction, idempotent, failures recorded, nothing half-written."""

import pandas as pd
import pytest

from bluelight.etl.loading import Parsed, Reject, Written, run_load, upsert
from bluelight.foundation.errors import InputFileError, RejectedRowsError


def _frame(ids, values):
    f = pd.DataFrame({"target_id": ids, "service": "fire", "category": "x", "statistic": "mean",
                      "threshold_s": values, "goal": None, "jurisdiction": "j", "description": "d", "source": "s",
                      "url": None})
    f["content_hash"] = [f"h{v}" for v in values]
    return f


def _load(con, path, frame, rejects=(), accept_partial=False, write=None):
    return run_load(con, dataset="t", loader="t", paths=[path],
                    parse=lambda: Parsed(frame, rows_read=len(frame) + len(rejects), rejects=list(rejects)),
                    write=write or (lambda c, p, r: upsert(c, "targets", p.frame, key="target_id", run_id=r)),
                    accept_partial=accept_partial)


def test_reject_describe():
    r = Reject(4, "latitude", "91", "outside Great Britain")
    assert r.describe() == "row 4 (line 5), field 'latitude' = '91': outside Great Britain"


def test_same_file_twice_changes_nothing(con, write):
    path = write("a.txt", "one")
    first = _load(con, path, _frame(["a", "b"], [1, 2]))
    assert (first.status, first.rows_loaded) == ("loaded", 2)
    second = _load(con, path, _frame(["a", "b"], [1, 2]))
    assert second.status == "unchanged" and second.run_id == first.run_id
    assert con.execute("SELECT count(*) FROM load_runs").fetchone()[0] == 1


def test_changed_rows_replaced_unchanged_rows_counted(con, write):
    _load(con, write("a.txt", "one"), _frame(["a", "b"], [1, 2]))
    s = _load(con, write("b.txt", "two"), _frame(["a", "b", "c"], [1, 5, 3]))
    assert (s.rows_loaded, s.rows_unchanged) == (2, 1)
    assert con.execute("SELECT threshold_s FROM targets WHERE target_id = 'b'").fetchone()[0] == 5


def test_rejects_block_the_load_unless_partial_accepted(con, write):
    path = write("a.txt", "one")
    rej = [Reject(3, "threshold_s", "x", "not a number")]
    with pytest.raises(RejectedRowsError) as err:
        _load(con, path, _frame(["a"], [1]), rejects=rej)
    assert "row 3 (line 4), field 'threshold_s'" in str(err.value) and "a.txt" in str(err.value)
    assert con.execute("SELECT count(*) FROM targets").fetchone()[0] == 0
    assert con.execute("SELECT status, rows_rejected FROM load_runs").fetchall() == [("failed", 1)]
    s = _load(con, path, _frame(["a"], [1]), rejects=rej, accept_partial=True)
    assert (s.status, s.rows_loaded, s.rows_rejected) == ("partial", 1, 1)
    assert con.execute("SELECT row_number, field, reason FROM rejects WHERE run_id = ?", [s.run_id]).fetchall() == \
        [(3, "threshold_s", "not a number")]


def test_failure_mid_write_rolls_back(con, write):
    _load(con, write("a.txt", "one"), _frame(["a"], [1]))

    def explode(c, p, run_id):
        upsert(c, "targets", p.frame, key="target_id", run_id=run_id)
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        _load(con, write("b.txt", "two"), _frame(["a", "z"], [9, 9]), write=explode)
    assert con.execute("SELECT target_id, threshold_s FROM targets").fetchall() == [("a", 1.0)]
    assert con.execute("SELECT status FROM load_runs ORDER BY run_id").fetchall() == [("loaded",), ("failed",)]


def test_file_level_error_is_recorded(con, write):
    path = write("a.txt", "one")

    def bad_parse():
        raise InputFileError(path, "file is empty")

    with pytest.raises(InputFileError):
        run_load(con, dataset="t", loader="t", paths=[path], parse=bad_parse, write=lambda *a: Written(0))
    assert con.execute("SELECT status, message FROM load_runs").fetchone()[0] == "failed"


def test_changed_content_rejected_when_ids_are_immutable(con, write):
    _load(con, write("a.txt", "one"), _frame(["a"], [1]))
    w = lambda c, p, r: upsert(c, "targets", p.frame, key="target_id", run_id=r, on_change="reject",  # noqa: E731
                               row_numbers=pd.Series([7], index=p.frame.index))
    with pytest.raises(RejectedRowsError, match="row 7"):
        _load(con, write("b.txt", "two"), _frame(["a"], [2]), write=w)
    assert con.execute("SELECT threshold_s FROM targets").fetchone()[0] == 1
