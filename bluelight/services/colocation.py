"""Co-location candidates: ``bluelight colocation candidates`` and the Co-location page.

Every cross-service pair of sites within a drive time, ranked by what moving
one into the other does to the moving service's cover (see
:func:`bluelight.analysis.colocation.candidates`). The cover of every pair is
computed once per drive time and cached; the estates figures a user enters
(running costs, bays, floor areas) re-rank the pairs without recomputing it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bluelight.analysis.colocation import EdgeCheck, ServiceCover, SpaceRules, appraise, pair_cover
from bluelight.analysis.coverage import build_coverage_model
from bluelight.analysis.traveltime import point_times
from bluelight.foundation.config_files import config_file, read_yaml
from bluelight.foundation.errors import ConfigError, ValidationError
from bluelight.foundation.standards import DEFAULT_STANDARD
from bluelight.foundation.vocab import EMERGENCY_SERVICES
from bluelight.services.inputs import read_estates, read_sites, site_turnouts
from bluelight.services.requests import TRAFFIC_PERIOD_FIELD, Field, Request
from bluelight.services.results import Result
from bluelight.services.session import DemandSpec, Session, frame_links

SPACE_RULES = "colocation.yaml"


def load_space_rules(path: str | Path | None = None) -> tuple[SpaceRules, dict[str, Any]]:
    """Space a moving service needs from its host, and the sources of those figures.

    Parameters
    ----------
    path
        The rules file (default: the user's or the shipped ``colocation.yaml``).
    """
    path = path or config_file(SPACE_RULES)
    doc = read_yaml(path, what="co-location space rules")
    try:
        rules = SpaceRules({k: float(v) for k, v in doc["space_needed_m2"].items()},
                           {k: int(v) for k, v in doc["bays_needed"].items()}, float(doc["host_share_of_floor_area"]))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ConfigError(f"{path}: cannot read the co-location space rules: {exc!r}") from exc
    return rules, doc.get("sources", {})


def load_edge_share(path: str | Path | None = None) -> float:
    """Most of a crew's reach that may lie beyond the road data for a move's cover to count as judged.

    Parameters
    ----------
    path
        The rules file (default: the user's or the shipped ``colocation.yaml``).
    """
    path = path or config_file(SPACE_RULES)
    value = read_yaml(path, what="co-location space rules").get("max_unseen_demand_share")
    try:
        share = float(value) if value is not None else float("nan")
    except (TypeError, ValueError):
        share = float("nan")
    if not 0 <= share <= 1:
        raise ConfigError(f"{path}: max_unseen_demand_share must be a share from 0 to 1, got {value!r}")
    return share


ESTATES_FIELDS = ("running_cost_gbp_pa", "bays", "floor_area_m2")


@dataclass(frozen=True)
class CandidatesRequest(Request):
    """Which pairs to consider (sites of these services within this drive of each other) and the estates
    figures entered by the user, by site, over those recorded in the warehouse."""

    max_travel_s: float = 300.0
    services: tuple[str, ...] = EMERGENCY_SERVICES
    limit: int | None = None
    running_cost_gbp_pa: tuple[tuple[str, float], ...] = ()
    bays: tuple[tuple[str, int], ...] = ()
    floor_area_m2: tuple[tuple[str, float], ...] = ()
    traffic_period: str = "all"

    FIELDS = (
        Field("max_travel_s", "Within (drive)", float, 300.0, 30.0, 1800.0, unit="s",
              help="Longest drive from a site to its host."),
        Field("services", "Services", list, EMERGENCY_SERVICES, choices=EMERGENCY_SERVICES, min_items=2,
              help="Services whose sites may move or host (comma-separated)."),
        Field("limit", "Show only the best", int, None, 1, 10_000, optional=True, help="Show only the best N."),
        Field("running_cost_gbp_pa", "Running cost (£ a year)", dict, (), 0, 1e9, flag="--running-cost",
              help="A site's running cost, released if it moves out: SITE_ID=GBP."),
        Field("bays", "Vehicle bays", dict, (), 0, 100, value_kind=int,
              help="A host's vehicle bays: SITE_ID=N."),
        Field("floor_area_m2", "Floor area (m²)", dict, (), 0, 1e6, help="A host's floor area: SITE_ID=M2."),
        TRAFFIC_PERIOD_FIELD,
    )


@dataclass(frozen=True)
class CandidatesResult(Result):
    """Every cross-service co-location pair within the travel time, ranked."""

    profile: str
    max_travel_s: float
    sites_on_network: int
    pairs: int
    pairs_judged: int
    standards: dict[str, Any]
    space_rules: dict[str, Any]
    max_unseen_demand_share: float
    entered: dict[str, Any]
    caveat: str
    candidates: list[dict[str, Any]]


def run_candidates(session: Session, request: CandidatesRequest = CandidatesRequest()) -> CandidatesResult:
    """Every cross-service pair within the drive, ranked by what the move does to cover and cost (times of the
    request's traffic period).

    Parameters
    ----------
    session
        The routing session over the warehouse (network, placed sites and demand, bounded caches).
    request
        Which moves to consider, against which standard and costs.
    """
    session = session.for_period(request.traffic_period)
    cover = session.cached(("colocation", request.max_travel_s, request.services),
                           lambda: _pair_cover(session, request.max_travel_s, request.services))
    sites = _entered(cover["sites"], request)
    space, space_sources = load_space_rules()
    ranked = appraise(cover["pairs"], sites, space=space, max_unseen_share=cover["max_unseen_share"])
    total = len(ranked)
    judged = int(ranked["judged"].sum()) if total else 0
    if request.limit:
        ranked = ranked.head(request.limit)
    entered = {f: dict(getattr(request, f)) for f in ESTATES_FIELDS if getattr(request, f)}
    return CandidatesResult.of({"profile": session.profile.key, "max_travel_s": request.max_travel_s,
            "sites_on_network": len(sites), "pairs": total, "pairs_judged": judged,
            "standards": cover["standards"],
            "space_rules": space.__dict__ | {"sources": space_sources},
            "max_unseen_demand_share": cover["max_unseen_share"], "entered": entered,
            "caveat": f"Cover is assessed on the population within the road data. A move is judged only where at "
                      f"most {cover['max_unseen_share']:.0%} of the population within the moving crew's reach (from "
                      "its own site and from the host) lies beyond the road data; the others are ranked after every "
                      "judged move, because a station near the edge that moves inwards appears to gain cover.",
            "candidates": ranked.astype(object).where(ranked.notna(), None).to_dict("records")})


def _entered(sites: pd.DataFrame, request: CandidatesRequest) -> pd.DataFrame:
    """The sites' estates figures with the user's entries over the recorded ones (every site id checked)."""
    out = sites.copy()
    for name in ESTATES_FIELDS:
        values = dict(getattr(request, name))
        unknown = sorted(set(values) - set(out["site_id"]))
        if unknown:
            label = CandidatesRequest.field(name).label
            raise ValidationError(name, f"{label}: no site {', '.join(unknown)} on the road network")
        if values:
            out[name] = out[name].astype(float)
            out.loc[out["site_id"].isin(list(values)), name] = out["site_id"].map(values)
    return out


def _pair_cover(session: Session, max_travel_s: float, services: tuple[str, ...]) -> dict[str, Any]:
    profile = session.profile
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
    net = session.network
    edge = EdgeCheck(net.x_m, net.y_m, pop["easting"].to_numpy(float), pop["northing"].to_numpy(float),
                     pop["weight"].to_numpy(float), pop["node"].to_numpy() >= 0, load_edge_share())
    pairs = pair_cover(sites, times, covers, max_travel_s=max_travel_s, variability=session.variability,
                       between_s=between, edge=edge)
    return {"sites": sites, "pairs": pairs, "max_unseen_share": edge.max_unseen_share,
            "standards": {s: DEFAULT_STANDARD[s][1] for s in covers}}
