"""Coverage of a service's sites over a demand, before and after a scenario, from the warehouse."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.coverage import Variability, build_coverage_model, compare_targets, evaluate, summarise, summarise_by
from analysis.snapping import DEFAULT_MAX_SNAP_M, snap_points
from analysis.speeds import SpeedProfile
from analysis.traveltime import TravelTimeCache
from bluelight.errors import AnalysisError
from bluelight.inputs import read_incident_demand, read_network, read_population, read_sites, site_turnouts
from bluelight.scenario import Scenario, apply_scenario

#: targets about a later arrival than the first, which first-response coverage cannot be compared with
NOT_FIRST_RESPONSE = ("second_appliance",)


def run_coverage(con, *, service: str, threshold_s: float, demand: str, profile: SpeedProfile,
                 scenario: Scenario | None = None, as_of: str | None = None, age_band: str = "all",
                 categories=None, hours=None, cutoff_s: float = 1800.0, by_area: bool = False,
                 max_snap_m: float = DEFAULT_MAX_SNAP_M) -> dict:
    """Everything ``bluelight coverage`` reports, as a JSON-ready dict."""
    if demand not in {"population", "incidents"}:
        raise AnalysisError(f"demand must be 'population' or 'incidents', got {demand!r}")
    net, _ = read_network(con, profile)
    as_of = as_of or (scenario.as_of if scenario else None)
    base_sites = read_sites(con, services=[service], as_of=as_of)
    if base_sites.empty:
        raise AnalysisError(f"no operational {service} sites in the warehouse" + (f" as of {as_of}" if as_of else ""))
    pts = read_population(con, age_band=age_band) if demand == "population" else \
        read_incident_demand(con, service=service, categories=categories, hours=hours)
    dsnap = snap_points(net, pts["easting"].to_numpy(), pts["northing"].to_numpy(), max_snap_m=max_snap_m)
    var = Variability.from_profile(profile.variability)
    cache = TravelTimeCache(net, cutoff_s=cutoff_s)
    targets = con.execute("SELECT target_id, statistic, threshold_s, goal FROM targets WHERE service = ? "
                          f"AND category NOT IN ({', '.join('?' for _ in NOT_FIRST_RESPONSE)})",
                          [service, *NOT_FIRST_RESPONSE]).df()

    def one(sites: pd.DataFrame, label: str) -> tuple[dict, np.ndarray]:
        snap = snap_points(net, sites["easting"].to_numpy(), sites["northing"].to_numpy(), max_snap_m=max_snap_m)
        used = sites[snap.on_network]
        times = cache.times(snap.node[snap.on_network])
        model = build_coverage_model(times, site_turnouts(used, profile), dsnap.node)
        r = evaluate(model)
        out = {"label": label, "sites_used": int(snap.on_network.sum()),
               "sites_off_network": sites.loc[~snap.on_network, "site_id"].tolist(),
               "summary": summarise(r, pts["weight"].to_numpy(), threshold_s, variability=var).as_dict()}
        if not targets.empty:
            out["targets"] = compare_targets(r, pts["weight"].to_numpy(), targets, variability=var).to_dict("records")
        if by_area:
            out["by_area"] = summarise_by(pts["area"].to_numpy(), r, pts["weight"].to_numpy(), threshold_s,
                                          variability=var).to_dict("records")
        return out, r

    baseline, r0 = one(base_sites, "baseline")
    result = {"service": service, "threshold_s": threshold_s, "demand": demand, "age_band": age_band if demand ==
              "population" else None, "profile": profile.key, "network": net.key, "cutoff_s": cutoff_s,
              "as_of": as_of, "max_snap_m": max_snap_m, "variability": profile.variability is not None,
              "demand_points": len(pts), "demand_points_off_network": dsnap.n_off_network, "baseline": baseline}
    if scenario is not None:
        after, r1 = one(apply_scenario(base_sites, scenario), scenario.name)
        result["scenario"] = after
        w = pts["weight"].to_numpy()
        on = ~np.isnan(r0)
        worse = on & (r1 > r0 + 1e-9)
        better = on & (r1 < r0 - 1e-9)
        result["change"] = {"demand_slower": float(w[worse].sum()), "demand_faster": float(w[better].sum()),
                            "share_within_change": after["summary"]["share_within"] - baseline["summary"]["share_within"]}
    return result
