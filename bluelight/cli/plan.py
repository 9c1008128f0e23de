"""The planning commands: cover, scenarios, co-location, DAPs, co-responding, availability, national estimates.

Each command parses its options into the request of one use case, calls that
service by name, and hands its typed result to :mod:`bluelight.cli.render`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from tqdm import tqdm

from bluelight.cli import render
from bluelight.cli.options import (
    data_dir,
    json_option,
    parsed,
    profile_option,
    reading,
    request_options,
    session_for,
    snap,
    snap_option,
    warehouse_option,
)
from bluelight.foundation.errors import ConfigError
from bluelight.services.batch import BatchRequest, run_batch
from bluelight.services.calibration import CalibrationCheck, CalibrationFit, run_evaluate, run_fit
from bluelight.services.colocation import CandidatesRequest, run_candidates
from bluelight.services.coresponding import CorespondingRequest, run_coresponding
from bluelight.services.coverage import CoverageRequest, run_coverage
from bluelight.services.dap import DapRequest, run_dap
from bluelight.services.executive import run_executive
from bluelight.services.facility import FacilityRequest, run_facility
from bluelight.services.isochrones import IsochroneRequest, run_isochrones
from bluelight.services.national import NationalRequest, run_national
from bluelight.services.scenarios import AppraisalRequest, appraise_options, load_scenario, run_scenario
from bluelight.services.simulation import SimulationRequest, run_simulation, validate


@click.command("coverage")
@request_options(CoverageRequest)
@click.option("--scenario", "scenario_file", type=click.Path(path_type=Path), default=None,
              help="Scenario YAML of changes to the estate; reports before and after.")
@profile_option
@warehouse_option
@json_option
def coverage(scenario_file: Path | None, profile: str | None, warehouse: Path | None, as_json: bool,
             **options: Any) -> None:
    """Share of demand within a response standard, mean and 90th centile, against the targets."""
    request = parsed(CoverageRequest, options)
    scen = load_scenario(scenario_file) if scenario_file else None
    with reading(warehouse) as con:
        result = run_coverage(session_for(con, profile, cutoff_s=request.cutoff_s, max_snap_m=request.max_snap_m),
                              request, scenario=scen)
    render.show(result, as_json, render.coverage_lines, request)


@click.command("executive")
@profile_option
@warehouse_option
@json_option
def executive(profile: str | None, warehouse: Path | None, as_json: bool) -> None:
    """Every service's cover of every area against its standard, with the share of each area assessed."""
    with reading(warehouse) as con:
        result = run_executive(session_for(con, profile))
    render.show(result, as_json, render.executive_lines)


@click.command("national")
@request_options(NationalRequest)
@click.option("--service", "service", type=click.Choice(["fire", "ambulance"]), default="fire", show_default=True,
              help="fire: every fire and rescue service against FIRE1001; ambulance: every trust against AmbSYS.")
@click.option("--ambsys", "ambsys", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="An AmbSYS CSV of other months (default: the data directory's); the fit uses only its months.")
@click.option("--lsoas", "with_lsoas", is_flag=True, help="Add every LSOA's estimate to the JSON (34,000 rows).")
@json_option
def national(service: str, ambsys: Path | None, with_lsoas: bool, as_json: bool, **options: Any) -> None:
    """Every English fire and rescue service (FIRE1001) or ambulance trust (AmbSYS) estimated without road data."""
    if service == "ambulance":
        from bluelight.services.ambulance_national import run_ambulance_national

        render.show(run_ambulance_national(data_dir(), ambsys=ambsys), as_json, render.national_ambulance_lines)
        return
    request = parsed(NationalRequest, options)
    render.show(run_national(data_dir(), request, with_lsoas=with_lsoas), as_json, render.national_fire_lines)


@click.command("batch")
@request_options(BatchRequest)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Directory to write each task's result to (one JSON file per task).")
@json_option
def batch(out: Path | None, as_json: bool, **options: Any) -> None:
    """Many national estimates at once (every FIRE1001 year or fire type), serially or on a Dask cluster."""
    request = parsed(BatchRequest, options)
    render.show(run_batch(data_dir(), request, out=out), as_json, render.batch_lines)


