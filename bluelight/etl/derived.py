"""Writing what is derived from the loaded tables: each road node's K fastest sites of a service, and where
each demand point and station lies on its road segment.

Both are computed above this layer (by the nearest-sites use case, from the loaded roads, sites and demand) and
written here, the one place that writes to the warehouse, one transaction per set: a killed write leaves the
old rows or none, and a reader checks ``derived_runs`` or ``snapped_sets`` (the last load run they saw and
what they were computed from) before it trusts them.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import duckdb
import numpy as np
import pandas as pd

from bluelight.analysis.snapping import SegmentPositions
from bluelight.foundation.errors import WarehouseError


def last_load_run(con: duckdb.DuckDBPyConnection) -> int:
    """The newest load run recorded (0 when nothing was loaded): lists derived before it may be stale.

    Parameters
    ----------
    con
        A warehouse connection.
    """
    row = con.execute("SELECT coalesce(max(run_id), 0) FROM load_runs").fetchone()
    return int(row[0]) if row else 0


def derived_name(service: str) -> str:
    """The ``derived_runs`` row of one service's nearest-site lists.

    Parameters
    ----------
    service
        The service.
    """
    return f"nearest_sites:{service}"


def write_nearest(con: duckdb.DuckDBPyConnection, service: str, *, site: np.ndarray, time_s: np.ndarray,
                  more: np.ndarray, site_ids: list[str], inputs_run: int, fingerprint: str, cutoff_s: float,
                  seconds: float) -> int:
    """Replace ``service``'s nearest-site lists (one transaction); returns the rows written.

    Parameters
    ----------
    con
        A writable warehouse connection.
    service
        The service whose sites the lists name.
    site, time_s, more
        As :func:`~bluelight.analysis.nearest_sites.nearest_sites` returns them, one row per road node in
        ``node_id`` order.
    site_ids
        The site id of each site index (the on-network sites, in the order the lists index them).
    inputs_run
        The last load run the lists were computed from (:func:`last_load_run` before computing).
    fingerprint, cutoff_s
        What they were computed from (:func:`~bluelight.analysis.nearest_sites.fingerprint`: the drive times,
        turnouts and cutoff) and the cutoff.
    seconds
        How long the computation took (recorded beside the lists).
    """
    if site.shape != time_s.shape or site.ndim != 2 or more.shape != (site.shape[0],):
        raise WarehouseError(f"nearest-site lists of {service}: shapes {site.shape}, {time_s.shape} and "
                             f"{more.shape} do not agree")
    node, rank = np.nonzero(site >= 0)
    rows = pd.DataFrame({"service": service, "node_idx": node.astype(np.int32), "rank": rank.astype(np.int16),
                         "site_idx": site[node, rank].astype(np.int32), "time_s": time_s[node, rank]})
    order = pd.DataFrame({"service": service, "site_idx": np.arange(len(site_ids), dtype=np.int32),
                          "site_id": list(site_ids)})
    more_rows = pd.DataFrame({"service": service, "node_idx": np.flatnonzero(more).astype(np.int32)})
    started = time.perf_counter()
    con.execute("BEGIN TRANSACTION")
    try:
        for table in ("nearest_sites", "nearest_more", "nearest_site_order"):
            con.execute(f"DELETE FROM {table} WHERE service = ?", [service])
        con.register("_nearest_rows", rows)
        con.register("_nearest_order", order)
        con.register("_nearest_more", more_rows)
        con.execute("INSERT INTO nearest_sites SELECT service, node_idx, rank, site_idx, time_s FROM _nearest_rows")
        con.execute("INSERT INTO nearest_site_order SELECT service, site_idx, site_id FROM _nearest_order")
        con.execute("INSERT INTO nearest_more SELECT service, node_idx FROM _nearest_more")
        con.execute("INSERT OR REPLACE INTO derived_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [derived_name(service), inputs_run, fingerprint, float(cutoff_s), int(site.shape[1]),
                     int(site.shape[0]), datetime.now(UTC).replace(tzinfo=None),
                     seconds + time.perf_counter() - started])
        con.execute("COMMIT")
    except duckdb.Error as exc:
        con.execute("ROLLBACK")
        raise WarehouseError(f"writing the nearest-site lists of {service}: {type(exc).__name__}: {exc}") from exc
    finally:
        for name in ("_nearest_rows", "_nearest_order", "_nearest_more"):
            con.unregister(name)
    return len(rows)


def snapped_set(kind: str, service: str | None = None) -> str:
    """The name a point set's stored road positions go by: ``population``, ``incidents:fire``, ``sites:police``.

    Parameters
    ----------
    kind
        ``population``, ``incidents`` or ``sites``.
    service
        The service of incidents or sites.
    """
    return kind if service is None else f"{kind}:{service}"


def write_snapped(con: duckdb.DuckDBPyConnection, name: str, positions: SegmentPositions, *, n_points: int,
                  points_hash: str, n_edges: int, max_snap_m: float, inputs_run: int, seconds: float) -> int:
    """Replace the stored segment positions of the point set ``name`` (one transaction); returns the rows written.

    Parameters
    ----------
    con
        A writable warehouse connection.
    name
        The point set (``population``, ``incidents:fire``, ``sites:police`` ...).
    positions
        As :func:`~bluelight.analysis.snapping.segment_positions` returns them.
    n_points, points_hash
        How many points the set has and a hash of their coordinates (a reader compares its own).
    n_edges, max_snap_m
        The road network's edge count and the snap distance the positions were found within.
    inputs_run
        The last load run they were computed from (:func:`last_load_run` before computing).
    seconds
        How long the computation took.
    """
    rows = pd.DataFrame({"name": name, "point_idx": positions.point.astype(np.int32),
                         "edge_idx": positions.edge.astype(np.int32), "fraction": positions.fraction,
                         "distance_m": positions.distance_m})
    started = time.perf_counter()
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM snapped_points WHERE name = ?", [name])
        con.register("_snapped_rows", rows)
        con.execute("INSERT INTO snapped_points SELECT name, point_idx, edge_idx, fraction, distance_m "
                    "FROM _snapped_rows")
        con.execute("INSERT OR REPLACE INTO snapped_sets VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [name, inputs_run, points_hash, int(n_points), int(n_edges), float(max_snap_m),
                     datetime.now(UTC).replace(tzinfo=None), seconds + time.perf_counter() - started])
        con.execute("COMMIT")
    except duckdb.Error as exc:
        con.execute("ROLLBACK")
        raise WarehouseError(f"writing the road positions of {name}: {type(exc).__name__}: {exc}") from exc
    finally:
        con.unregister("_snapped_rows")
    return len(rows)
