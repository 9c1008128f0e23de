"""One value from a query, or None when there is no row."""

import duckdb

from bluelight.etl.scalars import scalar


def test_the_first_column_of_the_first_row_or_none():
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT * FROM (VALUES (3, 'c'), (1, 'a')) v(n, s)")
    assert scalar(con, "SELECT count(*) FROM t") == 2
    assert scalar(con, "SELECT s FROM t WHERE n = ?", [1]) == "a"
    assert scalar(con, "SELECT s FROM t WHERE n = ?", [7]) is None
    con.close()
