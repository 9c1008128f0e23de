"""One value from a query: the count, flag or id a check reads (None when the query returns no row)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object] | None = None) -> Any:
    """The first column of the query's first row, or None when it returns no row.

    Parameters
    ----------
    con
        An open DuckDB connection.
    sql
        The query.
    params
        Its parameters, if any.
    """
    row = (con.execute(sql) if params is None else con.execute(sql, list(params))).fetchone()
    return None if row is None else row[0]
