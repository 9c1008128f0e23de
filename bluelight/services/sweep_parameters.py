"""``bluelight sweep parameters``: a scenario judged across a grid of one parameter, the curve a board asks for.

"How much worse before this option stops paying?": the scenario's effect on
one service (simulated on the same calls before and after, common random
numbers) at each value of vehicles per station, a turnout change or demand
growth. Both estates are simulated at every value, so each point of the
curve is a paired difference, not two noisy levels.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from bluelight.analysis.scenario import Scenario, apply_scenario, moved_services
from bluelight.analysis.sweep import Variant, paired_change
from bluelight.foundation.errors import ValidationError
from bluelight.foundation.vocab import EMERGENCY_SERVICES
from bluelight.services.fleet_system import load_settings
from bluelight.services.requests import Field
from bluelight.services.results import Result
from bluelight.services.session import Session
from bluelight.services.sweeps import SweepRun, run_fields, run_variants, sweep_system

#: the parameters a sweep may vary: words, and the bounds every value must keep
PARAMETERS: dict[str, tuple[str, float, float]] = {
    "vehicles_per_station": ("vehicles per station", 1.0, 10.0),
    "turnout_add_s": ("seconds added to every turnout", -300.0, 1800.0),
    "demand_growth": ("growth in calls (0.1: ten per cent more)", -0.9, 5.0),
}


@dataclass(frozen=True)
class ParameterSweepRequest(SweepRun):
    """Which parameter, which values, which service of the scenario, and how to simulate."""

    parameter: str = "vehicles_per_station"
    values: tuple[str, ...] = ()
    service: str | None = None

    FIELDS = (
        Field("parameter", "Parameter", str, "vehicles_per_station", choices=tuple(PARAMETERS),
              help="vehicles_per_station, turnout_add_s (seconds added to every turnout) or demand_growth (a share: "
                   "0.1 is ten per cent more calls)."),
        Field("values", "Values", list, (), min_items=2, help="The values to try, comma-separated (at least two)."),
        Field("service", "Service", str, None, choices=EMERGENCY_SERVICES, optional=True,
              help="The service to simulate (blank: the first the scenario changes)."),
        *run_fields(5),
    )

    @classmethod
    def check(cls, values: dict[str, Any]) -> None:
        super().check(values)
        words, lo, hi = PARAMETERS[values["parameter"]]
        numbers = []
        for v in values["values"]:
            try:
                x = float(v)
            except ValueError:
                raise ValidationError("values", f"Values must be numbers ({words}), got {v!r}") from None
            if not (lo <= x <= hi) or not np.isfinite(x):
                raise ValidationError("values", f"Values of {words} must be from {lo:g} to {hi:g}, got {v}")
            numbers.append(x)
        if len(set(numbers)) != len(numbers):
            raise ValidationError("values", f"Values must differ, got {', '.join(values['values'])}")
        values["values"] = tuple(f"{x:g}" for x in sorted(numbers))


@dataclass(frozen=True)
class ParameterSweep(Result):
    """The scenario's simulated effect at each value of one parameter."""

    scenario: str
    service: str
    parameter: str
    parameter_words: str
    threshold_s: float
    arrivals_note: str
    replications: int
    seed: int
    scheduler: str
    wall_s: float
    points: list[dict[str, Any]]
    notes: list[str]


def _variant(parameter: str, value: float, *, key: str) -> Variant:
    """The variant setting one parameter to ``value``."""
    if parameter == "vehicles_per_station":
        return Variant(key, vehicles_per_station=value)
    if parameter == "turnout_add_s":
        return Variant(key, turnout_add_s=value)
    return Variant(key, demand_growth=value)


def run_parameter_sweep(session: Session, scenario: Scenario, request: ParameterSweepRequest, *,
                        progress: Callable[[int, int], None] | None = None) -> ParameterSweep:
    """The scenario before and after, simulated at every value of the parameter.

    Parameters
    ----------
    session
        The warehouse's session.
    scenario
        The option being judged.
    request
        The parameter and its values, the service, the simulation.
    progress
        Called with (done, total) as runs finish.

    Returns
    -------
    ParameterSweep
        Per value: the service's mean first response and share within the standard before and after, and the
        paired change with its 95% interval.
    """
    t0 = time.perf_counter()
    session = session.for_period(request.traffic_period)
    base = session.estate(scenario.as_of)
    touched = [s for s in moved_services(base, scenario) if s in EMERGENCY_SERVICES]
    service = request.service or (touched[0] if touched else None)
    if service is None:
        raise ValidationError("service", f"scenario {scenario.name!r} changes no emergency service's sites: name "
                                         "the service to simulate")
    after = apply_scenario(base, scenario)
    sim = request.simulation(service)
    threshold = sim.standard_s
    settings = load_settings()
    built = {label: sweep_system(session, sim, settings, arrivals=request.arrivals,
                                 sites=sites[sites["service"] == service])
             for label, sites in (("before", base), ("after", after))}
    variants = [_variant(request.parameter, float(v), key=v) for v in request.values]
    done = [0]
    total = 2 * len(variants)

    def step(_d: int, _t: int) -> None:
        done[0] += 1
        if progress:
            progress(done[0], total)
    runs = {label: run_variants(b, variants, scheduler=request.scheduler, progress=step)[0]
            for label, b in built.items()}
    points = []
    for v in request.values:
        b, a = runs["before"][v], runs["after"][v]
        added = paired_change(b, a, key="first_mean_s")
        within = paired_change(b, a, key="first_within")
        points.append({"value": float(v), "before_mean_s": float(np.mean(b["first_mean_s"])),
                       "after_mean_s": float(np.mean(a["first_mean_s"])),
                       "added_mean_response_s": added["mean"], "added_mean_response_ci95": added["ci95"],
                       "before_within": float(np.mean(b["first_within"])),
                       "after_within": float(np.mean(a["first_within"])),
                       "within_change": within["mean"], "within_change_ci95": within["ci95"],
                       "vehicles_before": b["vehicles"], "vehicles_after": a["vehicles"]})
    words = PARAMETERS[request.parameter][0]
    return ParameterSweep.of({
        "scenario": scenario.name, "service": service, "parameter": request.parameter, "parameter_words": words,
        "threshold_s": threshold, "arrivals_note": built["before"].arrivals_note,
        "replications": request.replications, "seed": request.seed, "scheduler": request.scheduler,
        "wall_s": time.perf_counter() - t0, "points": points,
        "notes": [f"calls: {built['before'].arrivals_note}",
                  (f"at each value of {words}, the estate before and after the scenario is simulated on the same "
                   f"calls; the change and its interval are replication by replication"),
                  "vehicles are re-allocated over each estate's stations to the average asked for"]})
