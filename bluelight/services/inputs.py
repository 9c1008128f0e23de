"""Read the warehouse into the inputs the pure analysis modules take.

The CLI and the dashboard both go through here, so that a figure on screen
and the same figure from the command line come from the same reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import shapely

from bluelight.analysis.network import RoadNetwork, network_from_frames
from bluelight.analysis.snapping import SegmentPositions
from bluelight.analysis.speeds import SpeedProfile, turnout_s
from bluelight.foundation.errors import WarehouseError

#: a warehouse connection or one of its cursors (what a session reads through)
Connection = duckdb.DuckDBPyConnection


def read_road_network(con: Connection, profile: SpeedProfile) -> RoadNetwork:
    """The road network under ``profile`` (its edges in ``edge_id`` order, as :func:`read_edge_geoms` gives
    their geometries).

    Parameters
    ----------
    con
        An open warehouse connection.
    profile
        Speed profile for the edges' travel times.
    """
    nodes = con.execute("SELECT node_id, x_m, y_m, control FROM road_nodes ORDER BY node_id").df()
    if nodes.empty:
        raise WarehouseError("the warehouse has no road network; load one with 'bluelight etl roads' or 'etl demo'")
    edges = con.execute("SELECT u, v, length_m, highway, maxspeed_kph FROM road_edges ORDER BY edge_id").df()
    return network_from_frames(nodes, edges, profile)


def read_edge_geoms(con: Connection) -> np.ndarray:
    """The road edges' geometries (EPSG:27700), aligned with :func:`read_road_network`'s edges: a county's take
    seconds to read, and only snapping new points and drawing isochrones need them.

    Parameters
    ----------
    con
        An open warehouse connection.
    """
    wkb = con.execute("SELECT ST_AsWKB(geom) AS wkb FROM road_edges ORDER BY edge_id").fetchnumpy()["wkb"]
    geoms: np.ndarray = shapely.from_wkb([bytes(b) for b in wkb])
    return geoms


def read_sites(con: Connection, *, services: Sequence[str] | None = None, statuses: Sequence[str] = ("open",),
               as_of: str | None = None, kinds: Sequence[str] | None = ("station",)) -> pd.DataFrame:
    """Sites of the given services that are operational (not duplicates), optionally as of a date.

    ``as_of`` reconstructs the estate on a date: sites closed after it count
    as open then (the 2014 London closures before 9 January 2014). ``kinds`` None: sites of every kind.

    Parameters
    ----------
    con
        An open warehouse connection.
    services
        Only these services (None: every service).
    statuses
        Statuses counted as operational (ignored with ``as_of``).
    as_of
        Reconstruct the estate on this date (YYYY-MM-DD).
    kinds
        Only sites of these kinds (None: every kind).
    """
    where = ["duplicate_of IS NULL"]
    params: list[object] = []
    if kinds:
        where.append(f"kind IN ({', '.join('?' for _ in kinds)})")
        params += list(kinds)
    if services:
        where.append(f"service IN ({', '.join('?' for _ in services)})")
        params += list(services)
    if as_of:
        where.append("(opened_on IS NULL OR opened_on <= CAST(? AS DATE))")
        where.append("(status IN ('open', 'closed') AND (closed_on IS NULL OR closed_on > CAST(? AS DATE)))")
        params += [as_of, as_of]
    else:
        where.append(f"status IN ({', '.join('?' for _ in statuses)})")
        params += list(statuses)
    return con.execute(f"SELECT site_id, name, service, kind, status, duty_system, turnout_s, hours_current, easting, northing, lon, lat "
                       f"FROM sites WHERE {' AND '.join(where)} ORDER BY site_id", params).df()


def site_turnouts(sites: pd.DataFrame, profile: SpeedProfile, *, hour: int | None = None) -> np.ndarray:
    """Turnout per site: its own figure where recorded, else the profile's for its duty system plus the
    station's fitted offset (``station_turnout_s``, where calibration found one).

    Parameters
    ----------
    sites
        Sites with their duty system and recorded turnout.
    profile
        Speed profile (turnout by duty system and hour).
    hour
        Hour of day, where the profile's turnout varies by hour (None: its all-day figure).
    """
    offset = profile.station_turnout_s or {}
    ids = sites["site_id"] if "site_id" in sites.columns else pd.Series([None] * len(sites), index=sites.index)
    return np.array([t if pd.notna(t) else turnout_s(d if pd.notna(d) else None, profile, hour=hour)
                     + offset.get(str(i), 0.0)
                     for t, d, i in zip(sites["turnout_s"], sites["duty_system"], ids)], dtype=float)


AGE_COLUMNS = {"all": "pop_total", "0-15": "pop_0_15", "16-29": "pop_16_29", "30-44": "pop_30_44",
               "45-64": "pop_45_64", "65+": "pop_65_plus"}


def read_population(con: Connection, *, age_band: str = "all") -> pd.DataFrame:
    """Population demand points: zone, area, easting, northing, weight.

    Parameters
    ----------
    con
        An open warehouse connection.
    age_band
        The age band weighting each zone (``all``: everyone).
    """
    if age_band not in AGE_COLUMNS:
        raise WarehouseError(f"unknown age band {age_band!r}; use one of {list(AGE_COLUMNS)}")
    col = AGE_COLUMNS[age_band]
    return con.execute(f"SELECT zone_code AS zone, coalesce(la_name, la_code, '') AS area, easting, northing, "
                       f"{col} AS weight FROM population WHERE {col} IS NOT NULL ORDER BY zone_code").df()


def read_population_by_age(con: Connection) -> pd.DataFrame:
    """Population zones with one column per age band (named as in ``AGE_COLUMNS``, e.g. ``65+``).

    Parameters
    ----------
    con
        An open warehouse connection.
    """
    bands = ", ".join(f'{col} AS "{band}"' for band, col in AGE_COLUMNS.items() if band != "all")
    return con.execute(f"SELECT zone_code AS zone, coalesce(la_name, la_code, '') AS area, easting, northing, "
                       f"lon, lat, pop_total, {bands} FROM population ORDER BY zone_code").df()


def read_incident_times(con: Connection, *, service: str, categories: Sequence[str] | None = None) -> pd.DataFrame:
    """Incidents of a service with their call time (for demand by time band).

    Parameters
    ----------
    con
        An open warehouse connection.
    service
        The service whose incidents are read (those with a call time).
    categories
        Only these categories (None: every category).
    """
    where, params = ["service = ?", "call_time IS NOT NULL"], [service]
    if categories:
        where.append(f"category IN ({', '.join('?' for _ in categories)})")
        params += list(categories)
    return con.execute(f"SELECT incident_id, easting, northing, call_time, category, priority FROM incidents "
                       f"WHERE {' AND '.join(where)} ORDER BY call_time", params).df()


def read_incident_demand(con: Connection, *, service: str | None = None, categories: Sequence[str] | None = None,
                         hours: Iterable[int] | None = None) -> pd.DataFrame:
    """Incident demand points (weight 1 each), filtered by service, category and hour of day.

    Parameters
    ----------
    con
        An open warehouse connection.
    service
        Only this service's incidents (None: every service).
    categories
        Only these categories (None: every category).
    hours
        First and last hour of day, both included (None: every hour).
    """
    where, params = ["TRUE"], list[object]()
    if service:
        where.append("service = ?")
        params.append(service)
    if categories:
        where.append(f"category IN ({', '.join('?' for _ in categories)})")
        params += list(categories)
    if hours is not None:
        chosen = list(hours)
        where.append(f"hour_of_day IN ({', '.join('?' for _ in chosen)})")
        params += chosen
    return con.execute(f"SELECT incident_id AS zone, coalesce(area_name, '') AS area, easting, northing, 1.0 AS weight,"
                       f" category, hour_of_day, first_arrival_s, first_site_id FROM incidents "
                       f"WHERE {' AND '.join(where)} ORDER BY incident_id", params).df()


def read_estates(con: Connection) -> pd.DataFrame:
    """Estates figures of every site (for scenario finance).

    Parameters
    ----------
    con
        An open warehouse connection.
    """
    return con.execute("SELECT site_id, name, service, running_cost_gbp_pa, disposal_value_gbp, "
                       "backlog_maintenance_gbp, floor_area_m2, bays FROM sites").df()


def read_targets(con: Connection, *, service: str, categories: Sequence[str] | None = None) -> pd.DataFrame:
    """Published response targets of a service (optionally of some categories).

    Parameters
    ----------
    con
        An open warehouse connection.
    service
        The service whose targets are read.
    categories
        Only these categories (None: every category).
    """
    where, params = ["service = ?"], [service]
    if categories:
        where.append(f"category IN ({', '.join('?' for _ in categories)})")
        params += list(categories)
    return con.execute(f"SELECT target_id, category, statistic, threshold_s, goal, description, source FROM targets "
                       f"WHERE {' AND '.join(where)} ORDER BY target_id", params).df()


def warehouse_profile(con: Connection) -> str | None:
    """The speed profile a region load chose for this warehouse (``bluelight etl region``), if any.

    Parameters
    ----------
    con
        An open warehouse connection.
    """
    try:
        row = con.execute("SELECT value FROM meta WHERE key = 'speed_profile'").fetchone()
    except duckdb.Error:          # a warehouse older than its meta table: no recorded choice
        return None
    return row[0] if row else None


def session_profile(con: Connection, requested: str | None) -> SpeedProfile:
    """The profile a session uses: the one asked for, else the warehouse's recorded choice, else the latest.

    Parameters
    ----------
    con
        An open warehouse connection.
    requested
        The profile asked for (None: the warehouse's own).
    """
    from bluelight.analysis.speeds import load_profile

    return load_profile(requested or warehouse_profile(con))


def fill_age_bands(zones: pd.DataFrame) -> tuple[pd.DataFrame, str | None]:
    """Zones whose age bands are missing get their total split by the configured age structure.

    Returns the zones and a note saying how many were filled (None if none was).

    Parameters
    ----------
    zones
        Population zones, some perhaps without age bands.
    """
    from bluelight.foundation.config_files import load_config

    bands = [b for b in AGE_COLUMNS if b != "all"]
    empty = zones[bands].isna().all(axis=1) & zones["pop_total"].notna()
    if not empty.any():
        return zones, None
    doc, source = load_config("population.yaml")
    shares = doc["age_shares_when_missing"]
    out = zones.copy()
    for b in bands:
        out.loc[empty, b] = out.loc[empty, "pop_total"] * float(shares[b])
    return out, (f"{int(empty.sum())} of {len(zones)} zones have totals but no age bands: their totals are split "
                 f"by the age structure in {Path(source).name} ({doc['sources']['age_shares_when_missing']})")


def read_nearest(con: Connection, service: str, *, fingerprint: str, cutoff_s: float, k: int, site_ids: list[str],
                 n_nodes: int) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The stored K-fastest-site lists of ``service`` (see :mod:`bluelight.etl.derived`), as
    :func:`~bluelight.analysis.nearest_sites.nearest_sites` returns them for ``k``, or None when they were
    not derived for these drive times, turnouts and cutoff (``fingerprint``), these sites and this network, or
    something was loaded since.

    Parameters
    ----------
    con
        An open warehouse connection.
    service
        The service whose lists were stored.
    fingerprint
        The hash of the network, sites and turnouts the lists must have been made from.
    cutoff_s
        The search limit they must have.
    k
        Sites per node they must hold.
    site_ids
        The sites, in row order, they must index.
    n_nodes
        The network's node count.
    """
    from bluelight.etl.derived import derived_name, last_load_run

    try:
        row = con.execute("SELECT inputs_run, fingerprint, cutoff_s, k, n_nodes FROM derived_runs WHERE name = ?",
                          [derived_name(service)]).fetchone()
    except duckdb.CatalogException:          # a warehouse built before lists were stored: search instead
        return None
    if (row is None or row[0] != last_load_run(con) or row[1] != fingerprint or row[2] != float(cutoff_s)
            or row[3] < k or row[4] != n_nodes):
        return None
    stored = con.execute("SELECT site_id FROM nearest_site_order WHERE service = ? ORDER BY site_idx",
                         [service]).fetchnumpy()["site_id"]
    if list(stored) != list(site_ids):
        return None
    got = con.execute("SELECT node_idx, rank, site_idx, time_s FROM nearest_sites WHERE service = ? AND rank <= ?",
                      [service, min(k, row[3] - 1)]).fetchnumpy()
    node, rank = np.asarray(got["node_idx"], np.int64), np.asarray(got["rank"], np.int64)
    site = np.full((n_nodes, k + 1), -1, dtype=np.int32)
    time_s = np.full((n_nodes, k + 1), np.inf)
    site[node, rank], time_s[node, rank] = got["site_idx"], got["time_s"]
    more = np.zeros(n_nodes, dtype=bool)
    more[np.asarray(con.execute("SELECT node_idx FROM nearest_more WHERE service = ?",
                                [service]).fetchnumpy()["node_idx"], np.int64)] = True
    more |= site[:, k] >= 0                 # a longer list cut to k: further sites reach these nodes
    return site[:, :k], time_s[:, :k], more


def read_snapped(con: Connection, name: str, *, points_hash: str, n_points: int, n_edges: int,
                 max_snap_m: float) -> SegmentPositions | None:
    """The stored road positions of the point set ``name`` (see :mod:`bluelight.etl.derived`), or None when they
    were not stored for these points (``points_hash``), these roads and this snap distance, or something was
    loaded since.

    Parameters
    ----------
    con
        An open warehouse connection.
    name
        The stored point set (:func:`bluelight.etl.derived.snapped_set`).
    points_hash
        The hash of the points' coordinates they must have.
    n_points
        How many points.
    n_edges
        The road network's edge count.
    max_snap_m
        The snap distance they must have been placed with.
    """
    from bluelight.etl.derived import last_load_run

    try:
        row = con.execute("SELECT inputs_run, points_hash, n_points, n_edges, max_snap_m FROM snapped_sets "
                          "WHERE name = ?", [name]).fetchone()
    except duckdb.CatalogException:          # a warehouse built before positions were stored: snap instead
        return None
    if row is None or tuple(row) != (last_load_run(con), points_hash, n_points, n_edges, float(max_snap_m)):
        return None
    got = con.execute("SELECT point_idx, edge_idx, fraction, distance_m FROM snapped_points WHERE name = ? "
                      "ORDER BY point_idx", [name]).fetchnumpy()
    return SegmentPositions(np.asarray(got["point_idx"], np.int64), np.asarray(got["edge_idx"], np.int64),
                            np.asarray(got["fraction"], float), np.asarray(got["distance_m"], float))
