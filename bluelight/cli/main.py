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
from bluelight.errors import BluelightError, ConfigError, ValidationError, WarehouseError
from bluelight.services.colocation import CandidatesRequest
from bluelight.services.batch import BatchRequest
from bluelight.services.national import NationalRequest
from bluelight.services.coresponding import CorespondingRequest
from bluelight.services.simulation import SimulationRequest
from bluelight.services.coverage import CoverageRequest
from bluelight.services.dap import DapRequest
from bluelight.services.facility import FacilityRequest
from bluelight.services.isochrones import IsochroneRequest
from bluelight.services.scenarios import AppraisalRequest
from bluelight.settings import warehouse_path
from bluelight.vocab import SERVICES

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
    with _closing(warehouse) as con:
        summaries = load_demo(con, source, progress=not as_json)
    _emit([s.as_dict() for s in summaries], as_json)


@etl.command("region")
@click.option("--roads", "roads", default=None, type=click.Path(path_type=Path),
              help="OpenStreetMap extract of the area (.osm.pbf, .osm, .osm.bz2), clipped or not.")
@click.option("--name", default=None,
              help="The area (a county or unitary authority, e.g. 'Rutland'); without --roads its extract is "
                   "downloaded from the publisher (bluelight/config/region_sources.yaml), checksum-checked.")
@warehouse_option
@json_option
def etl_region(roads, name, warehouse, as_json) -> None:
    """Load your own area: roads, stations, population, boundaries, duty systems and standards, step by step."""
    from bluelight.etl.region import load_region
    from bluelight.settings import cache_dir, configured_data_dir

    if roads is None and name is None:
        raise ConfigError("give --roads FILE (an OpenStreetMap extract) or --name AREA to download one")
    source = configured_data_dir()
    data_dir = source.path if source else None
    if roads is None or data_dir is None:
        from bluelight.etl.fetch import fetch_national, fetch_osm

        roads = roads or fetch_osm(name, cache_dir())
        data_dir = data_dir or fetch_national(cache_dir())
    with _closing(warehouse) as con:
        report = load_region(con, roads, data_dir=data_dir, name=name)
    if as_json:
        _emit(report.as_dict(), True)
        return
    click.echo(f"region {report.name}: speed profile {report.profile} ({report.profile_reason})")
    for step in report.steps:
        click.echo(f"  {step.step:<26} {step.status:<9} {step.found}")
        if step.missing:
            click.echo(f"  {'':<26} {'':<9} not found: {step.missing}")


@etl.command("roads")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@warehouse_option
@json_option
@click.option("--profile", default=None, help="Speed profile for the stored edge travel times (default: latest).")
@click.option("--stream/--no-stream", default=None,
              help="Stream one .osm.pbf/.osm extract into arrays instead of building a graph of it (default: a "
                   "single .osm.pbf over 50 MB streams).")
def etl_roads(files, warehouse, as_json, profile, stream) -> None:
    """Replace the road network with the composition of FILES (.graphml, .osm, .osm.bz2, .osm.pbf)."""
    from bluelight.etl.roads import load_roads

    with _closing(warehouse) as con:
        _emit(load_roads(con, list(files), profile=profile, stream=stream).as_dict(), as_json)


@etl.command("sites")
@click.argument("file", type=click.Path(path_type=Path))
@warehouse_option
@json_option
@click.option("--service", type=click.Choice(SERVICES), default=None,
              help="Service of rows that do not say (generic files).")
@map_option
@encoding_option
@partial_option
@click.option("--snapshot", is_flag=True,
              help="The file is the whole list of its source: close that source's sites it no longer holds.")
def etl_sites(file, warehouse, as_json, service, mapping, encoding, accept_partial, snapshot) -> None:
    """Load sites from a CSV (known layouts detected by header), GeoJSON or GeoPackage."""
    from bluelight.etl.sites import load_sites

    with _closing(warehouse) as con:
        _emit(load_sites(con, file, service=service, mapping=_mapping(mapping), encoding=encoding,
                         accept_partial=accept_partial, snapshot=snapshot).as_dict(), as_json)


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


@etl.command("police-crime")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@warehouse_option
@json_option
@partial_option
def etl_police_crime(files, warehouse, as_json, accept_partial) -> None:
    """Load police.uk street-level crime (monthly files) as police demand (recorded crime, not calls)."""
    from bluelight.etl.police_crime import load_police_crime

    with _closing(warehouse) as con:
        _emit([s.as_dict() for s in load_police_crime(con, list(files), accept_partial=accept_partial)], as_json)


@etl.command("population")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--counts", type=click.Path(path_type=Path), default=None,
              help="With the ONS LSOA centroid file: the ONS single-year-of-age table (.csv or .csv.gz).")
@warehouse_option
@json_option
@click.option("--year", type=int, default=None)
@click.option("--zone-kind", default=None, help="Zone geography, e.g. lsoa11.")
@map_option
@encoding_option
@partial_option
def etl_population(file, counts, warehouse, as_json, year, zone_kind, mapping, encoding, accept_partial) -> None:
    """Load zone population-weighted centroids with population by age band."""
    from bluelight.etl.population import load_population

    with _closing(warehouse) as con:
        _emit(load_population(con, file, counts=counts, year=year, zone_kind=zone_kind, mapping=_mapping(mapping),
                              encoding=encoding, accept_partial=accept_partial).as_dict(), as_json)


