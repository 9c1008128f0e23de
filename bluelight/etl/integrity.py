"""Check a warehouse against its own load history, repair what is safe, and report the rest.

Every data row carries the run that wrote it. A row whose run is not
recorded as loaded (a process killed around its commit, a hand edit) is an
orphan: it is removed, since reloading its file restores it under a recorded
run. Rejects of unrecorded runs go too. What cannot be repaired safely (a
schema older than this code, load history that claims rows no table holds)
is reported for a person to decide.
"""

from __future__ import annotations

import logging
from typing import Any

import duckdb

from bluelight.etl.scalars import scalar
from bluelight.foundation.errors import WarehouseError

log = logging.getLogger(__name__)

#: the schema version this code writes (recorded in ``meta``)
SCHEMA_VERSION = "6"
#: tables whose rows record the run that wrote them
RUN_TABLES = ("sites", "incidents", "incident_workload", "mobilisations", "targets", "population", "boundaries", "road_nodes",
              "road_edges", "scenarios", "duty_matches", "site_versions", "ambsys")


def check_warehouse(con: duckdb.DuckDBPyConnection, *, repair: bool = True) -> dict[str, Any]:
    """Integrity of a warehouse: orphan rows, unrecorded rejects, runs without rows, schema version.

    Returns a JSON-ready report: ``ok`` (nothing left to fix), ``repaired``
    (what was fixed, when ``repair``) and ``problems`` (what remains).
    """
    problems, repaired = [], []
    try:
        recorded = "SELECT run_id FROM load_runs WHERE status IN ('loaded', 'partial')"
        for table in RUN_TABLES:
            n = scalar(con, f"SELECT count(*) FROM {table} WHERE load_run_id IS NULL "
                            f"OR load_run_id NOT IN ({recorded})")
            if not n:
                continue
            if repair:
                con.execute(f"DELETE FROM {table} WHERE load_run_id IS NULL OR load_run_id NOT IN ({recorded})")
                repaired.append(f"{table}: {n} row(s) written by no recorded load removed (reload their file)")
            else:
                problems.append(f"{table}: {n} row(s) written by no recorded load")
        n = scalar(con, "SELECT count(*) FROM rejects WHERE run_id NOT IN (SELECT run_id FROM load_runs)")
        if n:
            if repair:
                con.execute("DELETE FROM rejects WHERE run_id NOT IN (SELECT run_id FROM load_runs)")
                repaired.append(f"rejects: {n} record(s) of no recorded load removed")
            else:
                problems.append(f"rejects: {n} record(s) of no recorded load")
        dupes = scalar(con, "SELECT count(*) - count(DISTINCT run_id) FROM load_runs")
        if dupes:
            problems.append(f"load_runs: {dupes} duplicate run id(s)")
        version = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if version is None:
            fresh = scalar(con, "SELECT count(*) FROM load_runs") == 0
            if repair:
                con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [SCHEMA_VERSION])
                if not fresh:
                    repaired.append(f"schema version recorded ({SCHEMA_VERSION})")
            elif not fresh:
                problems.append("no schema version recorded")
        elif version[0] != SCHEMA_VERSION:
            problems.append(f"schema version {version[0]}, this code writes {SCHEMA_VERSION}: rebuild the warehouse "
                            "(bluelight etl demo, or reload your files into a new one)")
        runs = con.execute("SELECT count(*), coalesce(max(run_id), 0) FROM load_runs").fetchone() or (0, 0)
    except duckdb.Error as exc:
        raise WarehouseError(f"the warehouse cannot be checked: {type(exc).__name__}: {exc}") from exc
    for line in repaired:
        log.warning("warehouse repaired: %s", line)
    return {"ok": not problems, "repaired": repaired, "problems": problems, "load_runs": int(runs[0]),
            "last_run_id": int(runs[1]), "schema_version": SCHEMA_VERSION}
