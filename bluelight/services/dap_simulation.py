"""The DAP planner's plans simulated with busy vehicles: the compliance table's measured shares.

The analytic location models assume each post's ambulance is free with a
fixed probability; here the trust's whole fleet answers every call of the
band, and the n-post plans move n of its vehicles to their posts, so the
table's gains are measured with queues, conveyance and busy crews.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from bluelight.analysis.demand_bands import TimeBand, load_rates
from bluelight.analysis.replications import allocate_vehicles, run_fleets
from bluelight.analysis.simulation import Fleet
from bluelight.foundation.config_files import config_file
from bluelight.foundation.errors import AnalysisError
from bluelight.foundation.vocab import category_words
from bluelight.services.fleet_system import DEMAND_RATES, load_settings, steady_system
from bluelight.services.session import Session

#: the simulation behind the compliance table's simulated shares: replications of so many days at the band's rate
SIM_REPLICATIONS, SIM_DAYS, SIM_SEED = 5, 28, 1


def simulated_compliance(session: Session, points: pd.DataFrame, cands: pd.DataFrame, fixed: pd.DataFrame,
                         compliance: list[dict[str, Any]], *, category: str, threshold_s: float,
                         demand: dict[str, Any], band: TimeBand) -> dict[str, Any]:
    """The compliance table's plans simulated with busy vehicles; each row gains its simulated share within.

    The ambulance fleet (vehicles per station from ``simulation.yaml``) answers
    every category of call at the band's rate, held steady; the plan for n posts
    moves n of those vehicles from the stations with the most to the posts,
    where they wait between jobs. All plans see the same calls, so the
    differences between rows are measured, not noise. ``compliance`` rows are
    updated in place.

    Parameters
    ----------
    session
        The routing session over the warehouse (network, placed sites and demand, bounded caches).
    points
        Demand points on the network.
    cands
        Candidate posts.
    fixed
        Existing ambulance stations.
    compliance
        The compliance table's rows.
    category
        The plan's demand category (``category_1``, ``category_2``).
    threshold_s
        The response standard the shares are within.
    demand
        How the band's demand was obtained.
    band
        The demand time band.
    """
    settings = load_settings()
    rates = load_rates(config_file(DEMAND_RATES))
    of_category = demand["kind"] == "expected" or str(demand.get("selection", "")).startswith("priority recorded")
    shares = (demand.get("rates") or {}).get("category_share") or rates.category_share   # the demand's own mix
    category_share = shares.get(category) if of_category else None
    stations = session.place_sites(fixed.reset_index(drop=True))
    stations = stations[stations["node"] >= 0].reset_index(drop=True)
    if stations.empty:
        return {"available": False, "reason": "no ambulance stations on the road network: there is no fleet to post"}
    bases = pd.concat([stations, cands.assign(turnout_s=cands["activation_s"], duty_system=None)],
                      ignore_index=True)
    all_calls = points.assign(rate_per_year=points["weight"] / (category_share or 1.0) / rates.band_share(band))
    try:
        system = steady_system(session, bases, all_calls, service="ambulance", settings=settings, days=SIM_DAYS)
    except AnalysisError as exc:
        return {"available": False, "reason": str(exc)}
    n_st = len(stations)
    drive = system.travel.drive_s[:, :n_st]
    nearest = np.argmin(np.where(np.isfinite(drive), drive, np.inf), axis=1)
    home = allocate_vehicles(np.bincount(nearest, weights=all_calls["rate_per_year"], minlength=n_st).astype(float),
                             float(settings.vehicles_per_station["ambulance"]))
    fleets, rows = [Fleet(np.repeat(np.arange(n_st), home))], []
    for row in compliance:
        counts = moved_fleet(home, row["chosen"], len(bases))
        if counts is None:
            continue
        fleets.append(Fleet(np.repeat(np.arange(len(bases)), counts)))
        rows.append(row)
    figs = run_fleets(system, fleets, threshold_s=threshold_s, replications=SIM_REPLICATIONS, seed=SIM_SEED)
    for row, f in zip(rows, figs[1:]):
        row |= {"simulated_share_within": f["share_within"]["mean"], "simulated_ci95": f["share_within"]["ci95"],
                "simulated_gain": f["share_within"]["mean"] - figs[0]["share_within"]["mean"],
                "simulated_mean_s": f["mean_s"]["mean"]}
    base = figs[0]
    warnings = []
    if base["queued_share"]["mean"] > 0.2 or base["mean_utilisation"]["mean"] > 0.9:
        warnings.append(f"the fleet is overloaded ({100 * base['mean_utilisation']['mean']:.0f}% busy, "
                        f"{100 * base['queued_share']['mean']:.0f}% of calls wait): set the trust's vehicles per "
                        f"station in simulation.yaml")
    return {"available": True, "baseline": base, "vehicles": int(home.sum()), "stations": n_st,
            "calls_per_year_all_categories": float(all_calls["rate_per_year"].sum() * rates.band_share(band)),
            "band_rate_calls_per_hour": float(all_calls["rate_per_year"].sum() / (365.25 * 24)),
            "category_share": category_share, "replications": SIM_REPLICATIONS, "days": SIM_DAYS, "seed": SIM_SEED,
            "on_scene": {"median_s": system.on_scene.median_s, "sigma": system.on_scene.sigma,
                         "source": system.on_scene_source},
            "warnings": warnings,
            "method": (f"the band's calls of every category (the {category_words(category)} demand over its share "
                       + (f"{category_share:.0%}" if category_share else "(none: no priority recorded, all calls)")
                       + f") simulated at a steady rate for {SIM_DAYS} days x {SIM_REPLICATIONS} replications; "
                       f"{int(home.sum())} ambulances ({settings.vehicles_per_station['ambulance']:g} per station, "
                       "simulation.yaml); the n-post plan bases n of them at the posts instead of the stations with "
                       "the most; dispatch first come, first served (no priority for category 1), conveyance to "
                       "the nearest hospital")}


def moved_fleet(home: np.ndarray, posts: list[int], n_bases: int) -> np.ndarray | None:
    """Vehicles per base when one vehicle per post leaves the station with the most (None: too few vehicles).

    Parameters
    ----------
    home
        Vehicles at each station.
    posts
        Candidate rows of the plan's posts (bases after the stations).
    n_bases
        Stations and candidates.
    """
    if not posts or len(posts) >= home.sum():
        return None
    counts = np.concatenate([home, np.zeros(n_bases - len(home), dtype=np.int64)])
    for j in posts:
        counts[int(np.argmax(counts[:len(home)]))] -= 1
        counts[len(home) + j] += 1
    return counts
