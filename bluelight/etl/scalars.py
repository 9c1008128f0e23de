"""One value or one row from a query: the count, flag or id a check reads (None when there is no row), and
an aggregate's row."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb

from bluelight.foundation.errors import WarehouseError


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
    row = _first_row(con, sql, params)
    return None if row is None else row[0]


def one_row(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object] | None = None) -> tuple[Any, ...]:
    """The query's one row (an aggregate's: it always has one); the arguments are :func:`scalar`'s.

    Raises
    ------
    WarehouseError
        When the query returns no row (not an aggregate, or its table is gone).
    """
    row = _first_row(con, sql, params)
    if row is None:
        raise WarehouseError(f"the warehouse returned no row for: {' '.join(sql.split())}")
    return tuple(row)


def _first_row(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object] | None) -> tuple[Any, ...] | None:
    return (con.execute(sql) if params is None else con.execute(sql, list(params))).fetchone()
