"""Open the DuckDB warehouse with the spatial extension loaded offline, and create its schema."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import duckdb_extension_spatial

from bluelight.etl.integrity import check_warehouse
from bluelight.etl.loading import fault_point
from bluelight.etl.scalars import scalar
from bluelight.foundation.errors import BluelightError, WarehouseError

log = logging.getLogger(__name__)

SCHEMA_SQL = Path(__file__).with_name("schema.sql")

#: tables that hold loaded data (what ``status`` counts and the UI lists)
DATA_TABLES = (
    "organisations",
    "sites",
    "incidents",
    "incident_workload",
    "mobilisations",
    "targets",
    "population",
    "boundaries",
    "road_nodes",
    "road_edges",
    "scenarios",
    "site_versions",
    "duty_matches",
    "ambsys",
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
    config: dict[str, str | bool | int | float | list[str]] = {"autoinstall_known_extensions": False,
                                                                "autoload_known_extensions": False}
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


def existing_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Tables the warehouse has (an older warehouse may lack tables this code added since)."""
    return {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}


def table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int | None]:
    """Row count of every data table (None for a table an older warehouse does not have yet)."""
    have = existing_tables(con)
    return {t: scalar(con, f"SELECT count(*) FROM {t}") if t in have else None for t in DATA_TABLES}


@contextmanager
def publishing(path: str | Path, *, wait_s: float = 600.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """Write to a warehouse without disturbing its readers: build on a copy, then swap it in at once.

    One writer at a time holds ``<warehouse>.lock`` (released by the system if
    the writer dies). The live file is copied to a staging file beside it, the
    caller writes there, and on success the staging file is checkpointed and
    renamed over the live one: readers holding the old file keep reading it,
    and new readers see the new state whole. On an error, or if the process is
    killed, the live file is untouched and the staging copy is discarded
    (by the next writer, if the process died).
    """
    import fcntl
    import os
    import shutil

    live = Path(path)
    if str(live) == ":memory:":
        con = connect(live)
        try:
            yield con
        finally:
            con.close()
        return
    live.parent.mkdir(parents=True, exist_ok=True)
    lock = open(live.with_name(live.name + ".lock"), "a+")          # noqa: SIM115 - held for the whole write
    deadline = time.monotonic() + wait_s
    while True:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() > deadline:
                lock.close()
                raise WarehouseError(f"another load is writing {live}; try again when it has finished") from None
            time.sleep(0.2)
    try:
        for stale in live.parent.glob(f"{live.name}.staging*"):      # left by a writer that was killed
            stale.unlink(missing_ok=True)
        staging = live.with_name(f"{live.name}.staging-{os.getpid()}")
        if live.exists():
            shutil.copyfile(live, staging)
        con = connect(staging)
        refused = None
        try:
            yield con
        except BluelightError as exc:       # a refused load: its data rolled back, its failure recorded: keep that
            refused = exc
        except BaseException:
            con.close()
            staging.unlink(missing_ok=True)
            Path(f"{staging}.wal").unlink(missing_ok=True)
            raise
        con.execute("CHECKPOINT")
        con.close()
        with open(staging, "rb") as fh:
            os.fsync(fh.fileno())
        fault_point("before-publish")
        os.replace(staging, live)
        fault_point("after-publish")
        dir_fd = os.open(live.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        if refused is not None:
            raise refused
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()