@etl.command("ambsys")
@click.argument("file", type=click.Path(path_type=Path))
@warehouse_option
@json_option
@partial_option
def etl_ambsys(file, warehouse, as_json, accept_partial) -> None:
    """Load NHS England AmbSYS (ambulance trusts' incidents and response times by month)."""
    from bluelight.etl.ambsys import load_ambsys, trust_codes

    with _closing(warehouse) as con:
        _emit(load_ambsys(con, file, trusts=trust_codes(), accept_partial=accept_partial).as_dict(), as_json)


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
        click.echo(f"  {t:<14} {n if n is not None else 'absent (an older warehouse: reload to add it)':>8}")
    for svc, e in result["sites"].items():
        click.echo(f"  sites {svc:<10} {e['total']:>5}  {e['by_status']}  (+{e['duplicates']} duplicates)")
    if result["road_network"]:
        rn = result["road_network"]
        click.echo(f"  road network: {rn['nodes']} nodes, {rn['edges']} edges, {rn['nodes_dropped']} nodes dropped")
    click.echo("  recent loads (new or changed / unchanged / rejected rows):")
    for c in result["recent_changes"]:
        extra = "; ".join(f"{n} {k}" for k, n in c["site_changes"].items())
        click.echo(f"    run {c['run_id']:>4} {c['at']} {c['dataset']:<22} {c['status']:<8} {c['rows_loaded']:>7} / "
                   f"{c['rows_unchanged']:>7} / {c['rows_rejected']:>5}" + (f"  sites: {extra}" if extra else ""))


@cli.command("check")
@click.option("--no-repair", is_flag=True, help="Only report; change nothing.")
@warehouse_option
@json_option
def check(no_repair, warehouse, as_json) -> None:
    """Check the warehouse against its load history; repair what is safe (orphan rows) and report the rest."""
    from bluelight.etl.integrity import check_warehouse
    from bluelight.etl.warehouse import connect

    con = connect(warehouse_path(warehouse), read_only=no_repair)
    try:
        report = check_warehouse(con, repair=not no_repair)
    finally:
        con.close()
    if as_json:
        _emit(report, True)
    else:
        click.echo(f"warehouse {'ok' if report['ok'] else 'has problems'}: {report['load_runs']} loads recorded")
        for line in report["repaired"]:
            click.echo(f"  repaired: {line}")
        for line in report["problems"]:
            click.echo(f"  problem: {line}")
    if not report["ok"]:
        raise WarehouseError("the warehouse has problems that cannot be repaired safely: " + "; ".join(report["problems"]))


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


def _remember_band(ctx, _param, value):
    """Checked by the field every page binds (the same message as beside the page's control)."""
    from bluelight.services.requests import HOUR_BAND_FIELD

    try:
        ctx.meta["hour_band"] = HOUR_BAND_FIELD.parse(value)
    except ValidationError as exc:
        raise click.BadParameter(exc.errors[exc.field]) from None
    return value


def profile_option(fn):
    """``--profile`` and ``--hour-band``: which speed profile, and whose hours' times (all hours by default)."""
    from bluelight.services.requests import HOUR_BAND_FIELD

    fn = click.option("--hour-band", metavar="|".join(HOUR_BAND_FIELD.choices), default="all", expose_value=False,
                      callback=_remember_band, is_eager=True,
                      help="Times for one hour band of the profile (night 22-07, weekday peak 07-10 and 16-19, "
                           "off_peak the rest) instead of all hours. [default: all]")(fn)
    return click.option("--profile", default=None,
                        help="Speed profile name or YAML path (default: the area's, else the latest calibrated).")(fn)


def snap_option(fn):
    """``--max-snap-m``, from the one field every command and page shares."""
    from bluelight.services.requests import SNAP_FIELD

    return click.option(SNAP_FIELD.option, "max_snap_m", default=None, metavar="N",
                        help=f"{SNAP_FIELD.help} [default: {SNAP_FIELD.default:g}] Allowed: {SNAP_FIELD.range_text()}.")(fn)


def _snap(value) -> float:
    from bluelight.services.requests import SNAP_FIELD

    return SNAP_FIELD.default if value is None else SNAP_FIELD.parse(value)


