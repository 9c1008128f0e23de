"""Open the DuckDB warehouse with the spatial extension loaded offline, and create its schema."""

from __future__ import annotations

import logging
from pathlib import Path

import duckdb
import duckdb_extension_spatial

from bluelight.errors import WarehouseError
from bluelight.etl.integrity import check_warehouse

log = logging.getLogger(__name__)

SCHEMA_SQL = Path(__file__).with_name("schema.sql")

#: tables that hold loaded data (what ``status`` counts and the UI lists)
DATA_TABLES = (
    "organisations",
    "sites",
    "incidents",
    "mobilisations",
    "targets",
    "population",
    "boundaries",
    "road_nodes",
    "road_edges",
    "scenarios",
)


def spatial_extension_path() -> Path:
    """The spatial extension binary shipped in the ``duckdb-extension-spatial`` wheel.

    ``INSTALL spatial`` would reach the internet; loading this file does not.
    """
    base = Path(duckdb_extension_spatial.__file__).parent / "extensions"
    path = base / f"v{duckdb.__version__}" / "spatial.duckdb_extension"
    if not path.is_file():
        msg = (
            f"the DuckDB spatial extension for duckdb {duckdb.__version__} is not at {path}; "
            "install duckdb-extension-spatial with the same version as duckdb"
        )
        raise WarehouseError(msg)
    return path


def connect(path: str | Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the warehouse at ``path`` with spatial loaded.

    Parameters
    ----------
    path
        Warehouse file, or ``":memory:"``.
    read_only
        Open read-only (the dashboard does, so that it never writes).
    """
    path_str = str(path)
    if path_str != ":memory:":
        p = Path(path_str)
        if read_only and not p.exists():
            msg = f"warehouse {p} does not exist; build it with 'bluelight etl demo'"
            raise WarehouseError(msg)
        p.parent.mkdir(parents=True, exist_ok=True)
    config = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
    try:
        con = duckdb.connect(path_str, read_only=read_only, config=config)
    except duckdb.IOException as exc:
        msg = f"cannot open warehouse {path_str}: {exc}"
        raise WarehouseError(msg) from exc
    try:
        con.execute(f"LOAD '{spatial_extension_path()}'")
        if not read_only:
            con.execute(SCHEMA_SQL.read_text())
            check_warehouse(con, repair=True)      # a killed load leaves nothing for the next one to trip on
    except duckdb.Error as exc:
        con.close()
        msg = f"cannot prepare warehouse {path_str}: {type(exc).__name__}: {exc}"
        raise WarehouseError(msg) from exc
    return con


def set_meta(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])


def get_meta(con: duckdb.DuckDBPyConnection, key: str, default: str | None = None) -> str | None:
    row = con.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    return row[0] if row else default


def table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Row count of every data table."""
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in DATA_TABLES}
