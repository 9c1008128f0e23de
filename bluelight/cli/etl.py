"""``bluelight etl``, ``status``, ``check`` and ``synthetic``: loading the warehouse and checking it.

Every load runs in one transaction per file, recorded in ``load_runs``; a
command that writes opens the warehouse through a staging copy published
whole (:func:`bluelight.cli.options.writing`).
"""

from __future__ import annotations

from pathlib import Path

import click

from bluelight.cli import render
from bluelight.cli.options import (
    column_mapping,
    encoding_option,
    json_option,
    map_option,
    partial_option,
    reading,
    warehouse_option,
    writing,
)
from bluelight.foundation.environment import warehouse_path
from bluelight.foundation.errors import ConfigError, WarehouseError
from bluelight.foundation.vocab import SERVICES


@click.group()
def etl() -> None:
    """Load data into the warehouse (one transaction per file, recorded in load_runs)."""


@etl.command("demo")
@warehouse_option
@json_option
@click.option("--synthetic", is_flag=True, help="Skip real data and load a synthetic region.")
@click.option("--synthetic-nodes", default=4000, show_default=True, help="Size of a synthetic region.")
@click.option("--offline", is_flag=True, help="Never try to download from publishers.")
def etl_demo(warehouse: Path | None, as_json: bool, synthetic: bool, synthetic_nodes: int, offline: bool) -> None:
    """Load the whole demo (real London data when found, else download, else synthetic)."""
    from bluelight.etl.demo import load_demo
    from bluelight.etl.sources import resolve_data_source
    from bluelight.services.nearest_store import derive_nearest, derive_snapped

    source = resolve_data_source(prefer="synthetic" if synthetic else "auto", synthetic_nodes=synthetic_nodes,
                                 allow_download=False if offline else None)
    if not as_json:
        click.echo(f"data source: {source.kind} ({source.path})" + ("  [SYNTHETIC]" if source.synthetic else ""))
    with writing(warehouse) as con:
        summaries = [s.as_dict() for s in load_demo(con, source, progress=not as_json)]
        summaries += [d.as_dict() for d in derive_snapped(con)] + [d.as_dict() for d in derive_nearest(con)]
    render.show(summaries, as_json)


@etl.command("region")
@click.option("--roads", "roads", default=None, type=click.Path(path_type=Path),
              help="OpenStreetMap extract of the area (.osm.pbf, .osm, .osm.bz2), clipped or not.")
@click.option("--name", default=None,
              help="The area (a county or unitary authority, e.g. 'Rutland'); without --roads its extract is "
                   "downloaded from the publisher (bluelight/config/region_sources.yaml), checksum-checked.")
@warehouse_option
@json_option
def etl_region(roads: Path | None, name: str | None, warehouse: Path | None, as_json: bool) -> None:
    """Load your own area: roads, stations, population, boundaries, duty systems and standards, step by step."""
    from bluelight.etl.fetch import fetch_national, fetch_osm
    from bluelight.etl.region import StepReport, load_region
    from bluelight.foundation.environment import cache_dir, configured_data_dir
    from bluelight.services.nearest_store import derive_nearest, derive_snapped

    if roads is None:
        if name is None:
            raise ConfigError("give --roads FILE (an OpenStreetMap extract) or --name AREA to download one")
        roads = fetch_osm(name, cache_dir())
    source = configured_data_dir()
    data_dir = source.path if source else fetch_national(cache_dir())
    with writing(warehouse) as con:
        report = load_region(con, roads, data_dir=data_dir, name=name)
        report.steps += [StepReport(str(d.as_dict()["dataset"]), "loaded", f"{d.on_roads:,} of {d.points:,} points on "
                                    f"the roads ({d.seconds:.1f} s)", summary=d.as_dict())
                         for d in derive_snapped(con)]
        report.steps += [StepReport(f"nearest sites: {d.service}", "loaded" if d.status == "derived" else "skipped",
                                    f"{d.k} fastest of {d.sites} sites for every road node ({d.seconds:.1f} s)"
                                    if d.status == "derived" else d.status, summary=d.as_dict())
                         for d in derive_nearest(con)]
    if as_json:
        render.show(report.as_dict(), True)
        return
    render.show(report, False, render.region_lines)


