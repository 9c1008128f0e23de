"""Derive, once when the warehouse is loaded, where every demand point and station lies on the roads and each
road node's K fastest sites of every service.

Snapping a county's demand (hundreds of thousands of points) to its road segments takes seconds, and the
answer is geometry only, the same under every speed profile and traffic period: the loads store each point set's
positions (:func:`derive_snapped`), and a session reads them while the points and roads are the same.

Every coverage page starts from each demand point's K fastest sites. On a county of a million road nodes that
is a search of tens of seconds per service (:func:`~bluelight.analysis.nearest_sites.nearest_sites`), so the
loads that build a warehouse (``etl demo``, ``etl region``, and ``etl derive`` after any other load) compute
the lists under the warehouse's speed profile and store them; a session reads them back instead of searching
(:meth:`~bluelight.services.session.Session.nearest`) for as long as nothing is loaded after them and the drive
times, turnouts and cutoff are the same. Other profiles, traffic periods and dated estates are searched as before.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import partial
from typing import Any

import duckdb
import pandas as pd

from bluelight.analysis.coverage import DEFAULT_K
from bluelight.analysis.nearest_sites import fingerprint, nearest_sites
from bluelight.analysis.snapping import points_hash
from bluelight.analysis.summary import busy_candidates
from bluelight.etl.derived import last_load_run, snapped_set, write_nearest, write_snapped
from bluelight.foundation.vocab import EMERGENCY_SERVICES
from bluelight.services.executive import busy_fractions
from bluelight.services.inputs import read_incident_demand, read_population, read_sites, session_profile
from bluelight.services.session import Session, frame_links

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NearestDerived:
    """One service's stored lists: how many sites, how long each list is, rows written and seconds taken."""

    service: str
    sites: int
    k: int
    rows: int
    seconds: float
    status: str                     # derived | no sites on the roads

    def as_dict(self) -> dict[str, object]:
        return {"dataset": f"nearest sites: {self.service}", **asdict(self)}


@dataclass(frozen=True)
class SnappedDerived:
    """One point set's stored road positions: how many points, how many on the roads, and seconds taken."""

    name: str
    points: int
    on_roads: int
    seconds: float

    def as_dict(self) -> dict[str, object]:
        return {"dataset": f"road positions: {self.name}", **asdict(self)}


def derive_snapped(con: duckdb.DuckDBPyConnection, *,
                   services: tuple[str, ...] = EMERGENCY_SERVICES) -> list[SnappedDerived]:
    """Compute and store where the population, each service's incidents and its stations lie on the roads (at
    the session's snap distance; one transaction per set). Sets with no points are left out.

    Parameters
    ----------
    con
        A writable warehouse connection holding roads.
    services
        The services whose incidents and stations are placed.

    Returns
    -------
    list of SnappedDerived
        One per set stored.
    """
    session = Session.over(con, session_profile(con, None))
    inputs_run = last_load_run(con)
    sets: list[tuple[str, Callable[[Any], pd.DataFrame]]] = [
        (snapped_set("population"), lambda cur: read_population(cur, age_band="all"))]
    for service in services:
        sets += [(snapped_set("incidents", service), partial(_incidents, service=service)),
                 (snapped_set("sites", service), partial(_sites, service=service))]
    out = []
    for name, read in sets:
        frame = session.read(read)
        if frame.empty:
            continue
        started = time.perf_counter()
        where = session.positions(frame)
        seconds = time.perf_counter() - started
        x, y = frame["easting"].to_numpy(float), frame["northing"].to_numpy(float)
        write_snapped(con, name, where, n_points=len(frame), points_hash=points_hash(x, y),
                      n_edges=len(session.network.edge_u), max_snap_m=session.max_snap_m, inputs_run=inputs_run,
                      seconds=seconds)
        log.info("%s: %d of %d points placed on the roads (%.1f s)", name, len(where.point), len(frame), seconds)
        out.append(SnappedDerived(name, len(frame), len(where.point), seconds))
    return out


def _incidents(cur: Any, *, service: str) -> pd.DataFrame:
    return read_incident_demand(cur, service=service)


def _sites(cur: Any, *, service: str) -> pd.DataFrame:
    return read_sites(cur, services=[service])


def stored_k(service: str) -> int:
    """How many sites each node keeps for ``service``: the coverage model's K, or more where the Overview
    judges the service with busy vehicles (enough that every one being busy is rare).

    Parameters
    ----------
    service
        The service.
    """
    busy, _ = busy_fractions()
    return max(DEFAULT_K, busy_candidates(busy[service])) if service in busy else DEFAULT_K


def derive_nearest(con: duckdb.DuckDBPyConnection, *,
                   services: tuple[str, ...] = EMERGENCY_SERVICES) -> list[NearestDerived]:
    """Compute and store every road node's K fastest sites of each service (one transaction per service).

    Parameters
    ----------
    con
        A writable warehouse connection holding roads and sites.
    services
        The services to derive (those without sites on the roads are reported and skipped).

    Returns
    -------
    list of NearestDerived
        One per service, in ``services`` order.
    """
    session = Session.over(con, session_profile(con, None))
    inputs_run = last_load_run(con)
    out = []
    for service in services:
        placed = session.sites(service)
        on = placed[placed["node"] >= 0]
        if on.empty:
            out.append(NearestDerived(service, 0, 0, 0, 0.0, "no sites on the roads"))
            continue
        k = stored_k(service)
        links, turnout = frame_links(on), on["turnout"].to_numpy(float)
        started = time.perf_counter()
        site, time_s, more = nearest_sites(session.network, links, turnout, k=k, cutoff_s=session.cutoff_s)
        seconds = time.perf_counter() - started
        rows = write_nearest(con, service, site=site, time_s=time_s, more=more, site_ids=on["site_id"].tolist(),
                             inputs_run=inputs_run,
                             fingerprint=fingerprint(session.network, links, turnout, session.cutoff_s),
                             cutoff_s=session.cutoff_s, seconds=seconds)
        log.info("%s: each of %d road nodes' %d fastest of %d sites stored (%.1f s)", service,
                 session.network.n_nodes, k, len(on), seconds)
        out.append(NearestDerived(service, len(on), k, rows, seconds, "derived"))
    return out
