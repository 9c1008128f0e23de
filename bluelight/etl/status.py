"""What the warehouse holds: counts by table, service, status and category, and the data source."""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

from bluelight.etl.scalars import one_row, scalar
from bluelight.etl.warehouse import existing_tables, get_meta, table_counts


def warehouse_status(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """A JSON-ready summary of the warehouse (what ``bluelight status`` prints)."""
    sites = con.execute(
        "SELECT service, status, count(*) FILTER (WHERE duplicate_of IS NULL), count(duplicate_of) "
        "FROM sites GROUP BY ALL ORDER BY ALL").fetchall()
    by_service: dict[str, dict[str, Any]] = {}
    for service, status, unique, dups in sites:
        entry = by_service.setdefault(service, {"total": 0, "duplicates": 0, "by_status": {}})
        entry["by_status"][status] = unique
        entry["total"] += unique
        entry["duplicates"] += dups
    osm = one_row(con, "SELECT count(*), count(duplicate_of) FROM sites WHERE source = 'osm'")
    incidents = dict(con.execute("SELECT category, count(*) FROM incidents GROUP BY 1 ORDER BY 2 DESC").fetchall())
    net = con.execute("SELECT sources, nodes, edges, nodes_dropped, components_dropped, speed_profile "
                      "FROM road_networks ORDER BY load_run_id DESC LIMIT 1").fetchone()
    runs = dict(con.execute("SELECT status, count(*) FROM load_runs GROUP BY 1").fetchall())
    return {
        "data_source": {"kind": get_meta(con, "data_source_kind"), "path": get_meta(con, "data_source_path"),
                        "synthetic": get_meta(con, "synthetic") == "true"},
        "tables": table_counts(con),
        "sites": by_service,
        "osm_stations": {"total": osm[0], "duplicates_of_official_sites": osm[1]},
        "incidents": {"total": sum(incidents.values()), "by_category": incidents},
        "road_network": None if net is None else {
            "sources": net[0].split(";"), "nodes": net[1], "edges": net[2], "nodes_dropped": net[3],
            "components_dropped": net[4], "speed_profile": net[5], "strongly_connected": True},
        "load_runs": runs,
        "rejects": scalar(con, "SELECT count(*) FROM rejects"),
        "recent_changes": recent_changes(con),
        "region": get_meta(con, "region_name"),
        "speed_profile": get_meta(con, "speed_profile"),
    }


def recent_changes(con: duckdb.DuckDBPyConnection, limit: int = 15) -> list[dict[str, Any]]:
    """What each recent load changed: rows loaded (new or changed), unchanged and rejected, and site changes."""
    runs = con.execute("SELECT run_id, dataset, status, file_path, rows_loaded, rows_unchanged, rows_rejected, "
                       "strftime(finished_at, '%Y-%m-%d %H:%M') AS at FROM load_runs ORDER BY run_id DESC LIMIT ?",
                       [limit]).df()
    if "site_versions" not in existing_tables(con):      # a warehouse older than site history
        changes = pd.DataFrame(columns=["load_run_id", "change", "n"])
    else:
        changes = con.execute("SELECT load_run_id, change, count(*) AS n FROM site_versions GROUP BY ALL").df()
    out = []
    for r in runs.itertuples(index=False):
        mine = changes[changes["load_run_id"] == r.run_id]
        out.append({"run_id": int(r.run_id), "dataset": r.dataset, "status": r.status, "file": r.file_path,
                    "at": r.at, "rows_loaded": int(r.rows_loaded), "rows_unchanged": int(r.rows_unchanged),
                    "rows_rejected": int(r.rows_rejected),
                    "site_changes": {c: int(n) for c, n in zip(mine["change"], mine["n"])}})
    return out
