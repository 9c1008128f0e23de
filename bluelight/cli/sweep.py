"""The sweeps: what matters most, by trying every closure, every co-location, or a grid of parameters.

Each command parses its options into one sweep's request, calls that service,
and prints its ranked result; progress goes to the terminal (not with
``--json``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from tqdm import tqdm

from bluelight.cli import render
from bluelight.cli.options import (
    json_option,
    parsed,
    profile_option,
    reading,
    request_options,
    session_for,
    warehouse_option,
)
from bluelight.services.scenarios import load_scenario
from bluelight.services.sweep_closures import ClosureSweepRequest, run_closure_sweep
from bluelight.services.sweep_colocation import ColocationSweepRequest, run_colocation_sweep
from bluelight.services.sweep_parameters import ParameterSweepRequest, run_parameter_sweep


@contextmanager
def _progress(unit: str, hidden: bool) -> Iterator[Callable[[int, int], None]]:
    """A progress bar fed by (done, total) calls, shown from the first of them (never with JSON output)."""
    bars: list[tqdm] = []

    def step(done: int, total: int) -> None:
        if not bars:
            bars.append(tqdm(total=total, unit=unit, disable=hidden, leave=False))
        bars[0].n = done
        bars[0].refresh()
    try:
        yield step
    finally:
        for bar in bars:
            bar.close()


@click.group()
def sweep() -> None:
    """What matters most: every site closed in turn, every co-location, or a grid of parameters, ranked."""


@sweep.command("closures")
@request_options(ClosureSweepRequest)
@profile_option
@warehouse_option
@json_option
def closures(profile: str | None, warehouse: Path | None, as_json: bool, **options: Any) -> None:
    """Close each site of a service in turn (its vehicles with it), simulate, and rank the harm."""
    request = parsed(ClosureSweepRequest, options)
    with reading(warehouse) as con, _progress("closure", as_json) as step:
        session = session_for(con, profile, max_snap_m=request.max_snap_m)
        result = run_closure_sweep(session, request, progress=step)
    render.show(result, as_json, render.closure_sweep_lines)


@sweep.command("colocation")
@request_options(ColocationSweepRequest)
@profile_option
@warehouse_option
@json_option
def colocation(profile: str | None, warehouse: Path | None, as_json: bool, **options: Any) -> None:
    """Run every cross-service co-location pair as a full scenario (both services' cover, simulated), ranked."""
    request = parsed(ColocationSweepRequest, options)
    with reading(warehouse) as con, _progress("pair", as_json) as step:
        session = session_for(con, profile, max_snap_m=request.max_snap_m)
        result = run_colocation_sweep(session, request, progress=step)
    render.show(result, as_json, render.colocation_sweep_lines)


@sweep.command("parameters")
@click.argument("file", type=click.Path(path_type=Path))
@request_options(ParameterSweepRequest)
@profile_option
@warehouse_option
@json_option
def parameters(file: Path, profile: str | None, warehouse: Path | None, as_json: bool,
               **options: Any) -> None:
    """A scenario's simulated effect across a grid of one parameter (how much worse before it stops paying)."""
    request = parsed(ParameterSweepRequest, options)
    scen = load_scenario(file)
    with reading(warehouse) as con, _progress("run", as_json) as step:
        session = session_for(con, profile, max_snap_m=request.max_snap_m)
        result = run_parameter_sweep(session, scen, request, progress=step)
    render.show(result, as_json, render.parameter_sweep_lines)
