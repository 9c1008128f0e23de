"""Shared facility siting: ``bluelight colocation facility`` and the Hubs page.

Where a shared HQ, workshop or training centre should be for the sites whose
staff or vehicles travel to it: least total trip time, least worst trip, or
least generalised cost.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bluelight.analysis.facility_siting import rank_single, site_facilities
from bluelight.analysis.traveltime import point_times
from bluelight.foundation.errors import AnalysisError, ValidationError
from bluelight.foundation.geo import to_wgs84
from bluelight.foundation.vocab import EMERGENCY_SERVICES
from bluelight.services.inputs import read_estates, read_sites
from bluelight.services.requests import Field, Request
from bluelight.services.results import Result
from bluelight.services.session import Session, frame_links


def _numbers(frame: pd.DataFrame, col: str, path: Path, *, blank_allowed: bool) -> np.ndarray:
    """A column as numbers, the first row that is not one named (a blank too, unless ``blank_allowed``)."""
    raw = frame[col]
    blank = raw.isna() | raw.astype(str).str.strip().eq("")
    values = pd.to_numeric(raw.where(~blank), errors="coerce")
    bad = np.flatnonzero(values.isna() & (~blank | (not blank_allowed)))
    if len(bad):
        raise AnalysisError(f"{path}: row {bad[0] + 2}, field {col}: not a number ({raw.iloc[bad[0]]!r})")
    out: np.ndarray = values.to_numpy(float)
    return out


def candidate_points(path: Path) -> pd.DataFrame:
    """Candidate points from a CSV with name, easting, northing and optionally annual_cost_gbp.

    Parameters
    ----------
    path
        The CSV of candidate points.
    """
    from bluelight.etl.files import read_csv

    frame = read_csv(path)
    missing = {"name", "easting", "northing"} - set(frame.columns)
    if missing:
        raise AnalysisError(f"{path}: candidate points need the columns name, easting, northing "
                            f"(missing {sorted(missing)})")
    out = pd.DataFrame({"site_id": [f"point-{i + 1}" for i in range(len(frame))], "name": frame["name"],
                        "service": "candidate point"})
    for col in ("easting", "northing"):
        out[col] = _numbers(frame, col, path, blank_allowed=False)
    # a cost typed into the file is never dropped: a blank is "not known", anything else must be a number
    out["running_cost_gbp_pa"] = _numbers(frame, "annual_cost_gbp", path, blank_allowed=True) \
        if "annual_cost_gbp" in frame.columns else np.nan
    out["lon"], out["lat"] = to_wgs84(out["easting"], out["northing"])
    return out


#: longest trip searched to a shared facility (seconds)
FACILITY_CUTOFF_S = 5400.0


@dataclass(frozen=True)
class FacilityRequest(Request):
    """Who travels to the facility, where it may be, how many, and what is minimised."""

    users: tuple[str, ...] = ("fire",)
    candidates: tuple[str, ...] = EMERGENCY_SERVICES
    k: int = 1
    objective: str = "total"
    trips_per_year: float = 12.0
    value_of_time: float | None = None
    limit: int = 20
    #: trips a year of particular users (site id, trips), over ``trips_per_year`` (the page edits them per site)
    site_trips: tuple[tuple[str, float], ...] = ()

    FIELDS = (
        Field("users", "Users", list, ("fire",), choices=EMERGENCY_SERVICES, min_items=1,
              help="Services whose stations travel to the facility (comma-separated)."),
        Field("candidates", "Candidate hosts", list, EMERGENCY_SERVICES, choices=EMERGENCY_SERVICES, min_items=1,
              help="Services whose sites may host it (comma-separated)."),
        Field("k", "Facilities", int, 1, 1, 20, help="Number of facilities."),
        Field("objective", "Objective", str, "total", choices=("total", "worst"),
              help="Least total trip time, or least worst trip."),
        Field("trips_per_year", "Trips a year per user", float, 12.0, 0.01, 100_000.0),
        Field("value_of_time", "Value of time (£ an hour)", float, None, 0.0, 10_000.0, optional=True,
              help="£ per hour of trip time (generalised cost)."),
        Field("limit", "Ranking rows", int, 20, 1, 10_000, help="Rows of the single-site ranking shown."),
    )


@dataclass(frozen=True)
class FacilityResult(Result):
    """Where k shared facilities should be, and the trips to them."""

    profile: str
    users: int
    user_services: list[str]
    users_off_network: int
    candidates: int
    candidates_off_network: int
    trips_per_user_per_year: float
    k: int
    objective: str
    plan: dict[str, Any]
    single_site_ranking: list[dict[str, Any]]
    user_sites: list[dict[str, Any]]
    chosen_points: list[dict[str, Any]]
    note: str


def run_facility(session: Session, request: FacilityRequest = FacilityRequest(), *,
                 points: Path | None = None) -> FacilityResult:
    """Rank single sites and choose k facilities for the users' trips; costs from the estates fields.

    The session's cutoff must reach the longest trip (:data:`FACILITY_CUTOFF_S`).

    Parameters
    ----------
    session
        The routing session over the warehouse (network, placed sites and demand, bounded caches).
    request
        Users, candidates, k and the costs' weights.
    points
        A CSV of extra candidate points (None: none).
    """
    users, candidates, k, objective = request.users, request.candidates, request.k, request.objective
    trips_per_year, value_of_time_gbp_per_hour, limit = request.trips_per_year, request.value_of_time, request.limit
    session = session.with_cutoff(FACILITY_CUTOFF_S)
    profile = session.profile
    user_sites = session.read(lambda cur: read_sites(cur, services=list(users)))
    if user_sites.empty:
        raise AnalysisError(f"no open {', '.join(users)} sites to serve")
    cands = session.read(lambda cur: read_sites(cur, services=list(candidates),
                                                statuses=("open", "candidate", "planned"), kinds=None))
    cands = cands.merge(session.read(read_estates)[["site_id", "running_cost_gbp_pa"]], on="site_id", how="left")
    if points is not None:
        cands = pd.concat([cands, candidate_points(points)], ignore_index=True)
    users_at = session.place_sites(user_sites.reset_index(drop=True))
    cands_at = session.with_links(cands.reset_index(drop=True))
    us_on, cs_on = users_at["node"].to_numpy() >= 0, cands_at["node"].to_numpy() >= 0
    user_sites, cands = users_at[us_on].reset_index(drop=True), cands_at[cs_on].reset_index(drop=True)
    if cands.empty:
        raise AnalysisError("no candidate is on the road network")
    times = point_times(session.site_times(user_sites), frame_links(cands))
    own = dict(request.site_trips)
    bad = [s for s, t in own.items() if not (isinstance(t, (int, float)) and t >= 0)]
    if bad:
        raise ValidationError("site_trips", f"Trips a year must be numbers of 0 or more (sites {bad})")
    trips = np.array([float(own.get(s, trips_per_year)) for s in user_sites["site_id"]])
    cost = cands["running_cost_gbp_pa"].to_numpy(float)
    ranked = rank_single(times, trips, annual_cost_gbp=cost, value_of_time_gbp_per_hour=value_of_time_gbp_per_hour)
    ranked = ranked.assign(site_id=cands["site_id"].to_numpy()[ranked["candidate"]],
                           name=cands["name"].to_numpy()[ranked["candidate"]],
                           service=cands["service"].to_numpy()[ranked["candidate"]])
    plan = site_facilities(times, trips, k, objective=objective, annual_cost_gbp=cost)
    chosen = cands.iloc[plan.chosen]
    return FacilityResult.of({"profile": profile.key, "users": len(user_sites), "user_services": list(users),
            "users_off_network": int((~us_on).sum()), "candidates": len(cands),
            "candidates_off_network": int((~cs_on).sum()), "trips_per_user_per_year": trips_per_year,
            "k": k, "objective": objective,
            "plan": plan.as_dict() | {"chosen": chosen["site_id"].tolist(), "chosen_names": chosen["name"].tolist(),
                                      "assignment": cands["site_id"].to_numpy()[plan.assignment].tolist(),
                                      "cost_missing_for": chosen.loc[chosen["running_cost_gbp_pa"].isna(),
                                                                     "site_id"].tolist()},
            "single_site_ranking": ranked.head(limit).replace({np.inf: None}).astype(object)
            .where(ranked.head(limit).notna(), None).to_dict("records"),
            "user_sites": [{"site_id": u.site_id, "name": u.name, "service": u.service, "lon": float(u.lon),
                            "lat": float(u.lat), "trips_per_year": float(t), "facility": f}
                           for u, t, f in zip(user_sites.itertuples(index=False), trips,
                                              cands["site_id"].to_numpy()[plan.assignment])],
            "chosen_points": [{"site_id": c.site_id, "name": c.name, "lon": float(c.lon), "lat": float(c.lat)}
                              for c in chosen.itertuples(index=False)],
            "note": "Trip times are drive times on the road network (both ways for trip hours); users and "
                    "candidates outside the road data are left out and counted."})