def request_options(request_cls, *, skip: tuple[str, ...] = ()):
    """Click options built from a request's fields: the same names, defaults, ranges and help as the pages.

    Values arrive as text and are validated by the request, so that a bad
    value gets the message the dashboard shows beside its control.
    """
    from bluelight.services.requests import HOUR_BAND_FIELD

    def decorate(fn):
        for f in reversed(request_cls.FIELDS):
            if f.name in skip or f.name == HOUR_BAND_FIELD.name:       # --hour-band comes with --profile
                continue
            rng = f.range_text()
            text = " ".join(part for part in (f.help or f.label + ".", _default_text(f),
                                              f"Allowed: {rng}." if rng else "") if part)
            if f.kind is bool:
                fn = click.option(f.option, f.name, is_flag=True, default=False, help=text)(fn)
            elif f.kind is list:
                fn = click.option(f.option, f.name, multiple=True, metavar="A,B", help=text + " Repeatable.")(fn)
            elif f.kind is dict:
                fn = click.option(f.option, f.name, multiple=True, metavar="KEY=VALUE",
                                  help=text + " Comma-separated or repeatable.")(fn)
            else:
                metavar = "|".join(f.choices) if f.choices and len(f.choices) <= 6 else \
                    "N" if f.kind in (int, float) else "TEXT"
                fn = click.option(f.option, f.name, default=None, metavar=metavar, help=text)(fn)
        return fn
    return decorate


def _default_text(f) -> str:
    if f.default is None or f.default == ():
        return ""
    shown = ",".join(f.default) if isinstance(f.default, tuple) else f.default
    return f"[default: {shown}]"


def parsed(request_cls, options: dict):
    """The request from the options given (those not given keep the request's defaults)."""
    given = {}
    for f in request_cls.FIELDS:
        if f.name in options:
            value = options.pop(f.name)
            if f.kind in (list, dict):
                value = ",".join(value) if value else None
            if value is not None and not (f.kind is bool and value is False):
                given[f.name] = value
    return request_cls.parse(**given)


def _session(con, profile: str | None, **options):
    """A session over ``con`` with the profile asked for, for the hour band asked for (``--hour-band``)."""
    from bluelight.services.inputs import session_profile
    from bluelight.services.session import Session

    ctx = click.get_current_context(silent=True)
    band = ctx.meta.get("hour_band") if ctx is not None else None
    return Session.over(con, session_profile(con, profile), **options).for_band(band)


@cli.command("coverage")
@request_options(CoverageRequest)
@click.option("--scenario", "scenario_file", type=click.Path(path_type=Path), default=None,
              help="Scenario YAML of changes to the estate; reports before and after.")
@profile_option
@warehouse_option
@json_option
def coverage(scenario_file, profile, warehouse, as_json, **options) -> None:
    """Share of demand within a response standard, mean and 90th centile, against the targets."""
    from bluelight.analysis.scenario import load_scenario
    from bluelight.services.coverage import run_coverage

    request = parsed(CoverageRequest, options)
    scen = load_scenario(scenario_file) if scenario_file else None
    with _reading(warehouse) as con:
        result = run_coverage(_session(con, profile, cutoff_s=request.cutoff_s, max_snap_m=request.max_snap_m),
                              request, scenario=scen)
    if as_json:
        _emit(result, True)
        return
    for part in [result["baseline"]] + ([result["scenario"]] if "scenario" in result else []):
        s = part["summary"]
        click.echo(f"{part['label']}: {result['service']} within {request.threshold_s:.0f} s: "
                   f"{100 * (s['share_within_modelled'] or 0):.1f}% modelled with travel variability "
                   f"({100 * (s['share_within'] or 0):.1f}% on single drive times), mean {s['mean_s'] or float('nan'):.0f}"
                   f" s, p90 {s['p90_s'] or float('inf'):.0f} s; demand {s['demand_total']:,.0f}, off network "
                   f"{s['demand_off_network']:,.0f}, unreached {s['demand_unreached']:,.0f}  [profile {result['profile']}]")
        for row in part.get("by_area", []):
            click.echo(f"    {row['area'] or '(no area)'}: {100 * (row.get('share_within_modelled') or row['share_within'] or 0):.1f}%"
                       f" of {row['demand_on_network']:,.0f} on the network")
    av = result.get("with_availability")
    if av:
        click.echo(f"with availability: {100 * av['first_within']['mean']:.1f}% of {av['over']} within "
                   f"{request.threshold_s:.0f} s (95% CI {100 * av['first_within']['ci95'][0]:.1f}-"
                   f"{100 * av['first_within']['ci95'][1]:.1f}%) vs {100 * av['first_within_static']['mean']:.1f}% "
                   f"with the nearest always free" if av["available"] else f"with availability: {av['reason']}")


@cli.command("executive")
@profile_option
@warehouse_option
@json_option
def executive(profile, warehouse, as_json) -> None:
    """Every service's cover of every area against its standard, with the share of each area assessed."""
    from bluelight.services.executive import run_executive

    with _reading(warehouse) as con:
        result = run_executive(_session(con, profile))
    if as_json:
        _emit(result, True)
        return
    from bluelight.services.executive import cell_text

    sc = result["scope"]
    click.echo(f"Assessed: {sc['population_assessed']:,.0f} of {sc['population']:,.0f} people in {sc['areas']} areas "
               f"that reach into the road data; {sc['judged']} at least half inside it  [profile {result['profile']}]")
    for cell in result["cells"]:
        click.echo(f"  {cell['area']}, {cell['service']}: {cell_text(cell)}")
    click.echo("Standards:")
    for line in result["standards_in_use"]:
        click.echo(f"  {line}")
    for note in sorted({c["published_summary"] for c in result["cells"] if c.get("published_c1_mean_s") is not None}):
        click.echo(f"Published: the {note}.")
    for service, caveat in result["caveats"].items():
        click.echo(f"{service.title()}: {caveat}.")


