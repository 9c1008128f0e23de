"""The ``bluelight`` command-line tool.

Every command takes ``--warehouse``; reporting commands take ``--json``.
Errors a user can cause exit with status 2 and a one-paragraph message.
"""

from __future__ import annotations

import json
import logging
import math
import sys
from pathlib import Path

import click

from bluelight import __version__
from bluelight.errors import BluelightError, ConfigError
from bluelight.settings import warehouse_path
from bluelight.vocab import EMERGENCY_SERVICES, SERVICES

log = logging.getLogger("bluelight")

#: exit status of every error a user can cause (bad file, option or data); exit codes belong to the CLI alone
USER_ERROR = 2

warehouse_option = click.option(
    "--warehouse", "warehouse", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="Warehouse file (default: $BLUELIGHT_WAREHOUSE or data/warehouse/atlas.duckdb).")
json_option = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
partial_option = click.option("--accept-partial", is_flag=True,
                              help="Load the valid rows of a file that has invalid ones (rejects are kept).")
encoding_option = click.option("--encoding", default="utf-8", show_default=True, help="Text encoding of the file.")
map_option = click.option("--map", "mapping", multiple=True, metavar="OURS=THEIRS",
                          help="Column mapping for files with other headers, e.g. --map site_id=StationCode.")


def _mapping(pairs: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        if "=" not in pair:
            raise ConfigError(f"--map expects OURS=THEIRS, got {pair!r}")
        ours, theirs = pair.split("=", 1)
        out[ours.strip()] = theirs.strip()
    return out


def _json_safe(value):
    """NaN and infinity are not JSON: report them as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


def _emit(result, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(_json_safe(result), indent=2, default=str, allow_nan=False))
        return
    rows = result if isinstance(result, list) else [result]
    for r in rows:
        if isinstance(r, dict) and "status" in r and "files" in r:
            click.echo(f"{r['status']:>9}  {r['dataset']:<20} read {r['rows_read']:>6}  loaded {r['rows_loaded']:>6}  "
                       f"unchanged {r['rows_unchanged']:>6}  rejected {r['rows_rejected']:>4}  {', '.join(r['files'])}"
                       + (f"\n           {r['message']}" if r.get("message") else ""))
        else:
            click.echo(json.dumps(r, indent=2, default=str))


def _open(warehouse, *, read_only: bool = False):
    from bluelight.etl.warehouse import connect

    return connect(warehouse_path(warehouse), read_only=read_only)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="bluelight")
@click.option("-v", "--verbose", count=True, help="More logging (-v info, -vv debug).")
def cli(verbose: int) -> None:
    """Blue Light Atlas: cover, co-location and standby planning for UK blue-light services."""
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


@cli.group()
def etl() -> None:
    """Load data into the warehouse (one transaction per file, recorded in load_runs)."""


@etl.command("demo")
@warehouse_option
@json_option
@click.option("--synthetic", is_flag=True, help="Skip real data and load a synthetic region.")
@click.option("--synthetic-nodes", default=4000, show_default=True, help="Size of a synthetic region.")
@click.option("--offline", is_flag=True, help="Never try to download from publishers.")
def etl_demo(warehouse, as_json, synthetic, synthetic_nodes, offline) -> None:
    """Load the whole demo (real London data when found, else download, else synthetic)."""
    from bluelight.etl.demo import load_demo
    from bluelight.etl.sources import resolve_data_source

    source = resolve_data_source(prefer="synthetic" if synthetic else "auto", synthetic_nodes=synthetic_nodes,
                                 allow_download=False if offline else None)
    if not as_json:
        click.echo(f"data source: {source.kind} ({source.path})" + ("  [SYNTHETIC]" if source.synthetic else ""))
    con = _open(warehouse)
    try:
        summaries = load_demo(con, source, progress=not as_json)
    finally:
        con.close()
    _emit([s.as_dict() for s in summaries], as_json)


@etl.command("roads")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@warehouse_option
@json_option
@click.option("--profile", default=None, help="Speed profile for the stored edge travel times (default: latest).")
def etl_roads(files, warehouse, as_json, profile) -> None:
    """Replace the road network with the composition of FILES (.graphml, .osm, .osm.bz2, .osm.pbf)."""
    from bluelight.etl.roads import load_roads

    with _closing(warehouse) as con:
        _emit(load_roads(con, list(files), profile=profile).as_dict(), as_json)


@etl.command("sites")
@click.argument("file", type=click.Path(path_type=Path))
@warehouse_option
@json_option
@click.option("--service", type=click.Choice(SERVICES), default=None,
              help="Service of rows that do not say (generic files).")
@map_option
@encoding_option
@partial_option
def etl_sites(file, warehouse, as_json, service, mapping, encoding, accept_partial) -> None:
    """Load sites from a CSV (known layouts detected by header), GeoJSON or GeoPackage."""
    from bluelight.etl.sites import load_sites

    with _closing(warehouse) as con:
        _emit(load_sites(con, file, service=service, mapping=_mapping(mapping), encoding=encoding,
                         accept_partial=accept_partial).as_dict(), as_json)


@etl.command("sites-from-osm")
@click.argument("file", type=click.Path(path_type=Path))
@warehouse_option
@json_option
@partial_option
def etl_sites_osm(file, warehouse, as_json, accept_partial) -> None:
    """Load fire, police and ambulance stations tagged in an OSM extract (.osm.pbf, .osm)."""
    from bluelight.etl.osm_pois import load_osm_sites

    with _closing(warehouse) as con:
        _emit(load_osm_sites(con, file, accept_partial=accept_partial).as_dict(), as_json)


@etl.command("incidents")
@click.argument("file", type=click.Path(path_type=Path))
@warehouse_option
@json_option
@click.option("--service", type=click.Choice(SERVICES), default=None)
@map_option
@encoding_option
@partial_option
def etl_incidents(file, warehouse, as_json, service, mapping, encoding, accept_partial) -> None:
    """Load incidents (LFB incident or mobilisation schema detected by header, or generic CSV)."""
    from bluelight.etl.incidents import load_incidents

    with _closing(warehouse) as con:
        _emit(load_incidents(con, file, service=service, mapping=_mapping(mapping), encoding=encoding,
                             accept_partial=accept_partial).as_dict(), as_json)


@etl.command("population")
@click.argument("file", type=click.Path(path_type=Path))
@warehouse_option
@json_option
@click.option("--year", type=int, default=None)
@click.option("--zone-kind", default=None, help="Zone geography, e.g. lsoa11.")
@map_option
@encoding_option
@partial_option
def etl_population(file, warehouse, as_json, year, zone_kind, mapping, encoding, accept_partial) -> None:
    """Load zone population-weighted centroids with population by age band."""
    from bluelight.etl.population import load_population

    with _closing(warehouse) as con:
        _emit(load_population(con, file, year=year, zone_kind=zone_kind, mapping=_mapping(mapping),
                              encoding=encoding, accept_partial=accept_partial).as_dict(), as_json)


@etl.command("targets")
@click.argument("file", required=False, type=click.Path(path_type=Path))
@warehouse_option
@json_option
@partial_option
def etl_targets(file, warehouse, as_json, accept_partial) -> None:
    """Load response-time standards (default: the cited config/targets.yaml)."""
    from bluelight.etl.targets import load_targets

    with _closing(warehouse) as con:
        _emit(load_targets(con, file, accept_partial=accept_partial).as_dict(), as_json)


@etl.command("scenarios")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@warehouse_option
@json_option
def etl_scenarios(files, warehouse, as_json) -> None:
    """Record scenario YAML files (e.g. those the dashboard saved in data/scenarios) in the warehouse."""
    from bluelight.etl.scenarios import load_scenarios

    with _closing(warehouse) as con:
        _emit(load_scenarios(con, list(files)).as_dict(), as_json)


@etl.command("boundaries")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--kind", required=True, help="Boundary kind, e.g. borough, lsoa.")
@click.option("--code-field", default=None)
@click.option("--name-field", default=None)
@warehouse_option
@json_option
@partial_option
def etl_boundaries(file, kind, code_field, name_field, warehouse, as_json, accept_partial) -> None:
    """Load area polygons (GeoJSON, GeoPackage, shapefile)."""
    from bluelight.etl.boundaries import load_boundaries

    with _closing(warehouse) as con:
        _emit(load_boundaries(con, file, kind=kind, code_field=code_field, name_field=name_field,
                              accept_partial=accept_partial).as_dict(), as_json)


@cli.command("status")
@warehouse_option
@json_option
def status(warehouse, as_json) -> None:
    """Row counts, sites by service and status, incidents by category, the network and the data source."""
    from bluelight.etl.status import warehouse_status

    con = _open(warehouse, read_only=True)
    try:
        result = warehouse_status(con)
    finally:
        con.close()
    if as_json:
        _emit(result, True)
        return
    ds = result["data_source"]
    click.echo(f"data source: {ds['kind']} {ds['path'] or ''}" + ("  [SYNTHETIC]" if ds["synthetic"] else ""))
    for t, n in result["tables"].items():
        click.echo(f"  {t:<14} {n:>8}")
    for svc, e in result["sites"].items():
        click.echo(f"  sites {svc:<10} {e['total']:>5}  {e['by_status']}  (+{e['duplicates']} duplicates)")
    if result["road_network"]:
        rn = result["road_network"]
        click.echo(f"  road network: {rn['nodes']} nodes, {rn['edges']} edges, {rn['nodes_dropped']} nodes dropped")


@cli.command("synthetic")
@click.option("--nodes", default=4000, show_default=True, help="Approximate number of road nodes.")
@click.option("--seed", default=0, show_default=True)
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path))
def synthetic(nodes, seed, out) -> None:
    """Write a clearly labelled synthetic region (roads, sites, population, incidents) to OUT."""
    from bluelight.etl.synthetic import generate_region, write_region

    paths = write_region(generate_region(nodes, seed=seed), out)
    for k, p in paths.items():
        click.echo(f"{k:<11} {p}")


profile_option = click.option("--profile", default=None,
                              help="Speed profile name or YAML path (default: the latest calibrated version).")


@cli.command("coverage")
@click.option("--service", required=True, type=click.Choice(EMERGENCY_SERVICES))
@click.option("--threshold-s", required=True, type=float, help="Response standard in seconds, e.g. 360.")
@click.option("--demand", type=click.Choice(["population", "incidents"]), default="population", show_default=True)
@click.option("--scenario", "scenario_file", type=click.Path(path_type=Path), default=None,
              help="Scenario YAML of changes to the estate; reports before and after.")
@click.option("--as-of", default=None, help="Estate as on this date (YYYY-MM-DD), e.g. before the 2014 closures.")
@click.option("--age-band", default="all", show_default=True, help="Population age band: all, 0-15, ..., 65+.")
@click.option("--category", "categories", multiple=True, help="Incident categories (repeatable).")
@click.option("--cutoff-s", default=1800.0, show_default=True, help="Longest drive searched from a site.")
@click.option("--by-area", is_flag=True, help="Add a breakdown by area (borough).")
@profile_option
@warehouse_option
@json_option
def coverage(service, threshold_s, demand, scenario_file, as_of, age_band, categories, cutoff_s, by_area, profile,
             warehouse, as_json) -> None:
    """Share of demand within a response standard, mean and 90th centile, against the targets."""
    from bluelight.analysis.speeds import load_profile
    from bluelight.services.coverage import run_coverage
    from bluelight.analysis.scenario import load_scenario

    prof = load_profile(profile)
    scen = load_scenario(scenario_file) if scenario_file else None
    con = _open(warehouse, read_only=True)
    try:
        result = run_coverage(con, service=service, threshold_s=threshold_s, demand=demand, profile=prof,
                              scenario=scen, as_of=as_of, age_band=age_band, categories=list(categories) or None,
                              cutoff_s=cutoff_s, by_area=by_area)
    finally:
        con.close()
    if as_json:
        _emit(result, True)
        return
    for part in [result["baseline"]] + ([result["scenario"]] if "scenario" in result else []):
        s = part["summary"]
        click.echo(f"{part['label']}: {result['service']} within {threshold_s:.0f} s: "
                   f"{100 * (s['share_within'] or 0):.1f}% (modelled with variability {100 * (s['share_within_modelled'] or 0):.1f}%),"
                   f" mean {s['mean_s'] or float('nan'):.0f} s, p90 {s['p90_s'] or float('inf'):.0f} s; "
                   f"demand {s['demand_total']:,.0f}, off network {s['demand_off_network']:,.0f}, "
                   f"unreached {s['demand_unreached']:,.0f}  [profile {result['profile']}]")


@cli.command("isochrones")
@click.option("--site", "site_id", default=None, help="One site's isochrones.")
@click.option("--service", default=None, type=click.Choice(EMERGENCY_SERVICES),
              help="Merged isochrones of every open site of a service.")
@click.option("--bands", default="300,480,600", show_default=True, help="Band limits in seconds, comma-separated.")
@click.option("--drive-only", is_flag=True, help="Drive time only (default: response = turnout + drive).")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Output .geojson (WGS84) or .gpkg (EPSG:27700).")
@profile_option
@warehouse_option
def isochrones(site_id, service, bands, drive_only, out, profile, warehouse) -> None:
    """Isochrone polygons for a site or a whole service, written as GeoJSON or GeoPackage."""
    from bluelight.analysis.speeds import load_profile
    from bluelight.services.isochrones import run_isochrones

    if (site_id is None) == (service is None):
        raise ConfigError("give exactly one of --site or --service")
    try:
        band_list = [float(b) for b in bands.split(",") if b.strip()]
    except ValueError as exc:
        raise ConfigError(f"--bands must be numbers of seconds separated by commas, got {bands!r}") from exc
    con = _open(warehouse, read_only=True)
    try:
        gdf = run_isochrones(con, load_profile(profile), bands_s=band_list, site_id=site_id, service=service,
                             include_turnout=not drive_only)
    finally:
        con.close()
    suffix = out.suffix.lower()
    if suffix not in {".geojson", ".json", ".gpkg"}:
        raise ConfigError(f"--out must end in .geojson or .gpkg, got {out.name}")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f"{out.stem}.partial{out.suffix}")
    if suffix == ".gpkg":
        gdf.to_file(tmp, driver="GPKG", layer="isochrones")
    else:
        gdf.to_crs("EPSG:4326").to_file(tmp, driver="GeoJSON")
    tmp.replace(out)
    click.echo(f"wrote {len(gdf)} bands to {out}")


@cli.command("calibrate")
@click.option("--fit", "fit_file", type=click.Path(path_type=Path), default=None,
              help="LFB-schema incident file to fit the speed profile to.")
@click.option("--evaluate", "eval_file", type=click.Path(path_type=Path), default=None,
              help="LFB-schema incident file to measure the profile's error on.")
@click.option("--folds", default=5, show_default=True)
@click.option("--profile-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where profiles are read and the fitted one written (default config/speed_profiles).")
@profile_option
@warehouse_option
@json_option
def calibrate(fit_file, eval_file, folds, profile_dir, profile, warehouse, as_json) -> None:
    """Fit the speed profile to real attendance times, or report its error against two baselines."""
    from bluelight.services.calibration import run_evaluate, run_fit

    if (fit_file is None) == (eval_file is None):
        raise ConfigError("give exactly one of --fit FILE or --evaluate FILE")
    con = _open(warehouse, read_only=True)
    try:
        if fit_file:
            result = run_fit(con, fit_file, base=profile, folds=folds, profile_dir=profile_dir)
        else:
            result = run_evaluate(con, eval_file, profile=profile, profile_dir=profile_dir)
    finally:
        con.close()
    if as_json:
        _emit(result, True)
        return
    for k, v in result.items():
        click.echo(f"{k}: {v}")


@cli.group()
def scenario() -> None:
    """Evaluate scenarios: changes to the estate, their effect on cover and their finance."""


@scenario.command("run")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--horizon-years", type=int, default=None, help="Appraisal horizon (default: the file's, else 30).")
@click.option("--discount-rate", type=float, default=None,
              help="Annual discount rate (default: the file's, else the Green Book rate).")
@profile_option
@warehouse_option
@json_option
def scenario_run(file, horizon_years, discount_rate, profile, warehouse, as_json) -> None:
    """Before and after cover of every service the scenario touches, areas that gain and lose, and NPV."""
    from bluelight.analysis.speeds import load_profile
    from bluelight.analysis.scenario import load_scenario
    from bluelight.services.scenarios import run_scenario

    scen = load_scenario(file)
    con = _open(warehouse, read_only=True)
    try:
        result = run_scenario(con, scen, load_profile(profile), horizon_years=horizon_years,
                              discount_rate=discount_rate)
    finally:
        con.close()
    if as_json:
        _emit(result, True)
        return
    click.echo(f"scenario: {result['scenario']} (profile {result['profile']})")
    for service, e in result["services"].items():
        ch = e["population"]["change"]
        b, a = e["population"]["before"]["summary"], e["population"]["after"]["summary"]
        click.echo(f"  {service}: sites {e['sites_before']} -> {e['sites_after']}; population within "
                   f"{e['threshold_s'] / 60:g} min {ch['demand_within_before']:,.0f} -> {ch['demand_within_after']:,.0f};"
                   f" mean {b['mean_s'] or 0:.0f} s -> {a['mean_s'] or 0:.0f} s")
        for cat, c in e["incidents"].items():
            click.echo(f"    {cat}: {c['change']['demand_within_before']:,.0f} -> {c['change']['demand_within_after']:,.0f}"
                       f" of {c['on_network']} on the network within the standard")
    f = result["finance"]
    click.echo(f"  NPV over {f['horizon_years']} years at {f['discount_rate']:.1%}: £{f['npv_gbp']:,.0f}"
               + ("" if f["complete"] else f"  (incomplete: missing {', '.join(f['missing'])})"))


@cli.group()
def colocation() -> None:
    """Co-location options: which sites of different services could share premises."""


@colocation.command("candidates")
@click.option("--max-travel-s", default=300.0, show_default=True, help="Longest drive from a site to its host.")
@click.option("--services", default="fire,police,ambulance", show_default=True)
@click.option("--limit", type=int, default=None, help="Show only the best N.")
@profile_option
@warehouse_option
@json_option
def colocation_candidates(max_travel_s, services, limit, profile, warehouse, as_json) -> None:
    """Every cross-service pair within the travel time, ranked by what the move does to cover and cost."""
    from bluelight.analysis.speeds import load_profile
    from bluelight.services.colocation import run_candidates

    con = _open(warehouse, read_only=True)
    try:
        result = run_candidates(con, load_profile(profile), max_travel_s=max_travel_s,
                                services=[s.strip() for s in services.split(",") if s.strip()], limit=limit)
    finally:
        con.close()
    if as_json:
        _emit(result, True)
        return
    click.echo(f"{result['pairs']} cross-service pairs within {max_travel_s:.0f} s (profile {result['profile']})")
    for c in result["candidates"]:
        click.echo(f"  {c['move_name']} ({c['service']}) into {c['into_name']} ({c['into_service']}), "
                   f"{c['drive_s']:.0f} s away: cover {100 * c['share_within_before']:.1f}% -> "
                   f"{100 * c['share_within_after']:.1f}%"
                   + ("" if c["meets_standard_after"] else "  [below standard]"))


@cli.command("dap")
@click.option("--k", "k", default=5, show_default=True, help="Ambulances to post (and the curve's length).")
@click.option("--model", type=click.Choice(["mclp", "mexclp", "dsm", "pmedian"]), default="mclp", show_default=True)
@click.option("--threshold-s", default=480.0, show_default=True, help="Response standard in seconds.")
@click.option("--threshold2-s", default=900.0, show_default=True, help="Double standard: everyone within this.")
@click.option("--alpha", default=0.75, show_default=True, help="Double standard: share within --threshold-s.")
@click.option("--candidates", default="fire,police", show_default=True, help="Services whose stations may be posts.")
@click.option("--band", default="all", show_default=True,
              help="Time band: night, morning, afternoon, evening or all, optionally -weekday / -weekend.")
@click.option("--all-bands", is_flag=True, help="Plan each of the eight standard bands.")
@click.option("--category", default="category_1", show_default=True, help="Demand category (expected demand).")
@click.option("--demand", type=click.Choice(["auto", "observed", "expected"]), default="auto", show_default=True,
              help="Observed ambulance incidents, or expected from population (auto: observed when loaded).")
@click.option("--busy-fraction", type=float, default=None, help="MEXCLP busy fraction (default: config/dap.yaml).")
@click.option("--max-per-site", default=1, show_default=True)
@click.option("--time-limit-s", default=60.0, show_default=True, help="Solver time limit per model.")
@click.option("--points", type=click.Path(path_type=Path), default=None,
              help="CSV of further candidate posts anywhere: name, easting, northing.")
@profile_option
@warehouse_option
@json_option
def dap(k, model, threshold_s, threshold2_s, alpha, candidates, band, all_bands, category, demand, busy_fraction,
        max_per_site, time_limit_s, points, profile, warehouse, as_json) -> None:
    """Dynamic Activation Posts: where k ambulances should wait, and what they add to cover."""
    from bluelight.analysis.speeds import load_profile
    from bluelight.services.coverage import CoverageRunner
    from bluelight.services.dap import DapRequest, run_dap

    request = DapRequest(k, model, threshold_s, threshold2_s, alpha,
                         tuple(c.strip() for c in candidates.split(",") if c.strip()), band, category, demand,
                         busy_fraction, max_per_site, time_limit_s)
    prof = load_profile(profile)
    con = _open(warehouse, read_only=True)
    try:
        result = run_dap(con, prof, request, runner=CoverageRunner(con, prof), every_band=all_bands, points=points)
    finally:
        con.close()
    if as_json:
        _emit(result, True)
        return
    for name, r in result["bands"].items():
        b, a = r["before"], r["after"]
        click.echo(f"{name}: {r['demand']['kind']} demand {r['demand_total']:,.0f} a year; {model} posts: "
                   f"{', '.join(p['name'] for p in r['posts'])} ({r['model']['status']}, gap {r['model']['mip_gap']:.1e})")
        click.echo(f"  within {threshold_s:.0f} s: {100 * b['share_within']:.1f}% -> {100 * a['share_within']:.1f}%; "
                   f"mean {b['mean_s']:.0f} -> {a['mean_s']:.0f} s")


@cli.command("coresponding")
@click.option("--stations", default=None, help="Fire stations that co-respond, comma-separated site ids (default: all).")
@click.option("--survival-model", type=click.Choice(["de_maio_2003", "waalewijn_2001", "larsen_1993_linear"]),
              default=None, help="Survival model (default: config/coresponding.yaml).")
@click.option("--bystander-cpr-share", type=float, default=None)
@click.option("--ambulance-busy-fraction", type=float, default=None,
              help="Share of time each station's ambulance is busy (0: always the nearest responds).")
@click.option("--time-on-scene-min", type=float, default=None, help="Appliance committed on scene per call.")
@click.option("--standard-s", type=float, default=None, help="Response standard for the 'fire only' map.")
@click.option("--curve", "n_curve", type=int, default=None, help="Stations in the enrolment curve (default: all).")
@profile_option
@warehouse_option
@json_option
def coresponding(stations, survival_model, bystander_cpr_share, ambulance_busy_fraction, time_on_scene_min,
                 standard_s, n_curve, profile, warehouse, as_json) -> None:
    """Where fire crews reach cardiac arrests first, the survivors that adds, and what it costs fire cover."""
    from bluelight.analysis.speeds import load_profile
    from bluelight.services.coresponding import analyse, load_params, read_inputs, to_json
    from bluelight.services.coverage import CoverageRunner

    params = load_params().with_overrides(survival_model=survival_model, bystander_cpr_share=bystander_cpr_share,
                                          ambulance_busy_fraction=ambulance_busy_fraction,
                                          time_on_scene_min=time_on_scene_min, standard_s=standard_s)
    prof = load_profile(profile)
    con = _open(warehouse, read_only=True)
    try:
        runner = CoverageRunner(con, prof)
        result = analyse(read_inputs(con), params, prof, snap=runner.snap, times=runner.cache.times,
                         enrolled=[s.strip() for s in stations.split(",") if s.strip()] if stations else None,
                         n_curve=n_curve)
    finally:
        con.close()
    out = to_json(result)
    if as_json:
        _emit(out, True)
        return
    s = out["summary"]
    click.echo(f"{s['enrolled_stations']} stations co-responding; fire first for {100 * s['share_fire_first']:.1f}% "
               f"of expected arrests (median {s['minutes_saved_median'] or 0:.1f} min saved); expected survivors "
               f"{s['survivors_without']:.2f} -> {s['survivors_with']:.2f} a year "
               f"(+{s['additional_survivors']:.2f}; model {s['survival_model']})")
    for r in out["stations"][:10]:
        click.echo(f"  {r['name']}: +{r['additional_survivors']:.3f} survivors a year, fire cover at risk while away "
                   f"{100 * r['fire_share_at_risk_while_away']:.1f}% x busy {100 * r['busy_fraction']:.2f}%")


@colocation.command("facility")
@click.option("--users", default="fire", show_default=True, help="Services whose stations travel to the facility.")
@click.option("--candidates", default="fire,police,ambulance", show_default=True,
              help="Services whose sites may host it.")
@click.option("--points", type=click.Path(path_type=Path), default=None,
              help="CSV of further candidate points: name, easting, northing[, annual_cost_gbp].")
@click.option("--k", "k", default=1, show_default=True, help="Number of facilities.")
@click.option("--objective", type=click.Choice(["total", "worst"]), default="total", show_default=True)
@click.option("--trips-per-year", default=12.0, show_default=True, help="Trips each user makes a year.")
@click.option("--value-of-time", type=float, default=None, help="£ per hour of trip time (generalised cost).")
@click.option("--limit", default=20, show_default=True, help="Rows of the single-site ranking shown.")
@profile_option
@warehouse_option
@json_option
def colocation_facility(users, candidates, points, k, objective, trips_per_year, value_of_time, limit, profile,
                        warehouse, as_json) -> None:
    """Where a shared HQ, workshop or training centre should be: least total or worst trip time."""
    from bluelight.analysis.speeds import load_profile
    from bluelight.services.facility import run_facility

    con = _open(warehouse, read_only=True)
    try:
        result = run_facility(con, load_profile(profile), users=[u.strip() for u in users.split(",") if u.strip()],
                              candidates=[c.strip() for c in candidates.split(",") if c.strip()], points=points,
                              k=k, objective=objective, trips_per_year=trips_per_year,
                              value_of_time_gbp_per_hour=value_of_time, limit=limit)
    finally:
        con.close()
    if as_json:
        _emit(result, True)
        return
    p = result["plan"]
    click.echo(f"{k} facilit{'y' if k == 1 else 'ies'} for {result['users']} {'/'.join(result['user_services'])} "
               f"sites ({objective}): {', '.join(p['chosen_names'])}; {p['trip_hours_per_year']:,.0f} trip hours a "
               f"year, mean trip {p['mean_trip_s']:.0f} s, worst {p['worst_trip_s']:.0f} s; annual cost "
               + (f"£{p['annual_cost_gbp']:,.0f}" if p["annual_cost_gbp"] is not None else
                  f"not recorded for {', '.join(p['cost_missing_for'])}"))


class _closing:
    """Open the warehouse for writing and always close it."""

    def __init__(self, warehouse):
        self.warehouse = warehouse

    def __enter__(self):
        self.con = _open(self.warehouse)
        return self.con

    def __exit__(self, *exc):
        self.con.close()
        return False


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI and turn project errors into a message and exit status 2."""
    try:
        cli.main(args=argv, prog_name="bluelight", standalone_mode=False)
    except BluelightError as exc:
        click.echo(f"error: {exc}", err=True)
        return USER_ERROR
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