@etl.command("derive")
@warehouse_option
@json_option
def etl_derive(warehouse: Path | None, as_json: bool) -> None:
    """Store where demand and stations lie on the roads and each road node's fastest sites of every service, so
    the dashboard opens a county without snapping or searching (etl demo and etl region do this; run it after
    loading roads, sites, incidents or population on their own)."""
    from bluelight.services.nearest_store import derive_nearest, derive_snapped

    with writing(warehouse) as con:
        render.show([d.as_dict() for d in derive_snapped(con)] + [d.as_dict() for d in derive_nearest(con)],
                    as_json)


@etl.command("roads")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@warehouse_option
@json_option
@click.option("--profile", default=None, help="Speed profile for the stored edge travel times (default: latest).")
@click.option("--stream/--no-stream", default=None,
              help="Stream one .osm.pbf/.osm extract into arrays instead of building a graph of it (default: a "
                   "single .osm.pbf over 50 MB streams).")
def etl_roads(files: tuple[Path, ...], warehouse: Path | None, as_json: bool, profile: str | None,
              stream: bool | None) -> None:
    """Replace the road network with the composition of FILES (.graphml, .osm, .osm.bz2, .osm.pbf)."""
    from bluelight.etl.roads import load_roads

    with writing(warehouse) as con:
        render.show(load_roads(con, list(files), profile=profile, stream=stream).as_dict(), as_json)


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
def etl_sites(file: Path, warehouse: Path | None, as_json: bool, service: str | None, mapping: tuple[str, ...],
              encoding: str, accept_partial: bool, snapshot: bool) -> None:
    """Load sites from a CSV (known layouts detected by header), GeoJSON or GeoPackage."""
    from bluelight.etl.sites import load_sites

    with writing(warehouse) as con:
        render.show(load_sites(con, file, service=service, mapping=column_mapping(mapping), encoding=encoding,
                         accept_partial=accept_partial, snapshot=snapshot).as_dict(), as_json)


@etl.command("sites-from-osm")
@click.argument("file", type=click.Path(path_type=Path))
@warehouse_option
@json_option
@partial_option
def etl_sites_osm(file: Path, warehouse: Path | None, as_json: bool, accept_partial: bool) -> None:
    """Load fire, police and ambulance stations tagged in an OSM extract (.osm.pbf, .osm)."""
    from bluelight.etl.osm_pois import load_osm_sites

    with writing(warehouse) as con:
        render.show(load_osm_sites(con, file, accept_partial=accept_partial).as_dict(), as_json)


@etl.command("incidents")
@click.argument("file", type=click.Path(path_type=Path))
@warehouse_option
@json_option
@click.option("--service", type=click.Choice(SERVICES), default=None)
@map_option
@encoding_option
@partial_option
def etl_incidents(file: Path, warehouse: Path | None, as_json: bool, service: str | None, mapping: tuple[str, ...],
                  encoding: str, accept_partial: bool) -> None:
    """Load incidents (LFB incident or mobilisation schema detected by header, or generic CSV)."""
    from bluelight.etl.incidents import load_incidents

    with writing(warehouse) as con:
        render.show(load_incidents(con, file, service=service, mapping=column_mapping(mapping), encoding=encoding,
                             accept_partial=accept_partial).as_dict(), as_json)


@etl.command("police-crime")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@warehouse_option
@json_option
@partial_option
def etl_police_crime(files: tuple[Path, ...], warehouse: Path | None, as_json: bool, accept_partial: bool) -> None:
    """Load police.uk street-level crime (monthly files) as police demand (recorded crime, not calls)."""
    from bluelight.etl.police_crime import load_police_crime

    with writing(warehouse) as con:
        render.show([s.as_dict() for s in load_police_crime(con, list(files), accept_partial=accept_partial)], as_json)


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
def etl_population(file: Path, counts: Path | None, warehouse: Path | None, as_json: bool, year: int | None,
                   zone_kind: str | None, mapping: tuple[str, ...], encoding: str, accept_partial: bool) -> None:
    """Load zone population-weighted centroids with population by age band."""
    from bluelight.etl.population import load_population

    with writing(warehouse) as con:
        render.show(load_population(con, file, counts=counts, year=year, zone_kind=zone_kind, mapping=column_mapping(mapping),
                              encoding=encoding, accept_partial=accept_partial).as_dict(), as_json)


