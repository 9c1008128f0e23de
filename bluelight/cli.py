"""The ``bluelight`` command-line tool.

Every command takes ``--warehouse``; reporting commands take ``--json``.
Errors a user can cause exit with status 2 and a one-paragraph message.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import click

from bluelight import __version__
from bluelight.errors import BluelightError, ConfigError
from bluelight.settings import warehouse_path

log = logging.getLogger("bluelight")

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


def _emit(result, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(result, indent=2, default=str))
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
    from etl.warehouse import connect

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
    from etl.demo import load_demo
    from etl.sources import resolve_data_source

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
@click.option("--profile", default="bluelight_v1", show_default=True, help="Speed profile for edge travel times.")
def etl_roads(files, warehouse, as_json, profile) -> None:
    """Replace the road network with the composition of FILES (.graphml, .osm, .osm.bz2, .osm.pbf)."""
    from etl.roads import load_roads

    with _closing(warehouse) as con:
        _emit(load_roads(con, list(files), profile=profile).as_dict(), as_json)


@etl.command("sites")
@click.argument("file", type=click.Path(path_type=Path))
@warehouse_option
@json_option
@click.option("--service", type=click.Choice(["fire", "police", "ambulance", "other"]), default=None,
              help="Service of rows that do not say (generic files).")
@map_option
@encoding_option
@partial_option
def etl_sites(file, warehouse, as_json, service, mapping, encoding, accept_partial) -> None:
    """Load sites from a CSV (known layouts detected by header), GeoJSON or GeoPackage."""
    from etl.sites import load_sites

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
    from etl.osm_pois import load_osm_sites

    with _closing(warehouse) as con:
        _emit(load_osm_sites(con, file, accept_partial=accept_partial).as_dict(), as_json)


@etl.command("incidents")
@click.argument("file", type=click.Path(path_type=Path))
@warehouse_option
@json_option
@click.option("--service", type=click.Choice(["fire", "police", "ambulance", "other"]), default=None)
@map_option
@encoding_option
@partial_option
def etl_incidents(file, warehouse, as_json, service, mapping, encoding, accept_partial) -> None:
    """Load incidents (LFB incident or mobilisation schema detected by header, or generic CSV)."""
    from etl.incidents import load_incidents

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
    from etl.population import load_population

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
    from etl.targets import DEFAULT_TARGETS, load_targets

    with _closing(warehouse) as con:
        _emit(load_targets(con, file or DEFAULT_TARGETS, accept_partial=accept_partial).as_dict(), as_json)


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
    from etl.boundaries import load_boundaries

    with _closing(warehouse) as con:
        _emit(load_boundaries(con, file, kind=kind, code_field=code_field, name_field=name_field,
                              accept_partial=accept_partial).as_dict(), as_json)


@cli.command("status")
@warehouse_option
@json_option
def status(warehouse, as_json) -> None:
    """Row counts, sites by service and status, incidents by category, the network and the data source."""
    from etl.status import warehouse_status

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
    from etl.synthetic import generate_region, write_region

    paths = write_region(generate_region(nodes, seed=seed), out)
    for k, p in paths.items():
        click.echo(f"{k:<11} {p}")


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
        return exc.exit_code
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
