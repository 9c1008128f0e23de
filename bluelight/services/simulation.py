"""Availability: ``bluelight simulate`` and the Availability page.

Builds the simulation's inputs from the warehouse (the service's stations on
the network, the loaded incidents with their vehicle time, the session's cached
drive times) and runs replications of :func:`bluelight.analysis.simulation.simulate`;
screens the same system with the approximate hypercube; and validates the
result against what actually happened to the incidents (first pumps from a
station other than the station ground, first-pump attendance within 6
minutes, second-pump attendance within 8). Every rate, rule and source used is
returned with the figures.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from bluelight.analysis import replications as core
from bluelight.analysis.replications import System, ground_sites, hypercube_screen, mean_ci
from bluelight.analysis.scenario import Scenario
from bluelight.analysis.simulation import DAY_S
from bluelight.foundation.errors import AnalysisError
from bluelight.services.fleet_system import SimulationRequest, SimulationSettings, build_system, load_settings
from bluelight.services.results import Result
from bluelight.services.session import Session

log = logging.getLogger(__name__)

__all__ = ["SimulationRequest", "SimulationSettings", "build_system", "load_settings", "mean_ci", "run_replications",
           "run_simulation", "validate"]


def run_replications(system: System, request: SimulationRequest, settings: SimulationSettings, *,
                     progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """The request's replications of ``system`` (:func:`bluelight.analysis.replications.run_replications`).

    Parameters
    ----------
    system
        The built system.
    request
        Replications, seed, arrivals and the standard.
    settings
        The hour ranges the figures are also given for.
    progress
        Called with (done, total) after each replication.

    Returns
    -------
    dict
        Every figure with its 95% interval.
    """
    return core.run_replications(system, threshold_s=request.standard_s, replications=request.replications,
                                 seed=request.seed, arrivals=request.arrivals, hour_ranges=settings.hour_ranges,
                                 progress=progress)


@dataclass(frozen=True)
class SimulationResult(Result):
    """The fleet simulated answering its calls (and a scenario's fleet), with 95% intervals."""

    OPTIONAL: ClassVar[frozenset[str]] = frozenset({"scenario", "workload_change"})

    service: str
    profile: str
    period: list[str]
    inputs: dict[str, Any]
    baseline: dict[str, Any]
    hypercube: dict[str, Any]
    scenario: dict[str, Any] | None
    workload_change: list[dict[str, Any]] | None


@dataclass(frozen=True)
class SimulationCheck(Result):
    """Simulated against actual attendance, per set of incidents."""

    service: str
    profile: str
    sets: list[dict[str, Any]]
    note: str


def run_simulation(session: Session, request: SimulationRequest, *, scenario: Scenario | None = None,
                   settings: SimulationSettings | None = None,
                   progress: Callable[[int, int], None] | None = None) -> SimulationResult:
    """Everything ``bluelight simulate`` reports (a scenario adds its after figures).

    Drives are the request's traffic period's (all hours by default) for every call.

    Parameters
    ----------
    session
        The warehouse's session.
    request
        What to simulate.
    scenario
        Changes to the estate (a dated one is applied to the estate of its date, which is then the baseline too).
    settings
        The simulation's defaults (default: ``simulation.yaml``).
    progress
        Called with (done, total) after each replication.

    Returns
    -------
    SimulationResult
        Inputs, baseline, hypercube screen and, with a scenario, its figures and each station's workload change.
    """
    session = session.for_period(request.traffic_period)
    settings = settings or load_settings()
    before = None
    if scenario is not None and scenario.as_of:      # a dated scenario changes the estate as it stood then
        estate = session.estate(scenario.as_of)
        before = estate[estate["service"] == request.service]
    system = build_system(session, request, settings, sites=before)
    result: dict[str, Any] = {"service": request.service, "profile": session.profile.key,
              "period": [str(system.period_start.date()),
                         str((system.period_start + pd.Timedelta(seconds=system.period_s - 1)).date())],
              "inputs": _inputs(system, request, settings), "baseline": run_replications(system, request, settings,
                                                                                        progress=progress),
              "hypercube": hypercube_screen(system)}
    if scenario is not None:
        after = build_system(session, request, settings, sites=session.estate_after(scenario, request.service))
        result["scenario"] = {"name": scenario.name, **run_replications(after, request, settings, progress=progress)}
        result["workload_change"] = _workload_change(result["baseline"]["stations"], result["scenario"]["stations"])
    return SimulationResult.of(result)


def _workload_change(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[dict[str, Any]]:
    b = pd.DataFrame(before).set_index("site_id")
    a = pd.DataFrame(after).set_index("site_id")
    cols = ["utilisation", "vehicle_jobs_per_year"]
    both = b[cols].add_suffix("_before").join(a[cols].add_suffix("_after"), how="outer")
    both.insert(0, "name", b["name"].combine_first(a["name"]).reindex(both.index))
    both["jobs_change_per_year"] = both["vehicle_jobs_per_year_after"].fillna(0) - both["vehicle_jobs_per_year_before"].fillna(0)
    both = both.reindex(both["jobs_change_per_year"].abs().sort_values(ascending=False).index)
    rows: list[dict[str, Any]] = both.reset_index().replace({np.nan: None}).to_dict("records")
    return rows


def _inputs(system: System, request: SimulationRequest, settings: SimulationSettings) -> dict[str, Any]:
    inc = system.incidents
    return {
        "stations": len(system.stations), "vehicles": system.fleet.n_vehicles,
        "vehicles_per_station": request.vehicles_per_station or settings.vehicles_per_station[request.service],
        "incidents_in_period_on_network": len(inc), "zones": len(system.zones),
        "arrivals": request.arrivals, "sample_share": system.sample_share,
        "calls_per_year": float(inc["rate_per_year"].sum()) if "rate_per_year" in inc.columns
        else len(inc) / system.sample_share / (system.period_s / (365.25 * DAY_S)),
        "on_scene": {"median_s": system.on_scene.median_s, "sigma": system.on_scene.sigma,
                     "mean_s": system.on_scene.mean_s, "source": system.on_scene_source},
        "replications": request.replications, "seed": request.seed, "threshold_s": request.threshold_s,
        "second_threshold_s": system.second_threshold_s,
        "conveyance": None if system.conveyance is None else {
            "conveyed_share": system.conveyance["conveyed_share"], "handover_s": system.conveyance["handover_s"],
            "hospitals_on_network": len(system.conveyance["hospitals"])},
        "rules": [("dispatch: the free, crewed vehicle with the least turnout + drive; a call with none free waits "
                   "for the first to clear (first come, first served)"),
                  "a vehicle is free again when back at its station; the way back takes as long as the way out",
                  ("stations outside the road data do not exist here: calls near its edge cannot be helped from "
                   "outside, and stations at the edge answer only the calls inside")],
        "settings": settings.path, "sources": settings.sources,
    }


# -- validation -----------------------------------------------------------------------------------------------------

def actual_figures(inc: pd.DataFrame, stations: pd.DataFrame, *, threshold_s: float,
                   second_threshold_s: float | None) -> dict[str, Any]:
    """What happened to the incidents: first within, second within, first pump not from the station ground.

    Parameters
    ----------
    inc
        Incidents with actual attendance (``first_arrival_s``, ``second_arrival_s``, ``first_site_id``).
    stations
        The stations simulated (for the station ground).
    threshold_s, second_threshold_s
        The first and second vehicle's standards.

    Returns
    -------
    dict
        The shares and the counts they rest on.
    """
    first = inc["first_arrival_s"].to_numpy(float)
    has = np.isfinite(first) & (first > 0)
    second = inc["second_arrival_s"].to_numpy(float)
    has2 = np.isfinite(second) & (second > 0)
    ground = ground_sites(inc, stations)
    known = ground.notna().to_numpy() & inc["first_site_id"].notna().to_numpy()
    other = (inc["first_site_id"].to_numpy() != ground.to_numpy())[known]
    return {"first_within": float(np.mean(first[has] <= threshold_s)) if has.any() else None,
            "first_with_time": int(has.sum()),
            "second_within": float(np.mean(second[has2] <= second_threshold_s))
            if has2.any() and second_threshold_s is not None else None,
            "second_with_time": int(has2.sum()),
            "not_station_ground_share": float(np.mean(other)) if known.any() else None,
            "with_station_ground_in_area": int(known.sum())}


def validate(session: Session, request: SimulationRequest, *, files: tuple[Path, ...] = (),
             settings: SimulationSettings | None = None,
             progress: Callable[[int, int], None] | None = None) -> SimulationCheck:
    """Simulated against actual, on the warehouse's incidents (in-sample) and on each incident file given.

    Parameters
    ----------
    session
        The warehouse's session.
    request
        What to simulate.
    files
        Incident files to validate against (each read and checked as ``etl incidents`` reads it).
    settings
        The simulation's defaults.
    progress
        Called with (done, total) after each replication.

    Returns
    -------
    SimulationCheck
        Per set of incidents: simulated, static and actual figures and their gaps in points.
    """
    session = session.for_period(request.traffic_period)
    from bluelight.etl.incidents import parse_incidents

    settings = settings or load_settings()
    sets = [("warehouse (in-sample)", None)]
    for f in files:
        parsed = parse_incidents(Path(f))
        frame = parsed.frame
        if frame.empty or "first_arrival_s" not in frame.columns:
            raise AnalysisError(f"{f}: no incidents with attendance times to validate against")
        sets.append((str(Path(f).name), frame[frame["service"] == request.service].reset_index(drop=True)))
    out = []
    for label, frame in sets:
        system = build_system(session, request, settings, incidents=frame)
        actual = actual_figures(system.incidents, system.stations, threshold_s=request.standard_s,
                                second_threshold_s=system.second_threshold_s)
        sim = run_replications(system, request, settings, progress=progress)
        rows = []
        for metric, what, a in (
                ("first_within", f"first vehicle within {request.standard_s / 60:g} min", actual["first_within"]),
                ("second_within", "second vehicle within "
                 + (f"{system.second_threshold_s / 60:g} min" if system.second_threshold_s else "(no standard)"),
                 actual["second_within"]),
                ("not_station_ground_share", "first vehicle not from the station ground",
                 actual["not_station_ground_share"])):
            s = sim.get(metric)
            static = sim["first_within_static"]["mean"] if metric == "first_within" else None
            rows.append({"metric": metric, "label": what, "actual": a,
                         "simulated": None if s is None else s["mean"], "simulated_ci95": None if s is None else s["ci95"],
                         "static_model": static,
                         "gap_points": None if (s is None or a is None) else 100 * (s["mean"] - a),
                         "static_gap_points": None if (static is None or a is None) else 100 * (static - a)})
        out.append({"set": label, "incidents_used": len(system.incidents), "counts": actual, "figures": rows,
                    "inputs": _inputs(system, request, settings)})
    return SimulationCheck.of({"service": request.service, "profile": session.profile.key, "sets": out,
            "note": "simulated: the availability simulation of the same incidents (resampled at the full rate unless "
                    "replayed); static model: the nearest station always free. Gaps are simulated (or static) minus "
                    "actual, in percentage points."})
