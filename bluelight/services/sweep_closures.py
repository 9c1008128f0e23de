"""``bluelight sweep closures`` and the What matters most page: every site of a service closed in turn, ranked by harm.

Each open site of the service on the road network is closed in turn (its
vehicles taken out, the fleet re-allocated over the sites left, calls
re-dispatched) and the fleet simulated answering the same calls as the
baseline (common random numbers), so the added response time of each closure
is measured replication by replication. Beside it, the people the static
model puts beyond the standard, as ``bluelight scenario run`` of a file
closing the site reports them. A site whose reach runs past the road data is
flagged, by the co-location candidates' rule: its harm is understated, since
calls beyond the edge are not simulated.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from bluelight.analysis.colocation import EdgeCheck, reach_radius_m, unseen_share
from bluelight.analysis.scenario import Scenario, apply_scenario
from bluelight.analysis.sweep import Variant, paired_change, spearman
from bluelight.foundation.errors import ValidationError
from bluelight.foundation.vocab import EMERGENCY_SERVICES
from bluelight.services.colocation import load_edge_share
from bluelight.services.fleet_system import load_settings
from bluelight.services.requests import Field
from bluelight.services.results import Result
from bluelight.services.session import DemandSpec, Session
from bluelight.services.sweeps import SweepRun, run_fields, run_variants, sweep_system

#: what sites may be ranked by, in words
RANK_WORDS = {"incidents_beyond_standard_pa": "incidents pushed beyond the standard a year",
              "added_mean_response_s": "added mean response",
              "people_beyond_standard": "people the static model puts beyond the standard"}
RANK_BY = tuple(RANK_WORDS)


@dataclass(frozen=True)
class ClosureSweepRequest(SweepRun):
    """Which service's sites to close in turn, how to simulate them, where to run, and how to rank the harm."""

    service: str = "fire"
    replications: int = 10
    vehicles_per_station: float | None = None
    threshold_s: float | None = None
    rank_by: str = "incidents_beyond_standard_pa"

    FIELDS = (
        Field("service", "Service", str, "fire", choices=EMERGENCY_SERVICES),
        Field("vehicles_per_station", "Vehicles per station", float, None, 1.0, 10.0, optional=True,
              help="Average vehicles per station (blank: from simulation.yaml)."),
        Field("threshold_s", "Standard", float, None, 60.0, 7200.0, optional=True, unit="s",
              help="The first vehicle's standard (blank: the service's usual one)."),
        Field("rank_by", "Rank by", str, "incidents_beyond_standard_pa", choices=RANK_BY,
              help="The harm sites are ranked by: incidents pushed beyond the standard a year, added mean "
                   "response, or people the static model puts beyond the standard."),
        *run_fields(10),
    )

    @classmethod
    def check(cls, values: dict[str, Any]) -> None:
        super().check(values)
        if values["arrivals"] == "population" and values["service"] != "ambulance":
            raise ValidationError("arrivals", "population arrivals use per-person rates of ambulance incidents: "
                                              f"for {values['service']} use auto, replay or resample")


@dataclass(frozen=True)
class ClosureSweep(Result):
    """Every site of a service closed in turn, ranked by the harm done, with the baseline it is measured from."""

    service: str
    profile: str
    threshold_s: float
    arrivals: str
    arrivals_note: str
    replications: int
    seed: int
    scheduler: str
    workers: int
    wall_s: float
    inputs: dict[str, Any]
    baseline: dict[str, Any]
    rank_by: str
    calls_harm_spearman: float | None
    sites: list[dict[str, Any]]
    not_swept: list[str]
    notes: list[str]


def closure_scenario(site_id: str, name: str) -> Scenario:
    """The scenario file's equivalent of one closure (what ``bluelight scenario run`` would be given).

    Parameters
    ----------
    site_id, name
        The site closed, and its name for the scenario's title.

    Returns
    -------
    Scenario
        One ``close`` change.
    """
    return Scenario(f"Close {name}", changes=[{"action": "close", "site": site_id}])


def run_closure_sweep(session: Session, request: ClosureSweepRequest, *,
                      progress: Callable[[int, int], None] | None = None) -> ClosureSweep:
    """Close each of the service's sites on the network in turn; rank the harm.

    Parameters
    ----------
    session
        The warehouse's session (profile, network, cached drive times).
    request
        The service, simulation and ranking.
    progress
        Called with (done, total) as closures finish.

    Returns
    -------
    ClosureSweep
        One row per site, ranked, with the baseline and the calls-versus-harm correlation.
    """
    session = session.for_period(request.traffic_period)
    result: ClosureSweep = session.cached(("closure_sweep", request), lambda: _sweep(session, request, progress))
    return result