@click.command("isochrones")
@request_options(IsochroneRequest)
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Output .geojson (WGS84) or .gpkg (EPSG:27700).")
@snap_option
@profile_option
@warehouse_option
def isochrones(max_snap_m: str | None, out: Path, profile: str | None, warehouse: Path | None,
               **options: Any) -> None:
    """Isochrone polygons for a site or a whole service, written as GeoJSON or GeoPackage."""
    request = parsed(IsochroneRequest, options)
    suffix = out.suffix.lower()
    if suffix not in {".geojson", ".json", ".gpkg"}:
        raise ConfigError(f"--out must end in .geojson or .gpkg, got {out.name}")
    with reading(warehouse) as con:
        gdf = run_isochrones(session_for(con, profile, cutoff_s=max(request.bands), max_snap_m=snap(max_snap_m)),
                             request)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f"{out.stem}.partial{out.suffix}")
    if suffix == ".gpkg":
        gdf.to_file(tmp, driver="GPKG", layer="isochrones")
    else:
        gdf.to_crs("EPSG:4326").to_file(tmp, driver="GeoJSON")
    tmp.replace(out)
    click.echo(f"wrote {len(gdf)} bands to {out}")


@click.command("calibrate")
@click.option("--fit", "fit_file", type=click.Path(path_type=Path), default=None,
              help="LFB-schema incident file to fit the speed profile to.")
@click.option("--evaluate", "eval_file", type=click.Path(path_type=Path), default=None,
              help="LFB-schema incident file to measure the profile's error on.")
@click.option("--folds", default=5, show_default=True)
@click.option("--profile-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="A directory of profiles to read and write instead of the shipped ones and the user's "
                   "configuration directory (where --fit writes by default).")
@click.option("--profile", default=None, help="Speed profile name or YAML path (default: the latest calibrated); "
              "the error is reported for all hours and by traffic period.")
@warehouse_option
@json_option
def calibrate(fit_file: Path | None, eval_file: Path | None, folds: int, profile_dir: Path | None,
              profile: str | None, warehouse: Path | None, as_json: bool) -> None:
    """Fit the speed profile to real attendance times, or report its error against two baselines."""
    given = [f for f in (fit_file, eval_file) if f is not None]
    if len(given) != 1:
        raise ConfigError("give exactly one of --fit FILE or --evaluate FILE")
    with reading(warehouse) as con:
        result: CalibrationFit | CalibrationCheck = (
            run_fit(con, given[0], base=profile, folds=folds, profile_dir=profile_dir) if fit_file else
            run_evaluate(con, given[0], profile=profile, profile_dir=profile_dir))
    render.show(result, as_json, render.calibration_lines)


@click.group()
def scenario() -> None:
    """Evaluate scenarios: changes to the estate, their effect on cover and their finance."""


@scenario.command("run")
@click.argument("file", type=click.Path(path_type=Path))
@request_options(AppraisalRequest)
@snap_option
@profile_option
@warehouse_option
@json_option
def scenario_run(max_snap_m: str | None, file: Path, profile: str | None, warehouse: Path | None, as_json: bool,
                 **options: Any) -> None:
    """Before and after cover of every service the scenario touches, areas that gain and lose, and NPV."""
    request = parsed(AppraisalRequest, options)
    scen = load_scenario(file)
    with reading(warehouse) as con:
        result = run_scenario(session_for(con, profile, max_snap_m=snap(max_snap_m)), scen, request)
    render.show(result, as_json, render.scenario_lines)


@scenario.command("appraise")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--do-minimum", "do_minimum", type=click.Path(path_type=Path), default=None,
              help="A scenario of what must be spent anyway (default: keep the estate as it is, NPSV 0).")
@request_options(AppraisalRequest)
@snap_option
@profile_option
@warehouse_option
@json_option
def scenario_appraise(max_snap_m: str | None, files: tuple[Path, ...], do_minimum: Path | None, profile: str | None,
                      warehouse: Path | None, as_json: bool, **options: Any) -> None:
    """Options side by side against the do-minimum: NPSV, optimism bias, payback and switching values."""
    request = parsed(AppraisalRequest, options)
    choices = [load_scenario(f) for f in files]
    base = load_scenario(do_minimum) if do_minimum else None
    with reading(warehouse) as con:
        result = appraise_options(session_for(con, profile, max_snap_m=snap(max_snap_m)), choices, request,
                                  do_minimum=base)
    render.show(result, as_json, render.appraisal_lines)


@click.group()
def colocation() -> None:
    """Co-location options: which sites of different services could share premises."""


