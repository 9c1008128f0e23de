"""One value from a query, or None when there is no row; an aggregate's one row, or a named error."""

import duckdb
import pytest

from bluelight.etl.scalars import one_row, scalar
from bluelight.foundation.errors import WarehouseError


def test_the_first_column_of_the_first_row_or_none():
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT * FROM (VALUES (3, 'c'), (1, 'a')) v(n, s)")
    assert scalar(con, "SELECT count(*) FROM t") == 2
    assert scalar(con, "SELECT s FROM t WHERE n = ?", [1]) == "a"
    assert scalar(con, "SELECT s FROM t WHERE n = ?", [7]) is None
    con.close()


def test_an_aggregate_s_one_row_or_an_error_naming_the_query():
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT * FROM (VALUES (3, 'c'), (1, 'a')) v(n, s)")
    assert one_row(con, "SELECT count(*), sum(n) FROM t") == (2, 4)
    assert one_row(con, "SELECT min(s) FROM t WHERE n > ?", [5]) == (None,)      # an aggregate of nothing: a row
    with pytest.raises(WarehouseError, match="no row for: SELECT s FROM t WHERE n = 9"):
        one_row(con, "SELECT s FROM t\n   WHERE n = 9")
    con.close()
