"""What the sweeps share: the simulation system they run, its arrivals, and their variants on a scheduler.

A sweep (:mod:`~bluelight.services.sweep_closures`,
:mod:`~bluelight.services.sweep_colocation`,
:mod:`~bluelight.services.sweep_parameters`) builds one
:class:`~bluelight.analysis.replications.System` from the warehouse and runs
many :class:`~bluelight.analysis.sweep.Variant` s of it on the same calls, on
the chosen scheduler (:mod:`~bluelight.services.cluster`): the system is sent
to each worker once; workers never open the warehouse.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bluelight.analysis.replications import System
from bluelight.analysis.sweep import Variant, run_variant
from bluelight.foundation.errors import AnalysisError
from bluelight.foundation.standards import standard_s
from bluelight.services.cluster import SCHEDULER_FIELD, Ran, check_scheduler, run_tasks
from bluelight.services.fleet_system import SimulationRequest, SimulationSettings, build_system
from bluelight.services.requests import SNAP_FIELD, TRAFFIC_PERIOD_FIELD, Field, Request
from bluelight.services.session import Session

#: how calls arrive in a sweep: ``auto`` replays the loaded incidents where they are every incident of the area,
#: resamples them at the full rate where they are a sample, and uses population for ambulances without incidents
SWEEP_ARRIVALS = ("auto", "replay", "resample", "population")

ARRIVALS_FIELD = Field("arrivals", "Calls", str, "auto", choices=SWEEP_ARRIVALS,
                       help="auto: replay the loaded incidents as they happened where they are every incident of "
                            "the area, else resample them at the full rate (a sample, such as the LFB file); "
                            "ambulances without incidents: expected calls from population. Or name one.")


SEED_FIELD = Field("seed", "Random seed", int, 1, 0, 2 ** 31 - 1)


def run_fields(replications: int) -> tuple[Field, ...]:
    """How every sweep runs: calls, replications (this many by default), seed, scheduler, snap and traffic period.

    Parameters
    ----------
    replications
        The sweep's default number of replications.

    Returns
    -------
    tuple of Field
        The fields, in the order the command line and the pages show them.
    """
    return (ARRIVALS_FIELD, Field("replications", "Replications", int, replications, 1, 200), SEED_FIELD,
            SCHEDULER_FIELD, SNAP_FIELD, TRAFFIC_PERIOD_FIELD)


@dataclass(frozen=True)
class SweepRun(Request):
    """How a sweep runs (the fields of :func:`run_fields`); each sweep's request adds what it sweeps."""

    arrivals: str = "auto"
    replications: int = 5
    seed: int = 1
    scheduler: str = "serial"
    max_snap_m: float = SNAP_FIELD.default
    traffic_period: str = "all"

    @classmethod
    def check(cls, values: dict[str, Any]) -> None:
        check_scheduler(values)

    def simulation(self, service: str, *, vehicles_per_station: float | None = None,
                   threshold_s: float | None = None) -> SimulationRequest:
        """The simulation every variant of ``service`` runs (arrivals are resolved by :func:`sweep_system`).

        Parameters
        ----------
        service
            The service simulated.
        vehicles_per_station
            The average vehicles per station (None: ``simulation.yaml``'s).
        threshold_s
            The first vehicle's standard (None: the service's usual one).

        Returns
        -------
        SimulationRequest
            This sweep's replications, seed, snap and traffic period for the service.
        """
        return SimulationRequest(service=service, replications=self.replications, seed=self.seed,
                                 vehicles_per_station=vehicles_per_station,
                                 threshold_s=standard_s(service, threshold_s),
                                 max_snap_m=self.max_snap_m, traffic_period=self.traffic_period)


@dataclass(frozen=True)
class SweepSystem:
    """The system a sweep runs, how its calls arrive and why, and the vehicles per station it was built with."""

    system: System
    request: SimulationRequest
    arrivals_note: str
    per_station: float