def _data_dir() -> Path:
    """The data directory the national commands read (refused, with what to set, when there is none)."""
    from bluelight.settings import configured_data_dir

    source = configured_data_dir()
    if source is None:
        raise ConfigError("no data directory: set BLUELIGHT_DATA_DIR to the directory holding england/ and london/")
    return source.path


def _national_ambulance(ambsys, as_json) -> None:
    from bluelight.services.ambulance_national import run_ambulance_national
    from bluelight.text import mmss

    result = run_ambulance_national(_data_dir(), ambsys=ambsys)
    if as_json:
        _emit(result, True)
        return
    click.echo(f"{result['label']}: {len(result['trusts'])} trusts, {result['months'][0]} to {result['months'][1]} "
               f"({result['file']})")
    for name, v in result["validation"].items():
        click.echo(f"  {name.replace('_', ' ')}: leave-one-trust-out error {mmss(v['loo_mae_s'])} (m:ss), baseline "
                   f"{mmss(v['baseline_loo_mae_s'])}" + ("" if v["beats_baseline"] else "  (no better than the "
                                                         "baseline: not explained by rurality)"))
    for t in result["trusts"]:
        a, m = t["actual"], t["modelled"]
        click.echo(f"  {t['name']}: C1 mean published {mmss(a['c1_mean_s'])}, modelled {mmss(m['c1_mean_s'])}; "
                   f"C1 90th centile {mmss(a['c1_p90_s'])} / {mmss(m['c1_p90_s'])}; rural {100 * t['rural_share']:.0f}%")


@cli.command("national")
@request_options(NationalRequest)
@click.option("--service", "service", type=click.Choice(["fire", "ambulance"]), default="fire", show_default=True,
              help="fire: every fire and rescue service against FIRE1001; ambulance: every trust against AmbSYS.")
@click.option("--ambsys", "ambsys", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="An AmbSYS CSV of other months (default: the data directory's); the fit uses only its months.")
@click.option("--lsoas", "with_lsoas", is_flag=True, help="Add every LSOA's estimate to the JSON (34,000 rows).")
@json_option
def national(service, ambsys, with_lsoas, as_json, **options) -> None:
    """Every English fire and rescue service (FIRE1001) or ambulance trust (AmbSYS) estimated without road data."""
    if service == "ambulance":
        _national_ambulance(ambsys, as_json)
        return
    from bluelight.services.national import run_national

    request = parsed(NationalRequest, options)
    result = run_national(_data_dir(), request, with_lsoas=with_lsoas)
    if as_json:
        _emit(result, True)
        return
    m = result["model"]
    click.echo(f"{result['label']}: {result['fire_type']} fires {result['year']}; drive = {m['start_s']:.0f} s + "
               f"distance at {m['urban_kph_straight_line']:.0f} km/h (urban) or {m['rural_kph_straight_line']:.0f} "
               f"km/h (rural), as the crow flies, fitted to {m['fitted_to']} services")
    click.echo(f"leave-one-service-out error of mean drive: {result['cv_mae_drive_min']:.2f} min "
               f"(bias {result['cv_bias_drive_min']:+.2f}) over {result['cv_services']} services")
    ldn = result["held_out"]
    if ldn.get("available"):
        sample = ldn.get("incident_sample", {})
        click.echo(f"{result['held_out_service']} (held out): drive {ldn['modelled_drive_min']:.2f} min vs FIRE1001 "
                   f"{ldn['fire1001_drive_min']:.2f}; first pump within 6 min {100 * ldn['modelled_share_within_6min']:.1f}%"
                   + (f" vs {100 * sample['share_within_6min']:.1f}% in the incident sample {sample['file']} "
                      f"({sample['incidents']:,} incidents)" if sample.get("available") else ""))
    for r in result["services"]:
        if not r["estimated"]:
            click.echo(f"  {r['service']}: not estimated: {r['reason']}")
            continue
        cv = "held out" if r["cv_drive_min"] is None else f"{r['cv_drive_min']:.2f}"
        click.echo(f"  {r['service']}: drive FIRE1001 {r['fire1001_drive_min']:.2f} min, estimate {cv} (left out); "
                   f"total FIRE1001 {r['fire1001_total_min']:.2f}, estimate {r['modelled_total_min']:.2f}; "
                   f"{r['stations']} stations")