def _sweep(session: Session, request: ClosureSweepRequest,
           progress: Callable[[int, int], None] | None) -> ClosureSweep:
    t0 = time.perf_counter()
    sim = request.simulation(request.service, vehicles_per_station=request.vehicles_per_station,
                             threshold_s=request.threshold_s)
    threshold = sim.standard_s
    settings = load_settings()
    built = sweep_system(session, sim, settings, arrivals=request.arrivals)
    stations = built.system.stations
    ids = stations["site_id"].tolist()
    variants = [Variant("baseline")] + [Variant(i, closed=(i,)) for i in ids]
    runs, ran = run_variants(built, variants, scheduler=request.scheduler, progress=progress)
    base = runs["baseline"]
    years = base["years"]
    reps = built.request.replications
    people = _people_beyond(session, request.service, stations, threshold)
    edge = _edge_shares(session, stations, threshold)
    limit = load_edge_share()
    rows = []
    for i, site in enumerate(ids):
        after = runs[site]
        added = paired_change(base, after, key="first_mean_s")
        beyond = paired_change(base, after, key="beyond")
        rows.append({"site_id": site, "name": stations["name"].iloc[i], "rank": 0,
                     "vehicles": int(stations["vehicles"].iloc[i]),
                     "added_mean_response_s": added["mean"], "added_mean_response_ci95": added["ci95"],
                     "people_beyond_standard": people.get(site),
                     "incidents_beyond_standard_pa": beyond["mean"] / years,
                     "incidents_beyond_standard_ci95": [v / years for v in beyond["ci95"]],
                     "calls_pa": base["first_calls"].get(site, 0.0) / (reps * years),
                     "unseen_share": float(edge[i]), "at_edge": bool(edge[i] > limit)})
    key = request.rank_by
    rows.sort(key=lambda r: (-(r[key] if r[key] is not None else -np.inf), r["site_id"]))
    for rank, r in enumerate(rows, start=1):
        r["rank"] = rank
    on = set(ids)
    every = session.sites(request.service)
    return ClosureSweep.of({
        "service": request.service, "profile": session.profile.key, "threshold_s": threshold,
        "arrivals": built.request.arrivals, "arrivals_note": built.arrivals_note, "replications": reps,
        "seed": request.seed, "scheduler": request.scheduler, "workers": ran.workers,
        "wall_s": time.perf_counter() - t0,
        "inputs": {"vehicles_per_station": built.per_station,
                   "vehicles_per_station_from": "entered" if request.vehicles_per_station is not None
                   else f"{settings.path}: vehicles_per_station.{request.service}",
                   "on_scene": built.system.on_scene_source, "settings": settings.path,
                   "sources": {k: settings.sources[k] for k in ("vehicles_per_station", "on_scene")
                               if k in settings.sources}},
        "baseline": {"stations": len(ids), "vehicles": int(stations["vehicles"].sum()),
                     "first_mean_s": float(np.mean(base["first_mean_s"])),
                     "first_within": float(np.mean(base["first_within"])),
                     "calls_pa": float(np.mean(base["calls"])) / years},
        "rank_by": key,
        "calls_harm_spearman": spearman(np.array([r["calls_pa"] for r in rows]),
                                        np.array([np.nan if r[key] is None else r[key] for r in rows])),
        "sites": rows,
        "not_swept": sorted(set(every["site_id"]) - on),
        "notes": [f"calls: {built.arrivals_note}",
                  (f"each closure is simulated on the same calls as the baseline ({reps} replications, seed "
                   f"{request.seed}); the interval is that of the replication-by-replication difference"),
                  ("people beyond the standard: the static model (every vehicle free), the population newly "
                   "beyond the standard, as bluelight scenario run reports a closure"),
                  (f"at the edge: more than {100 * limit:.0f}% of the population within the site's reach lies "
                   f"beyond the road data, so calls there are not simulated and the harm is understated"),
                  "not swept: sites of the service not on the road network"]})


def _people_beyond(session: Session, service: str, stations: pd.DataFrame, threshold_s: float) -> dict[str, float]:
    """Per site, the population the static model puts beyond the standard when it closes (none loaded: empty)."""
    spec = DemandSpec()
    pop = session.demand(spec)
    w = pop["weight"].to_numpy(float)
    if not len(pop) or not w.sum() > 0:
        return {}
    base = session.estate(None)
    r0 = session.evaluate(service, spec).response_s
    within0 = float(w[r0 <= threshold_s].sum())
    out = {}
    for site, name in zip(stations["site_id"], stations["name"]):
        after = apply_scenario(base, closure_scenario(site, name))
        r1 = session.evaluate(service, spec, after[after["service"] == service]).response_s
        out[site] = within0 - float(w[r1 <= threshold_s].sum())
    return out


def _edge_shares(session: Session, stations: pd.DataFrame, threshold_s: float) -> np.ndarray:
    """Per site, the share of the population within its reach in the standard that lies beyond the road data."""
    pop = session.demand(DemandSpec())
    if not len(pop):
        return np.zeros(len(stations))
    net = session.network
    edge = EdgeCheck(net.x_m, net.y_m, pop["easting"].to_numpy(float), pop["northing"].to_numpy(float),
                     pop["weight"].to_numpy(float), pop["node"].to_numpy() >= 0, load_edge_share())
    budget = np.maximum(threshold_s - stations["turnout"].to_numpy(float), 0.0)
    times = session.site_times(stations)
    radius = reach_radius_m(times, np.arange(len(stations)), budget, net.x_m, net.y_m)
    return unseen_share(stations["easting"].to_numpy(float), stations["northing"].to_numpy(float), radius, edge)