@etl.command("ambsys")
@click.argument("file", type=click.Path(path_type=Path))
@warehouse_option
@json_option
@partial_option
def etl_ambsys(file: Path, warehouse: Path | None, as_json: bool, accept_partial: bool) -> None:
    """Load NHS England AmbSYS (ambulance trusts' incidents and response times by month)."""
    from bluelight.etl.ambsys import load_ambsys, trust_codes

    with writing(warehouse) as con:
        render.show(load_ambsys(con, file, trusts=trust_codes(), accept_partial=accept_partial).as_dict(), as_json)


@etl.command("targets")
@click.argument("file", required=False, type=click.Path(path_type=Path))
@warehouse_option
@json_option
@partial_option
def etl_targets(file: Path | None, warehouse: Path | None, as_json: bool, accept_partial: bool) -> None:
    """Load response-time standards (default: the cited config/targets.yaml)."""
    from bluelight.etl.targets import load_targets

    with writing(warehouse) as con:
        render.show(load_targets(con, file, accept_partial=accept_partial).as_dict(), as_json)


@etl.command("scenarios")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@warehouse_option
@json_option
def etl_scenarios(files: tuple[Path, ...], warehouse: Path | None, as_json: bool) -> None:
    """Record scenario YAML files (e.g. those the dashboard saved in data/scenarios) in the warehouse."""
    from bluelight.etl.scenarios import load_scenarios

    with writing(warehouse) as con:
        render.show(load_scenarios(con, list(files)).as_dict(), as_json)


@etl.command("boundaries")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--kind", required=True, help="Boundary kind, e.g. borough, lsoa.")
@click.option("--code-field", default=None)
@click.option("--name-field", default=None)
@warehouse_option
@json_option
@partial_option
def etl_boundaries(file: Path, kind: str, code_field: str | None, name_field: str | None, warehouse: Path | None,
                   as_json: bool, accept_partial: bool) -> None:
    """Load area polygons (GeoJSON, GeoPackage, shapefile)."""
    from bluelight.etl.boundaries import load_boundaries

    with writing(warehouse) as con:
        render.show(load_boundaries(con, file, kind=kind, code_field=code_field, name_field=name_field,
                              accept_partial=accept_partial).as_dict(), as_json)


@click.command("status")
@warehouse_option
@json_option
def status(warehouse: Path | None, as_json: bool) -> None:
    """Row counts, sites by service and status, incidents by category, the network and the data source."""
    from bluelight.etl.status import warehouse_status

    with reading(warehouse) as con:
        result = warehouse_status(con)
    render.show(result, as_json, render.status_lines)


@click.command("check")
@click.option("--no-repair", is_flag=True, help="Only report; change nothing.")
@warehouse_option
@json_option
def check(no_repair: bool, warehouse: Path | None, as_json: bool) -> None:
    """Check the warehouse against its load history; repair what is safe (orphan rows) and report the rest."""
    from bluelight.etl.integrity import check_warehouse
    from bluelight.etl.warehouse import connect

    con = connect(warehouse_path(warehouse), read_only=no_repair)
    try:
        report = check_warehouse(con, repair=not no_repair)
    finally:
        con.close()
    render.show(report, as_json, render.check_lines)
    if not report["ok"]:
        raise WarehouseError("the warehouse has problems that cannot be repaired safely: " + "; ".join(report["problems"]))


@click.command("synthetic")
@click.option("--nodes", default=4000, show_default=True, help="Approximate number of road nodes.")
@click.option("--seed", default=0, show_default=True)
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path))
def synthetic(nodes: int, seed: int, out: Path) -> None:
    """Write a clearly labelled synthetic region (roads, sites, population, incidents) to OUT."""
    from bluelight.etl.synthetic import generate_region, write_region

    paths = write_region(generate_region(nodes, seed=seed), out)
    for k, p in paths.items():
        click.echo(f"{k:<11} {p}")
