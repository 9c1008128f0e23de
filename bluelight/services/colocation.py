"""Co-location candidates: ``bluelight colocation candidates`` and the Co-location page.

Every cross-service pair of sites within a drive time, ranked by what moving
one into the other does to the moving service's cover (see
:func:`bluelight.analysis.colocation.candidates`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bluelight.analysis.colocation import ServiceCover, SpaceRules, candidates
from bluelight.analysis.coverage import build_coverage_model
from bluelight.errors import ConfigError
from bluelight.services.inputs import read_estates, read_sites, site_turnouts
from bluelight.services.requests import Field, Request
from bluelight.analysis.traveltime import point_times
from bluelight.services.session import DemandSpec, Session, frame_links
from bluelight.config import config_file, read_yaml
from bluelight.standards import DEFAULT_STANDARD
from bluelight.vocab import EMERGENCY_SERVICES

SPACE_RULES = "colocation.yaml"


def load_space_rules(path: str | Path | None = None) -> tuple[SpaceRules, dict]:
    """Space a moving service needs from its host, and the sources of those figures."""
    path = path or config_file(SPACE_RULES)
    doc = read_yaml(path, what="co-location space rules")
    try:
        rules = SpaceRules({k: float(v) for k, v in doc["space_needed_m2"].items()},
                           {k: int(v) for k, v in doc["bays_needed"].items()}, float(doc["host_share_of_floor_area"]))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ConfigError(f"{path}: cannot read the co-location space rules: {exc!r}") from exc
    return rules, doc.get("sources", {})


@dataclass(frozen=True)
class CandidatesRequest(Request):
    """Which pairs to consider: sites of these services within this drive of each other."""

    max_travel_s: float = 300.0
    services: tuple[str, ...] = EMERGENCY_SERVICES
    limit: int | None = None

    FIELDS = (
        Field("max_travel_s", "Within (drive)", float, 300.0, 30.0, 1800.0, unit="s",
              help="Longest drive from a site to its host."),
        Field("services", "Services", list, EMERGENCY_SERVICES, choices=EMERGENCY_SERVICES, min_items=2,
              help="Services whose sites may move or host (comma-separated)."),
        Field("limit", "Show only the best", int, None, 1, 10_000, optional=True, help="Show only the best N."),
    )


def run_candidates(session: Session, request: CandidatesRequest = CandidatesRequest()) -> dict:
    """Every cross-service pair within the drive, ranked by what the move does to cover and cost."""
    return session.cached(("colocation", request), lambda: _candidates(session, request))


def _candidates(session: Session, request: CandidatesRequest) -> dict:
    max_travel_s, services, limit, profile = request.max_travel_s, request.services, request.limit, session.profile
    if max_travel_s > session.cutoff_s:
        raise ConfigError(f"max_travel_s {max_travel_s:g} is beyond the session's search cutoff {session.cutoff_s:g} s")
    sites = session.read(lambda cur: read_sites(cur, services=list(services)))
    sites = sites.merge(session.read(read_estates)[["site_id", "running_cost_gbp_pa", "disposal_value_gbp", "bays",
                                                    "floor_area_m2"]], on="site_id", how="left")
    placed = session.place_sites(sites.reset_index(drop=True))
    sites = placed[placed["node"] >= 0].reset_index(drop=True)
    sites["turnout_s"] = site_turnouts(sites, profile)
    times = session.site_times(sites)
    between = point_times(times, frame_links(session.with_links(sites)))    # drive from each site to each other
    pop = session.demand(DemandSpec())
    targets = session.read(lambda cur: cur.execute("SELECT target_id, statistic, goal FROM targets").df()
                           ).set_index("target_id")
    covers = {}
    for service in services:
        own = sites.index[sites["service"] == service]
        if len(own) == 0:
            continue
        threshold, target_id = DEFAULT_STANDARD[service]
        statistic = targets.at[target_id, "statistic"] if target_id in targets.index else "mean"
        goal = targets.at[target_id, "goal"] if target_id in targets.index else None
        model = build_coverage_model(session.site_times(sites.loc[own]),
                                     sites.loc[own, "turnout_s"].to_numpy(), pop["node"].to_numpy(),
                                     links=frame_links(pop))
        covers[service] = ServiceCover(model, sites.loc[own, "site_id"].tolist(), pop["weight"].to_numpy(), threshold,
                                       "mean" if statistic == "mean" else "share",
                                       None if goal is None or not np.isfinite(goal) else float(goal))
    space, space_sources = load_space_rules()
    ranked = candidates(sites, times, covers, max_travel_s=max_travel_s, variability=session.variability, space=space,
                        between_s=between)
    total = len(ranked)
    if limit:
        ranked = ranked.head(limit)
    return {"profile": profile.key, "max_travel_s": max_travel_s, "sites_on_network": len(sites),
            "pairs": total, "standards": {s: DEFAULT_STANDARD[s][1] for s in covers},
            "space_rules": space.__dict__ | {"sources": space_sources},
            "caveat": "Cover is assessed on the population within the road data; a station near its edge that moves "
                      "inwards can appear to gain cover because stations outside the road data cannot be routed.",
            "candidates": ranked.to_dict("records")}
