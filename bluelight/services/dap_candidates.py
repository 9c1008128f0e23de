"""Where a DAP may be: open stations of the chosen services, hospital sites, standby points on the road
network and points from a file, beside the ambulance stations that are always there."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from bluelight.analysis.dap import standby_points
from bluelight.foundation.errors import AnalysisError
from bluelight.foundation.geo import to_wgs84
from bluelight.foundation.vocab import EMERGENCY_SERVICES
from bluelight.services.facility import candidate_points
from bluelight.services.inputs import Connection, read_sites
from bluelight.services.session import DemandSpec, Session

#: where a post may be: stations of a service, hospital sites, standby points on the road network
CANDIDATE_SOURCES = ("fire", "police", "ambulance", "hospital", "road")


def read_dap_sites(con: Connection, candidates: Sequence[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Candidate posts from sites (open stations of the given services, hospital sites) and the existing
    ambulance stations. Standby points on the road (``road``) are added by the session (:func:`standby_sites`).

    Parameters
    ----------
    con
        An open warehouse connection.
    candidates
        Candidate sources: service names, ``hospital``, ``road``.
    """
    bad = set(candidates) - set(CANDIDATE_SOURCES)
    if bad:
        raise AnalysisError(f"unknown candidate sources {sorted(bad)}: use {', '.join(CANDIDATE_SOURCES)}")
    services = [c for c in candidates if c in EMERGENCY_SERVICES]
    parts = [read_sites(con, services=services)] if services else []
    if "hospital" in candidates:
        parts.append(read_sites(con, services=["other"], kinds=("hospital",)))
    cands = pd.concat(parts, ignore_index=True) if parts else read_sites(con, services=["__none__"])
    fixed = read_sites(con, services=["ambulance"])
    return cands, fixed


def standby_sites(session: Session, *, spacing_m: float, max_points: int) -> pd.DataFrame:
    """Standby points on the road network as candidate sites (:func:`bluelight.analysis.dap.standby_points`),
    named after a street that meets there.

    Parameters
    ----------
    session
        The routing session over the warehouse (network, placed sites and demand, bounded caches).
    spacing_m
        Least distance between two standby points.
    max_points
        Most standby points.
    """
    net = session.network
    pop = session.demand(DemandSpec())
    idx = standby_points(net.x_m, net.y_m, net.edge_u, net.edge_v, pop["easting"], pop["northing"], pop["weight"],
                         spacing_m=spacing_m, max_points=max_points)
    names = session.read(lambda cur: cur.execute(
        "SELECT u, any_value(name) FROM road_edges WHERE name IS NOT NULL AND name <> '' GROUP BY u").fetchall())
    street = dict(names)
    node_ids = net.node_ids[idx]
    frame = pd.DataFrame({"site_id": [f"ROAD-{int(n)}" for n in node_ids],
                          "name": [f"standby point, {street.get(int(n)) or 'junction'} ({int(x)} {int(y)})"
                                   for n, x, y in zip(node_ids, net.x_m[idx], net.y_m[idx])],
                          "service": "road", "kind": "standby point", "status": "open", "duty_system": None,
                          "turnout_s": np.nan, "hours_current": None, "easting": net.x_m[idx],
                          "northing": net.y_m[idx]})
    frame["lon"], frame["lat"] = to_wgs84(frame["easting"], frame["northing"])
    return frame


def candidate_posts(session: Session, candidates: Sequence[str], points: Path | None, *, spacing_m: float,
                    max_points: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Candidate posts of the given sources (with points from a CSV), and the existing ambulance stations.

    Parameters
    ----------
    session
        The routing session over the warehouse (network, placed sites and demand, bounded caches).
    candidates
        Candidate sources: service names, ``hospital``, ``road``.
    points
        A CSV of extra candidate points (None: none).
    spacing_m, max_points
        Spacing and most number of standby points on the road (``road``).
    """
    cands, fixed = session.read(lambda cur: read_dap_sites(cur, candidates))
    if "road" in candidates:
        road = session.cached(("standby_sites", spacing_m, max_points),
                              lambda: standby_sites(session, spacing_m=spacing_m, max_points=max_points))
        cands = pd.concat([cands, road], ignore_index=True)
    if points is not None:
        cands = pd.concat([cands, candidate_points(points).assign(hours_current=None)], ignore_index=True)
        cands[["lon", "lat"]] = np.column_stack(to_wgs84(cands["easting"], cands["northing"]))
    if cands.empty:
        raise AnalysisError(f"no candidate posts: no open {', '.join(candidates)} sites; add road (standby "
                            "points on the road network) to the candidates, or give points with --points")
    return cands, fixed