@cli.command("batch")
@request_options(BatchRequest)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Directory to write each task's result to (one JSON file per task).")
@json_option
def batch(out, as_json, **options) -> None:
    """Many national estimates at once (every FIRE1001 year or fire type), serially or on a Dask cluster."""
    from bluelight.services.batch import run_batch

    request = parsed(BatchRequest, options)
    result = run_batch(_data_dir(), request, out=out)
    if as_json:
        _emit(result, True)
        return
    click.echo(f"{result['job']}: {result['tasks']} tasks on {result['scheduler']} ({result['workers']} workers) in "
               f"{result['wall_s']:.1f} s" + (f"; results in {result['out']}" if result["out"] else ""))
    for r in result["results"]:
        click.echo(f"  {r['year']} {r['fire_type']}: left-out error of mean drive {r['cv_mae_drive_min']:.2f} min "
                   f"over {r['cv_services']} services")


@cli.command("isochrones")
@request_options(IsochroneRequest)
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Output .geojson (WGS84) or .gpkg (EPSG:27700).")
@snap_option
@profile_option
@warehouse_option
def isochrones(max_snap_m, out, profile, warehouse, **options) -> None:
    """Isochrone polygons for a site or a whole service, written as GeoJSON or GeoPackage."""
    from bluelight.services.isochrones import run_isochrones

    request = parsed(IsochroneRequest, options)
    suffix = out.suffix.lower()
    if suffix not in {".geojson", ".json", ".gpkg"}:
        raise ConfigError(f"--out must end in .geojson or .gpkg, got {out.name}")
    with _reading(warehouse) as con:
        gdf = run_isochrones(_session(con, profile, cutoff_s=max(request.bands), max_snap_m=_snap(max_snap_m)), request)
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
              help="A directory of profiles to read and write instead of the shipped ones and the user's "
                   "configuration directory (where --fit writes by default).")
@click.option("--profile", default=None, help="Speed profile name or YAML path (default: the latest calibrated); "
              "the error is reported for all hours and by hour band.")
@warehouse_option
@json_option
def calibrate(fit_file, eval_file, folds, profile_dir, profile, warehouse, as_json) -> None:
    """Fit the speed profile to real attendance times, or report its error against two baselines."""
    from bluelight.services.calibration import run_evaluate, run_fit

    if (fit_file is None) == (eval_file is None):
        raise ConfigError("give exactly one of --fit FILE or --evaluate FILE")
    with _reading(warehouse) as con:
        if fit_file:
            result = run_fit(con, fit_file, base=profile, folds=folds, profile_dir=profile_dir)
        else:
            result = run_evaluate(con, eval_file, profile=profile, profile_dir=profile_dir)
    if as_json:
        _emit(result, True)
        return
    from bluelight.services.calibration import calibration_text

    for line in calibration_text(result):
        click.echo(line)


@cli.group()
def scenario() -> None:
    """Evaluate scenarios: changes to the estate, their effect on cover and their finance."""


@scenario.command("run")
@click.argument("file", type=click.Path(path_type=Path))
@request_options(AppraisalRequest)
@snap_option
@profile_option
@warehouse_option
@json_option
def scenario_run(max_snap_m, file, profile, warehouse, as_json, **options) -> None:
    """Before and after cover of every service the scenario touches, areas that gain and lose, and NPV."""
    from bluelight.services.scenarios import load_scenario, run_scenario

    request = parsed(AppraisalRequest, options)
    scen = load_scenario(file)
    with _reading(warehouse) as con:
        result = run_scenario(_session(con, profile, max_snap_m=_snap(max_snap_m)), scen, request)
    if as_json:
        _emit(result, True)
        return
    from bluelight.analysis.appraisal import describe
    from bluelight.text import mmss

    click.echo(f"scenario: {result['scenario']} (profile {result['profile']})")
    for service, e in result["services"].items():
        ch = e["population"]["change"]
        b, a = e["population"]["before"]["summary"], e["population"]["after"]["summary"]
        click.echo(f"  {service}: sites {e['sites_before']} -> {e['sites_after']}; people within "
                   f"{mmss(e['threshold_s'])} {ch['demand_within_before']:,.0f} -> {ch['demand_within_after']:,.0f};"
                   f" mean {mmss(b['mean_s'])} -> {mmss(a['mean_s'])} (m:ss)")
        for cat, c in e["incidents"].items():
            click.echo(f"    {cat.replace('_', ' ')} incidents within the standard: "
                       f"{c['change']['demand_within_before']:,.0f} -> {c['change']['demand_within_after']:,.0f} of "
                       f"{c['on_network']} on the network")
    click.echo("  " + describe(result["finance"]))


@scenario.command("appraise")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--do-minimum", "do_minimum", type=click.Path(path_type=Path), default=None,
              help="A scenario of what must be spent anyway (default: keep the estate as it is, NPSV 0).")
