"""``bluelight scenario run``: a scenario's effect on every service it touches, and its finance."""

from __future__ import annotations

import numpy as np
import pandas as pd

from bluelight.analysis.coverage import summarise_by
from bluelight.analysis.finance import appraise, scenario_cash_items
from bluelight.analysis.speeds import SpeedProfile
from bluelight.services.coverage import CoverageRunner, change_counts
from bluelight.services.inputs import read_estates, read_sites
from bluelight.analysis.scenario import Scenario, apply_scenario, touched_services
from bluelight.standards import DEFAULT_STANDARD


def _areas(runner: CoverageRunner, pts: pd.DataFrame, r0, r1, threshold_s: float) -> list[dict]:
    """Areas (boroughs) whose cover changes, largest change in demand within the standard first."""
    w = pts["weight"].to_numpy()
    a = summarise_by(pts["area"].to_numpy(), r0, w, threshold_s, variability=runner.variability).set_index("area")
    b = summarise_by(pts["area"].to_numpy(), r1, w, threshold_s, variability=runner.variability).set_index("area")
    rows = []
    for area in a.index:
        if a.at[area, "demand_on_network"] <= 0:
            continue
        d_share = b.at[area, "share_within"] - a.at[area, "share_within"]
        d_mean = b.at[area, "mean_s"] - a.at[area, "mean_s"]
        if abs(d_share) > 1e-9 or abs(d_mean) > 1e-6:
            rows.append({"area": area, "share_within_before": a.at[area, "share_within"],
                         "share_within_after": b.at[area, "share_within"], "mean_s_before": a.at[area, "mean_s"],
                         "mean_s_after": b.at[area, "mean_s"],
                         "demand_within_change": float(d_share * a.at[area, "demand_on_network"]),
                         "direction": "gains" if (d_share > 0 or (d_share == 0 and d_mean < 0)) else "loses"})
    return sorted(rows, key=lambda r: -abs(r["demand_within_change"]))


def run_scenario(con, scenario: Scenario, profile: SpeedProfile, *, thresholds: dict[str, float] | None = None,
                 horizon_years: int | None = None, discount_rate: float | None = None) -> dict:
    """Before and after cover for each service the scenario touches (population, incidents by category) and NPV."""
    runner = CoverageRunner(con, profile)
    base = read_sites(con, as_of=scenario.as_of)
    after = apply_scenario(base, scenario)
    services = {}
    for service in touched_services(base, scenario):
        threshold = (thresholds or {}).get(service, DEFAULT_STANDARD[service][0])
        b_sites, a_sites = base[base["service"] == service], after[after["service"] == service]
        pop = runner.demand("population")
        before_pop, r0 = runner.describe("before", b_sites, pop, threshold, service=service)
        after_pop, r1 = runner.describe("after", a_sites, pop, threshold, service=service)
        entry = {"threshold_s": threshold, "sites_before": len(b_sites), "sites_after": len(a_sites),
                 "population": {"before": before_pop, "after": after_pop,
                                "change": change_counts(r0, r1, pop["weight"].to_numpy(), before_pop, after_pop)},
                 "areas": _areas(runner, pop, r0, r1, threshold), "incidents": {}}
        inc = runner.demand("incidents", service=service)
        for category, grp in inc.groupby("category"):
            grp = grp.reset_index(drop=True)
            ib, q0 = runner.describe("before", b_sites, grp, threshold, service=service)
            ia, q1 = runner.describe("after", a_sites, grp, threshold, service=service)
            entry["incidents"][category] = {"n": len(grp), "on_network": int((grp["node"] >= 0).sum()),
                                            "before": ib["summary"], "after": ia["summary"],
                                            "change": change_counts(q0, q1, grp["weight"].to_numpy(), ib, ia)}
        services[service] = entry
    items, missing = scenario_cash_items(scenario.changes, read_estates(con))
    appraisal = appraise(items, horizon_years=horizon_years or scenario.horizon_years,
                         discount_rate=scenario.discount_rate if discount_rate is None else discount_rate,
                         missing=missing)
    return {"scenario": scenario.name, "note": scenario.note, "as_of": scenario.as_of, "profile": profile.key,
            "network": runner.net.key, "changes": scenario.changes, "services": services,
            "finance": appraisal.as_dict()}
