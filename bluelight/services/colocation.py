"""``bluelight colocation candidates``: ranked cross-service co-location options from the warehouse."""

from __future__ import annotations

import numpy as np

from pathlib import Path

import yaml

from bluelight.analysis.colocation import ServiceCover, SpaceRules, candidates
from bluelight.analysis.coverage import build_coverage_model
from bluelight.analysis.speeds import SpeedProfile
from bluelight.services.coverage import CoverageRunner
from bluelight.errors import ConfigError
from bluelight.services.inputs import read_estates, read_sites, site_turnouts
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


def run_candidates(con, profile: SpeedProfile, *, max_travel_s: float, services=EMERGENCY_SERVICES,
                   limit: int | None = None) -> dict:
    runner = CoverageRunner(con, profile, cutoff_s=max(1800.0, max_travel_s))
    sites = read_sites(con, services=list(services))
    sites = sites.merge(read_estates(con)[["site_id", "running_cost_gbp_pa", "disposal_value_gbp", "bays",
                                           "floor_area_m2"]], on="site_id", how="left")
    snap = runner.snap(sites)
    sites = sites[snap.on_network].reset_index(drop=True).assign(node=snap.node[snap.on_network])
    sites["turnout_s"] = site_turnouts(sites, profile)
    times = runner.cache.times(sites["node"].to_numpy())
    pop = runner.demand("population")
    targets = con.execute("SELECT target_id, statistic, goal FROM targets").df().set_index("target_id")
    covers = {}
    for service in services:
        own = sites.index[sites["service"] == service]
        if len(own) == 0:
            continue
        threshold, target_id = DEFAULT_STANDARD[service]
        statistic = targets.at[target_id, "statistic"] if target_id in targets.index else "mean"
        goal = targets.at[target_id, "goal"] if target_id in targets.index else None
        model = build_coverage_model(runner.cache.times(sites.loc[own, "node"].to_numpy()),
                                     sites.loc[own, "turnout_s"].to_numpy(), pop["node"].to_numpy())
        covers[service] = ServiceCover(model, sites.loc[own, "site_id"].tolist(), pop["weight"].to_numpy(), threshold,
                                       "mean" if statistic == "mean" else "share",
                                       None if goal is None or not np.isfinite(goal) else float(goal))
    space, space_sources = load_space_rules()
    ranked = candidates(sites, times, covers, max_travel_s=max_travel_s, variability=runner.variability, space=space)
    total = len(ranked)
    if limit:
        ranked = ranked.head(limit)
    return {"profile": profile.key, "max_travel_s": max_travel_s, "sites_on_network": len(sites),
            "pairs": total, "standards": {s: DEFAULT_STANDARD[s][1] for s in covers},
            "space_rules": space.__dict__ | {"sources": space_sources},
            "caveat": "Cover is assessed on the population within the road data; a station near its edge that moves "
                      "inwards can appear to gain cover because stations outside the road data cannot be routed.",
            "candidates": ranked.to_dict("records")}
