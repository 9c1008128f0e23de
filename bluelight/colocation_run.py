"""``bluelight colocation candidates``: ranked cross-service co-location options from the warehouse."""

from __future__ import annotations

import numpy as np

from analysis.colocation import ServiceCover, candidates
from analysis.coverage import build_coverage_model
from analysis.speeds import SpeedProfile
from bluelight.coverage_run import CoverageRunner
from bluelight.inputs import read_estates, read_sites, site_turnouts
from bluelight.standards import DEFAULT_STANDARD


def run_candidates(con, profile: SpeedProfile, *, max_travel_s: float, services=("fire", "police", "ambulance"),
                   limit: int | None = None) -> dict:
    runner = CoverageRunner(con, profile, cutoff_s=max(1800.0, max_travel_s))
    sites = read_sites(con, services=list(services))
    sites = sites.merge(read_estates(con)[["site_id", "running_cost_gbp_pa", "disposal_value_gbp", "bays"]],
                        on="site_id", how="left")
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
    ranked = candidates(sites, times, covers, max_travel_s=max_travel_s, variability=runner.variability)
    total = len(ranked)
    if limit:
        ranked = ranked.head(limit)
    return {"profile": profile.key, "max_travel_s": max_travel_s, "sites_on_network": len(sites),
            "pairs": total, "standards": {s: DEFAULT_STANDARD[s][1] for s in covers},
            "caveat": "Cover is assessed on the population within the road data; a station near its edge that moves "
                      "inwards can appear to gain cover because stations outside the road data cannot be routed.",
            "candidates": ranked.to_dict("records")}