@request_options(AppraisalRequest)
@snap_option
@profile_option
@warehouse_option
@json_option
def scenario_appraise(max_snap_m, files, do_minimum, profile, warehouse, as_json, **options) -> None:
    """Options side by side against the do-minimum: NPSV, optimism bias, payback and switching values."""
    from bluelight.analysis.appraisal import describe, switching_text
    from bluelight.services.scenarios import appraise_options, load_scenario
    from bluelight.text import money

    request = parsed(AppraisalRequest, options)
    options_ = [load_scenario(f) for f in files]
    base = load_scenario(do_minimum) if do_minimum else None
    with _reading(warehouse) as con:
        result = appraise_options(_session(con, profile, max_snap_m=_snap(max_snap_m)), options_, request,
                                  do_minimum=base)
    if as_json:
        _emit(result, True)
        return
    click.echo(f"options against the do-minimum over {result['horizon_years']} years (best first):")
    for row in result["comparison"]:
        bcr = "" if row["bcr"] is None else f", BCR {row['bcr']:.2f}"
        pay = "" if row["payback_year"] is None else f", pays back in year {row['payback_year']}"
        click.echo(f"  {row['rank']}. {row['option']}: NPSV {money(row['npsv_gbp'])}, "
                   f"{money(row['npsv_over_do_minimum_gbp'])} against the do-minimum{bcr}{pay}"
                   + ("" if row["complete"] else " (incomplete)"))
    for name, f in result["options"].items():
        click.echo(f"{name}: {describe(f)}")
        for s in f["sensitivity"]:
            click.echo(f"    {switching_text(s)}")


@cli.group()
def colocation() -> None:
    """Co-location options: which sites of different services could share premises."""


@colocation.command("candidates")
@request_options(CandidatesRequest)
@snap_option
@profile_option
@warehouse_option
@json_option
def colocation_candidates(max_snap_m, profile, warehouse, as_json, **options) -> None:
    """Every cross-service pair within the travel time, ranked by what the move does to cover and cost."""
    from bluelight.services.colocation import run_candidates

    request = parsed(CandidatesRequest, options)
    with _reading(warehouse) as con:
        result = run_candidates(_session(con, profile, max_snap_m=_snap(max_snap_m)), request)
    if as_json:
        _emit(result, True)
        return
    click.echo(f"{result['pairs']} cross-service pairs within {request.max_travel_s:.0f} s (profile {result['profile']}); "
               f"{result['pairs_judged']} can be judged by the road data")
    for c in result["candidates"]:
        money = c["running_cost_released_gbp_pa"]
        click.echo(f"  {c['move_name']} ({c['service']}) into {c['into_name']} ({c['into_service']}), "
                   f"{c['drive_s']:.0f} s away: cover {100 * c['share_within_before']:.1f}% -> "
                   f"{100 * c['share_within_after']:.1f}%; running cost released "
                   + ("not recorded" if money is None else f"£{money:,.0f} a year") + f"; capacity {c['capacity']}"
                   + ("" if c["meets_standard_after"] else "  [below standard]")
                   + ("" if c["judged"] else f"  [not judged: {100 * c['unseen_demand_share']:.0f}% of the "
                                             "population in reach is beyond the road data]"))
    click.echo(result["caveat"])


@cli.command("dap")
@request_options(DapRequest)
@click.option("--all-bands", is_flag=True, help="Plan each of the eight standard bands.")
@click.option("--points", type=click.Path(path_type=Path), default=None,
              help="CSV of further candidate posts anywhere: name, easting, northing.")
@profile_option
@warehouse_option
@json_option
def dap(all_bands, points, profile, warehouse, as_json, **options) -> None:
    """Dynamic Activation Posts: where k ambulances should wait, and what they add to cover."""
    from bluelight.services.dap import run_dap, travel_times_text

    request = parsed(DapRequest, options)
    with _reading(warehouse) as con:
        result = run_dap(_session(con, profile, max_snap_m=request.max_snap_m), request, every_band=all_bands,
                         points=points)
    if as_json:
        _emit(result, True)
        return
    for name, r in result["bands"].items():
        b, a = r["before"], r["after"]
        e = r["expected_share_within"]
        click.echo(f"{name}: {r['demand']['kind']} demand {r['demand_total']:,.1f} incidents a year; {request.model} "
                   f"posts: {', '.join(p['name'] for p in r['posts'])} ({r['model']['status']}, "
                   f"gap {r['model']['mip_gap']:.1e}); {travel_times_text(r['travel_times'])}")
        click.echo(f"  within {request.threshold_s:.0f} s: {100 * b['share_within']:.1f}% -> {100 * a['share_within']:.1f}%"
                   f" with every vehicle free; {100 * e['before']:.1f}% -> {100 * e['after']:.1f}% expected with "
                   f"vehicles busy {100 * e['busy_fraction']:.0f}% of the time; mean {b['mean_s']:.0f} -> "
                   f"{a['mean_s']:.0f} s")
        if r["nested"]:
            click.echo("  fill order (nested): " + " -> ".join(n["added"] for n in r["nested"])
                       + f"; cost of nesting at k = {len(r['nested'])}: "
                       f"{r['nested'][-1].get('cost_of_nesting', 0):,.1f} ({r['objective_units']})")
        sim = r["simulated"]
        last = r["compliance"][-1] if r["compliance"] else {}
        if sim["available"] and "simulated_share_within" in last:
            click.echo(f"  simulated with busy vehicles ({sim['vehicles']} ambulances): "
                       f"{100 * sim['baseline']['share_within']['mean']:.1f}% -> "
                       f"{100 * last['simulated_share_within']:.1f}% "
                       f"(95% CI {100 * last['simulated_ci95'][0]:.1f}-{100 * last['simulated_ci95'][1]:.1f})")
        elif not sim["available"]:
            click.echo(f"  not simulated: {sim['reason']}")