def incident_count(session: Session, service: str) -> int:
    """Incidents of the service with a call time in the warehouse.

    Parameters
    ----------
    session
        The warehouse's session.
    service
        ``fire``, ``ambulance`` or ``police``.

    Returns
    -------
    int
        The number of incidents.
    """
    def count(cur: Any) -> int:
        row = cur.execute("SELECT count(*) FROM incidents WHERE service = ? AND call_time IS NOT NULL",
                          [service]).fetchone()
        return int(row[0])
    return session.read(count)


def sweep_system(session: Session, request: SimulationRequest, settings: SimulationSettings, *, arrivals: str,
                 sites: Any = None) -> SweepSystem:
    """Build the system (from ``sites`` if given) with arrivals resolved from ``auto`` and said in words.

    Parameters
    ----------
    session
        The warehouse's session.
    request
        The simulation every variant runs.
    settings
        The simulation's defaults.
    arrivals
        ``auto``, ``replay``, ``resample`` or ``population``.
    sites
        The stations to build from (default: the service's open stations).

    Returns
    -------
    SweepSystem
        The system, the request with its arrivals resolved, their note and the vehicles per station.
    """
    service = request.service
    auto = arrivals == "auto"
    if auto:
        arrivals = "resample" if incident_count(session, service) else (
            "population" if service == "ambulance" else "replay")
    system = build_system(session, SimulationRequest(**{**request.__dict__, "arrivals": arrivals}), settings,
                          sites=sites)
    if auto and arrivals == "resample" and system.sample_share == 1.0:
        arrivals = "replay"
    n = f"{len(system.incidents):,}"
    notes = {
        "replay": f"the {n} loaded incidents replayed as they happened (their times and places)",
        "resample": (f"calls resampled from the {n} loaded incidents at the full rate (they are a "
                     f"{100 * system.sample_share:.3g}% sample of the area's incidents)" if system.sample_share < 1
                     else f"calls resampled from the {n} loaded incidents at their rate"),
        "population": "expected calls from the population by age and the weekly profile",
    }
    per = request.vehicles_per_station or float(settings.vehicles_per_station[service])
    return SweepSystem(system, SimulationRequest(**{**request.__dict__, "arrivals": arrivals}), notes[arrivals], per)


def _variant_task(shared: tuple[System, dict[str, Any]], variant: Variant) -> dict[str, Any]:
    """One variant on a worker (top level, so that workers can import it)."""
    system, params = shared
    return run_variant(system, variant, **params)


def run_variants(built: SweepSystem, variants: Sequence[Variant], *, scheduler: str,
                 progress: Callable[[int, int], None] | None = None) -> tuple[dict[str, dict[str, Any]], Ran]:
    """Every variant's replications on the scheduler, by variant key (the same on every scheduler).

    Parameters
    ----------
    built
        The system and its simulation request.
    variants
        The variants, each with its own key.
    scheduler
        ``serial``, ``local`` or a Dask scheduler address.
    progress
        Called with (done, total) as variants finish.

    Returns
    -------
    tuple
        Each variant's :func:`~bluelight.analysis.sweep.run_variant` result by key, and what ran them.

    Raises
    ------
    AnalysisError
        Two variants with one key, or demand growth with replayed incidents.
    """
    keys = [v.key for v in variants]
    if len(set(keys)) != len(keys):
        raise AnalysisError(f"sweep variants need different keys, got {keys}")
    req = built.request
    if req.arrivals == "replay" and any(v.demand_growth for v in variants):
        raise AnalysisError("replayed incidents happened as they did and cannot grow: sweep demand growth with "
                            "arrivals resample")
    params = {"base_per_station": built.per_station, "threshold_s": req.standard_s,
              "replications": req.replications, "seed": req.seed, "arrivals": req.arrivals}
    ran = run_tasks(_variant_task, list(variants), scheduler=scheduler, shared=(built.system, params),
                    progress=progress)
    return dict(zip(keys, ran.results)), ran