@colocation.command("candidates")
@request_options(CandidatesRequest)
@snap_option
@profile_option
@warehouse_option
@json_option
def colocation_candidates(max_snap_m: str | None, profile: str | None, warehouse: Path | None, as_json: bool,
                          **options: Any) -> None:
    """Every cross-service pair within the travel time, ranked by what the move does to cover and cost."""
    request = parsed(CandidatesRequest, options)
    with reading(warehouse) as con:
        result = run_candidates(session_for(con, profile, max_snap_m=snap(max_snap_m)), request)
    render.show(result, as_json, render.candidates_lines, request)


@colocation.command("facility")
@request_options(FacilityRequest)
@click.option("--points", type=click.Path(path_type=Path), default=None,
              help="CSV of further candidate points: name, easting, northing[, annual_cost_gbp].")
@snap_option
@profile_option
@warehouse_option
@json_option
def colocation_facility(max_snap_m: str | None, points: Path | None, profile: str | None, warehouse: Path | None,
                        as_json: bool, **options: Any) -> None:
    """Where a shared HQ, workshop or training centre should be: least total or worst trip time."""
    request = parsed(FacilityRequest, options)
    with reading(warehouse) as con:
        result = run_facility(session_for(con, profile, max_snap_m=snap(max_snap_m)), request, points=points)
    render.show(result, as_json, render.facility_lines, request)


@click.command("dap")
@request_options(DapRequest)
@click.option("--all-bands", is_flag=True, help="Plan each of the eight standard bands.")
@click.option("--points", type=click.Path(path_type=Path), default=None,
              help="CSV of further candidate posts anywhere: name, easting, northing.")
@profile_option
@warehouse_option
@json_option
def dap(all_bands: bool, points: Path | None, profile: str | None, warehouse: Path | None, as_json: bool,
        **options: Any) -> None:
    """Dynamic Activation Posts: where k ambulances should wait, and what they add to cover."""
    request = parsed(DapRequest, options)
    with reading(warehouse) as con:
        result = run_dap(session_for(con, profile, max_snap_m=request.max_snap_m), request, every_band=all_bands,
                         points=points)
    render.show(result, as_json, render.dap_lines, request)


@click.command("coresponding")
@request_options(CorespondingRequest, skip=("survival_parameters",))
@profile_option
@warehouse_option
@json_option
def coresponding(profile: str | None, warehouse: Path | None, as_json: bool, **options: Any) -> None:
    """Where fire crews reach cardiac arrests first, the survivors that adds, and what it costs fire cover."""
    request = parsed(CorespondingRequest, options)
    with reading(warehouse) as con:
        result = run_coresponding(session_for(con, profile, max_snap_m=request.max_snap_m), request)
    render.show(result, as_json, render.coresponding_lines)


@click.command("simulate")
@request_options(SimulationRequest)
@click.option("--scenario", "scenario_file", type=click.Path(path_type=Path), default=None,
              help="Scenario YAML of changes to the estate; adds the after figures and each station's workload change.")
@click.option("--validate", "validate_files", multiple=True, type=click.Path(path_type=Path),
              help="Compare simulated with actual attendance on the warehouse's incidents and on this incident "
                   "file (LFB incident schema or generic CSV with first_arrival_s). Repeatable.")
@click.option("--validate-in-sample", is_flag=True, help="Compare simulated with actual on the warehouse's incidents.")
@profile_option
@warehouse_option
@json_option
def simulate(scenario_file: Path | None, validate_files: tuple[Path, ...], validate_in_sample: bool,
             profile: str | None, warehouse: Path | None, as_json: bool, **options: Any) -> None:
    """Vehicles are not always free: simulate the fleet answering its incidents, with confidence intervals."""
    request = parsed(SimulationRequest, options)
    scen = load_scenario(scenario_file) if scenario_file else None
    with reading(warehouse) as con, tqdm(total=request.replications * (1 + len(validate_files)), unit="replication",
                                         disable=as_json, leave=False) as bar:
        session = session_for(con, profile, max_snap_m=request.max_snap_m)

        def step(done: int, total: int) -> None:
            bar.update(1)

        if validate_files or validate_in_sample:
            checked = validate(session, request, files=tuple(validate_files), progress=step)
            render.show(checked, as_json, render.validation_lines)
            return
        result = run_simulation(session, request, scenario=scen, progress=step)
    render.show(result, as_json, render.simulation_lines, request)