@cli.command("coresponding")
@request_options(CorespondingRequest, skip=("survival_parameters",))
@profile_option
@warehouse_option
@json_option
def coresponding(profile, warehouse, as_json, **options) -> None:
    """Where fire crews reach cardiac arrests first, the survivors that adds, and what it costs fire cover."""
    from bluelight.services.coresponding import run_coresponding, to_json

    request = parsed(CorespondingRequest, options)
    with _reading(warehouse) as con:
        out = to_json(run_coresponding(_session(con, profile, max_snap_m=request.max_snap_m), request))
    if as_json:
        _emit(out, True)
        return
    s = out["summary"]
    click.echo(f"{s['enrolled_stations']} stations co-responding; fire first for {100 * s['share_fire_first']:.1f}% "
               f"of expected arrests (median {s['minutes_saved_median'] or 0:.1f} min saved); expected survivors "
               f"{s['survivors_without']:.2f} -> {s['survivors_with']:.2f} a year "
               f"(+{s['additional_survivors']:.2f}; model {s['survival_model']})")
    sim = out["fire_cover_simulated"]
    if sim["available"]:
        c = sim["change"]
        click.echo(f"fire calls with the first pump within {sim['threshold_s'] / 60:g} min, simulated: "
                   f"{100 * sim['fire_first_within_alone']['mean']:.2f}% -> "
                   f"{100 * sim['fire_first_within_with_coresponding']['mean']:.2f}% with co-responding "
                   f"({100 * c['mean']:+.3f} points, 95% CI {100 * c['ci95'][0]:+.3f} to {100 * c['ci95'][1]:+.3f}; "
                   f"{sim['coresponder_calls_per_year']:,.0f} co-responder calls a year)")
    else:
        click.echo(f"fire cover not simulated: {sim['reason']}")
    for r in out["stations"][:10]:
        click.echo(f"  {r['name']}: +{r['additional_survivors']:.3f} survivors a year, fire cover at risk while away "
                   f"{100 * r['fire_share_at_risk_while_away']:.1f}% x busy {100 * r['busy_fraction']:.2f}%")


@cli.command("simulate")
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
def simulate_cmd(scenario_file, validate_files, validate_in_sample, profile, warehouse, as_json, **options) -> None:
    """Vehicles are not always free: simulate the fleet answering its incidents, with confidence intervals."""
    from tqdm import tqdm

    from bluelight.analysis.scenario import load_scenario
    from bluelight.services.simulation import run_simulation, validate

    request = parsed(SimulationRequest, options)
    scen = load_scenario(scenario_file) if scenario_file else None
    with _reading(warehouse) as con, tqdm(total=request.replications * (1 + len(validate_files)), unit="replication",
                                          disable=as_json, leave=False) as bar:
        session = _session(con, profile, max_snap_m=request.max_snap_m)
        step = lambda done, total: bar.update(1)          # noqa: E731 - progress per replication
        if validate_files or validate_in_sample:
            out = validate(session, request, files=tuple(validate_files), progress=step)
        else:
            out = run_simulation(session, request, scenario=scen, progress=step)
    if as_json:
        _emit(out, True)
        return
    if "sets" in out:
        for s in out["sets"]:
            click.echo(f"{s['set']}: {s['incidents_used']} incidents on the network")
            for f in s["figures"]:
                pct = lambda v: "n/a" if v is None else f"{100 * v:.1f}%"     # noqa: E731
                ci = f["simulated_ci95"]
                click.echo(f"  {f['label']}: actual {pct(f['actual'])}, simulated {pct(f['simulated'])}"
                           + (f" (95% CI {pct(ci[0])}-{pct(ci[1])})" if ci else "")
                           + (f", static model {pct(f['static_model'])}" if f["static_model"] is not None else ""))
        return
    for label, part in [("baseline", out["baseline"])] + ([(out["scenario"]["name"], out["scenario"])]
                                                          if "scenario" in out else []):
        fw, st, cr = part["first_within"], part["first_within_static"], part["not_nearest_share"]
        click.echo(f"{label}: {out['service']} first vehicle within {request.threshold_s / 60:g} min "
                   f"{100 * fw['mean']:.1f}% with availability (95% CI {100 * fw['ci95'][0]:.1f}-"
                   f"{100 * fw['ci95'][1]:.1f}%) vs {100 * st['mean']:.1f}% if the nearest were always free; "
                   f"{100 * cr['mean']:.1f}% answered by other than the nearest station; mean vehicle utilisation "
                   f"{100 * part['mean_utilisation']['mean']:.1f}%  [{out['inputs']['vehicles']} vehicles, "
                   f"{out['inputs']['calls_per_year']:,.0f} calls a year, {request.replications} replications]")
        for w in part["warnings"]:
            click.echo(f"  warning: {w}")
    for r in out.get("workload_change", [])[:10]:
        click.echo(f"  {r['name']}: {r['jobs_change_per_year']:+,.0f} vehicle jobs a year")


