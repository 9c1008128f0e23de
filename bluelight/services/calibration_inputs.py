"""Observations for calibration: an incident file matched to its deploying stations on the network."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bluelight.analysis.attendance import Observations
from bluelight.analysis.network import RoadNetwork
from bluelight.analysis.snapping import DEFAULT_MAX_SNAP_M, snap_points
from bluelight.etl.incidents import parse_incidents
from bluelight.foundation.errors import AnalysisError
from bluelight.services.inputs import Connection

log = logging.getLogger(__name__)


def call_times(inc: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hour, weekday (0 Monday) and ISO week (year x 100 + week) of each call; NaN / -1 where not recorded.

    Parameters
    ----------
    inc
        Incidents with their call date and time columns.
    """
    n = len(inc)
    when = pd.to_datetime(inc["call_time"], errors="coerce") if "call_time" in inc else pd.Series(pd.NaT, index=inc.index)
    hour = when.dt.hour.to_numpy(float)
    if "hour_of_day" in inc:
        hour = np.where(np.isfinite(hour), hour, pd.to_numeric(inc["hour_of_day"], errors="coerce").to_numpy(float))
    weekday = when.dt.day_of_week.to_numpy(float)
    iso = when.dt.isocalendar()
    week = np.where(when.notna(), iso["year"].fillna(0).astype(int) * 100 + iso["week"].fillna(0).astype(int), -1)
    return (hour if len(hour) == n else np.full(n, np.nan), weekday, np.asarray(week, dtype=int))


def observations_from_file(con: Connection, network: RoadNetwork, path: Path, *,
                           max_snap_m: float = DEFAULT_MAX_SNAP_M) -> tuple[Observations, dict[str, Any]]:
    """Incidents of ``path`` (LFB schema) inside the network, with their station, and counts of what was left out.

    Parameters
    ----------
    con
        An open warehouse connection.
    network
        The road network the incidents are placed on.
    path
        Incidents with recorded attendance times (LFB schema).
    max_snap_m
        Incidents or stations further than this from a road are left out.
    """
    parsed = parse_incidents(Path(path))
    inc = parsed.frame
    if "first_arrival_s" not in inc.columns or not inc["first_arrival_s"].notna().any():
        raise AnalysisError(f"{path}: not an incident file with attendance times (the LFB incident schema, or "
                            "a generic file with first_arrival_s and site_id, expected)")
    sites = con.execute("SELECT site_id, easting, northing FROM sites WHERE service = 'fire'").df()
    pos = {s: (e, n) for s, e, n in zip(sites["site_id"], sites["easting"], sites["northing"])}
    counts: dict[str, Any] = {"rows": int(parsed.rows_read), "rejected_rows": len(parsed.rejects)}
    has_time = inc["first_arrival_s"].notna() & (inc["first_arrival_s"] > 0)
    has_station = inc["first_site_id"].isin(pos.keys())
    counts["without_attendance_time"] = int((~has_time).sum())
    counts["station_unknown"] = int((has_time & ~has_station).sum())
    inc = inc[has_time & has_station]
    st_xy = np.array([pos[s] for s in inc["first_site_id"]], dtype=float).reshape(-1, 2)
    snap_inc = snap_points(network, inc["easting"].to_numpy(), inc["northing"].to_numpy(), max_snap_m=max_snap_m)
    snap_st = snap_points(network, st_xy[:, 0], st_xy[:, 1], max_snap_m=max_snap_m)
    inside = snap_inc.on_network & snap_st.on_network
    counts["incident_outside_network"] = int((~snap_inc.on_network).sum())
    counts["station_outside_network"] = int((snap_inc.on_network & ~snap_st.on_network).sum())
    counts["used"] = int(inside.sum())
    if not counts["used"]:
        left = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in counts.items() if k not in ("rows", "used") and v)
        raise AnalysisError(f"{path}: none of its {counts['rows']} incidents can be used ({left}): nothing to fit "
                            "or measure")
    straight = np.hypot(inc["easting"].to_numpy() - st_xy[:, 0], inc["northing"].to_numpy() - st_xy[:, 1])
    access = snap_inc.distance_m + snap_st.distance_m
    hour, weekday, week = call_times(inc)
    obs = Observations(snap_st.node[inside], snap_inc.node[inside], inc["first_arrival_s"].to_numpy(float)[inside],
                       straight[inside], access[inside], hour[inside], weekday[inside], week[inside],
                       inc["category"].astype(str).to_numpy(object)[inside] if "category" in inc else None,
                       inc["first_site_id"].astype(str).to_numpy(object)[inside])
    counts["with_call_time"] = int(np.isfinite(hour[inside]).sum())
    places = len({(round(e), round(n)) for e, n in zip(inc["easting"][inside], inc["northing"][inside])})
    counts["distinct_locations"] = places
    if counts["used"] and places < max(10, 0.2 * counts["used"]):
        counts["warning"] = (f"the {counts['used']} incidents used sit at only {places} distinct locations (one point "
                             "per area?): drive times to them are not the incidents' own, so the error measured "
                             "says little about the model")
        log.warning("%s: %s", path, counts["warning"])
    log.info("calibration observations: %s", counts)
    return obs, counts
