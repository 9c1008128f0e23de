"""Coverage of sites over demand from the warehouse: the runner behind ``coverage`` and ``scenario run``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from bluelight.analysis.coverage import (CoverageSummary, Variability, build_coverage_model, compare_targets, evaluate,
                               summarise, summarise_by)
from bluelight.analysis.snapping import DEFAULT_MAX_SNAP_M, snap_points
from bluelight.analysis.speeds import SpeedProfile
from bluelight.analysis.traveltime import TravelTimeCache
from bluelight.errors import AnalysisError
from bluelight.services.inputs import read_incident_demand, read_network, read_population, read_sites, site_turnouts
from bluelight.analysis.scenario import Scenario, apply_scenario
from bluelight.standards import NOT_FIRST_RESPONSE


class CoverageRunner:
    """One network, profile and travel-time cache, reused for every evaluation of a command."""

    def __init__(self, con, profile: SpeedProfile, *, cutoff_s: float = 1800.0,
                 max_snap_m: float = DEFAULT_MAX_SNAP_M):
        self.con = con
        self.profile = profile
        self.cutoff_s = cutoff_s
        self.max_snap_m = max_snap_m
        self.net, self.edge_geoms = read_network(con, profile)
        self.cache = TravelTimeCache(self.net, cutoff_s=cutoff_s)
        self.variability = Variability.from_profile(profile.variability)

    def snap(self, frame: pd.DataFrame):
        return snap_points(self.net, frame["easting"].to_numpy(float), frame["northing"].to_numpy(float),
                           max_snap_m=self.max_snap_m)

    def demand(self, kind: str, *, service: str | None = None, age_band: str = "all", categories=None,
               hours=None) -> pd.DataFrame:
        """Demand points with their snapped node (-1 off-network)."""
        if kind not in {"population", "incidents"}:
            raise AnalysisError(f"demand must be 'population' or 'incidents', got {kind!r}")
        pts = read_population(self.con, age_band=age_band) if kind == "population" else \
            read_incident_demand(self.con, service=service, categories=categories, hours=hours)
        return pts.assign(node=self.snap(pts).node)

    def response(self, sites: pd.DataFrame, demand: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Response time per demand point from ``sites``, and which sites were on the network."""
        snap = self.snap(sites)
        used = sites[snap.on_network]
        times = self.cache.times(snap.node[snap.on_network])
        model = build_coverage_model(times, site_turnouts(used, self.profile), demand["node"].to_numpy())
        return evaluate(model), snap.on_network

    def summary(self, response: np.ndarray, demand: pd.DataFrame, threshold_s: float) -> CoverageSummary:
        return summarise(response, demand["weight"].to_numpy(), threshold_s, variability=self.variability)

    def targets(self, service: str) -> pd.DataFrame:
        return self.con.execute(
            "SELECT target_id, statistic, threshold_s, goal FROM targets WHERE service = ? "
            f"AND category NOT IN ({', '.join('?' for _ in NOT_FIRST_RESPONSE)})", [service, *NOT_FIRST_RESPONSE]).df()

    def describe(self, label: str, sites: pd.DataFrame, demand: pd.DataFrame, threshold_s: float, *,
                 service: str, by_area: bool = False) -> tuple[dict, np.ndarray]:
        """The JSON-ready coverage of one set of sites, and the response times behind it."""
        r, on = self.response(sites, demand)
        w = demand["weight"].to_numpy()
        out = {"label": label, "sites_used": int(on.sum()), "sites_off_network": sites.loc[~on, "site_id"].tolist(),
               "summary": self.summary(r, demand, threshold_s).as_dict(),
               "demand_within": float(w[r <= threshold_s].sum()),
               "demand_within_modelled": float((w[~np.isnan(r)] * self.variability.prob_within(
                   r[~np.isnan(r)], threshold_s)).sum()) if self.variability else None}
        targets = self.targets(service)
        if not targets.empty:
            out["targets"] = compare_targets(r, w, targets, variability=self.variability).to_dict("records")
        if by_area:
            out["by_area"] = summarise_by(demand["area"].to_numpy(), r, w, threshold_s,
                                          variability=self.variability).to_dict("records")
        return out, r


def run_coverage(con, *, service: str, threshold_s: float, demand: str, profile: SpeedProfile,
                 scenario: Scenario | None = None, as_of: str | None = None, age_band: str = "all",
                 categories=None, hours=None, cutoff_s: float = 1800.0, by_area: bool = False,
                 max_snap_m: float = DEFAULT_MAX_SNAP_M) -> dict:
    """Everything ``bluelight coverage`` reports, as a JSON-ready dict."""
    runner = CoverageRunner(con, profile, cutoff_s=cutoff_s, max_snap_m=max_snap_m)
    as_of = as_of or (scenario.as_of if scenario else None)
    base_sites = read_sites(con, services=[service], as_of=as_of)
    if base_sites.empty:
        raise AnalysisError(f"no operational {service} sites in the warehouse" + (f" as of {as_of}" if as_of else ""))
    pts = runner.demand(demand, service=service, age_band=age_band, categories=categories, hours=hours)
    baseline, r0 = runner.describe("baseline", base_sites, pts, threshold_s, service=service, by_area=by_area)
    result = {"service": service, "threshold_s": threshold_s, "demand": demand, "age_band": age_band if demand ==
              "population" else None, "profile": profile.key, "network": runner.net.key, "cutoff_s": cutoff_s,
              "as_of": as_of, "max_snap_m": max_snap_m, "variability": profile.variability is not None,
              "demand_points": len(pts), "demand_points_off_network": int((pts["node"] < 0).sum()),
              "baseline": baseline}
    if scenario is not None:
        after_sites = apply_scenario(base_sites, scenario)
        after, r1 = runner.describe(scenario.name, after_sites[after_sites["service"] == service], pts, threshold_s,
                                    service=service, by_area=by_area)
        result["scenario"] = after
        result["change"] = change_counts(r0, r1, pts["weight"].to_numpy(), baseline, after)
    return result


def change_counts(r0: np.ndarray, r1: np.ndarray, w: np.ndarray, before: dict, after: dict) -> dict:
    on = ~np.isnan(r0)
    return {"demand_slower": float(w[on & (r1 > r0 + 1e-9)].sum()), "demand_faster": float(w[on & (r1 < r0 - 1e-9)].sum()),
            "share_within_change": after["summary"]["share_within"] - before["summary"]["share_within"],
            "demand_within_before": before["demand_within"], "demand_within_after": after["demand_within"]}