@colocation.command("facility")
@request_options(FacilityRequest)
@click.option("--points", type=click.Path(path_type=Path), default=None,
              help="CSV of further candidate points: name, easting, northing[, annual_cost_gbp].")
@snap_option
@profile_option
@warehouse_option
@json_option
def colocation_facility(max_snap_m, points, profile, warehouse, as_json, **options) -> None:
    """Where a shared HQ, workshop or training centre should be: least total or worst trip time."""
    from bluelight.services.facility import run_facility

    request = parsed(FacilityRequest, options)
    with _reading(warehouse) as con:
        result = run_facility(_session(con, profile, max_snap_m=_snap(max_snap_m)), request, points=points)
    if as_json:
        _emit(result, True)
        return
    p, k = result["plan"], request.k
    click.echo(f"{k} facilit{'y' if k == 1 else 'ies'} for {result['users']} {'/'.join(result['user_services'])} "
               f"sites ({request.objective}): {', '.join(p['chosen_names'])}; {p['trip_hours_per_year']:,.0f} trip "
               f"hours a year, mean trip {p['mean_trip_s']:.0f} s, worst {p['worst_trip_s']:.0f} s; annual cost "
               + (f"£{p['annual_cost_gbp']:,.0f}" if p["annual_cost_gbp"] is not None else
                  f"not recorded for {', '.join(p['cost_missing_for'])}") + f"  [solver: {p['status']}]")


class _closing:
    """Open the warehouse to read (and always close it), or to write through a published staging copy."""

    def __init__(self, warehouse, *, read_only: bool = False):
        self.warehouse = warehouse
        self.read_only = read_only

    def __enter__(self):
        if self.read_only:
            self.con = _open(self.warehouse, read_only=True)
            return self.con
        from bluelight.etl.warehouse import publishing

        self._publish = publishing(warehouse_path(self.warehouse))
        return self._publish.__enter__()

    def __exit__(self, *exc):
        if self.read_only:
            self.con.close()
            return False
        return self._publish.__exit__(*exc)


def _reading(warehouse) -> _closing:
    return _closing(warehouse, read_only=True)


security_option = click.option(
    "--store", "store", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="Accounts and audit file (default: $BLUELIGHT_SECURITY_STORE or data/security/accounts.sqlite).")


def _store(path):
    from bluelight.services.accounts import security_store

    return security_store(path)


@cli.group()
def users() -> None:
    """Dashboard accounts: who may sign in, with which role (viewer, planner, analyst, admin)."""


@users.command("add")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(["viewer", "planner", "analyst", "admin"]),
              help="viewer: aggregate maps and tables; planner: scenarios, co-location, DAPs and saving; "
                   "analyst: incident-level data and exports; admin: everything and the audit log.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (for scripts).")
@click.option("--replace", is_flag=True, help="Change an existing account's role and password.")
@security_option
def users_add(username, role, password_stdin, replace, store) -> None:
    """Add a local account (the password is asked for, twice, and stored only as an Argon2id hash)."""
    from bluelight.services.accounts import add_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    user = add_user(_store(store), username, password, role, replace=replace)
    click.echo(f"{'changed' if replace else 'added'} {user.username} as {user.role}")


@users.command("remove")
@click.argument("username")
@security_option
def users_remove(username, store) -> None:
    """Remove an account (its sessions end at their next request)."""
    from bluelight.services.accounts import remove_user

    remove_user(_store(store), username)
    click.echo(f"removed {username}")


@users.command("list")
@security_option
@json_option
def users_list(store, as_json) -> None:
    """The accounts and their roles (never their password hashes)."""
    from bluelight.services.accounts import list_users

    rows = list_users(_store(store))
    if as_json:
        _emit(rows, True)
        return
    for r in rows:
        click.echo(f"{r['username']:<24} {r['role']:<8} {r['origin']:<6} since {r['created_at']}")
    if not rows:
        click.echo("no accounts: the dashboard serves this machine only, without sign-in")


@cli.command("audit")
@click.option("--limit", type=click.IntRange(1, 100_000), default=50, show_default=True)
@click.option("--action", default=None, help="Only this action (sign_in, sign_in_failed, export, scenario_saved...).")
@security_option
@json_option
def audit(limit, action, store, as_json) -> None:
    """The audit log, newest first: sign-ins, exports and saved scenarios (who, what, when)."""
    from bluelight.services.accounts import audit_events

    rows = audit_events(_store(store), limit=limit, action=action)
    if as_json:
        _emit(rows, True)
        return
    for r in rows:
        click.echo(f"{r['at']}  {r['username'] or '-':<20} {r['role'] or '-':<8} {r['action']:<15} "
                   f"{r['tier'] or '':<18} {r['detail'] or ''}")


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
    except Exception as exc:  # noqa: BLE001 - the last line of defence: a message, never a traceback
        log.debug("unexpected error", exc_info=exc)
        click.echo(f"error: unexpected {type(exc).__name__}: {exc} (this is a bug; run with -vv for the details)",
                   err=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
