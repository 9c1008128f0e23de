"""Load the whole demo into the warehouse in one go, from whichever data source was resolved."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
from tqdm import tqdm

from bluelight.etl.ambsys import load_ambsys, trust_codes
from bluelight.etl.boundaries import load_boundaries
from bluelight.etl.incidents import load_incidents
from bluelight.etl.loading import LoadSummary
from bluelight.etl.osm_pois import load_osm_sites
from bluelight.etl.population import load_population
from bluelight.etl.roads import load_roads
from bluelight.etl.scenarios import REPO_SCENARIOS, load_scenarios
from bluelight.etl.sites import load_sites
from bluelight.etl.synthetic import ROAD_FILES
from bluelight.etl.targets import load_targets
from bluelight.etl.warehouse import set_meta
from bluelight.foundation.environment import DataSource
from bluelight.foundation.errors import DataSourceError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Step:
    label: str
    files: tuple[str, ...]  # relative to the data directory
    run: Callable[..., LoadSummary]
    required: bool = True


def _london_steps() -> list[Step]:
    roads = ("london/roads/westminster_drive_2024-02.graphml", "london/roads/city_of_london_drive_2024-02.osm",
             "london/roads/camden_full_2021-07.osm.pbf", "london/roads/north_london_drive_2026-07.osm",
             "london/roads/clerkenwell_drive_2026-07.osm")
    # accept_partial: these are third-party files with a few known-bad rows
    # (a holding with no coordinates); the rejects are kept and reported.
    return [
        Step("London boroughs", ("london/boundaries/london_boroughs.geojson",),
             lambda c, p: load_boundaries(c, p[0], kind="borough")),
        Step("London LSOAs", ("london/boundaries/lsoa11/london-2011-lsoa-gen20.shp",),
             lambda c, p: load_boundaries(c, p[0], kind="lsoa")),
        Step("population", ("london/population/london_lsoa11_pwc_mid2020_population.csv",),
             lambda c, p: load_population(c, p[0], accept_partial=True)),
        Step("road network", roads, lambda c, p: load_roads(c, p)),
        Step("LFB fire stations", ("london/stations/lfb_fire_stations_incl_2014_closures.csv",),
             lambda c, p: load_sites(c, p[0], accept_partial=True)),
        Step("LFB property", ("london/stations/lfb_property.csv",), lambda c, p: load_sites(c, p[0], accept_partial=True)),
        Step("Met police stations", ("london/stations/met_police_stations_2013.csv",),
             lambda c, p: load_sites(c, p[0], accept_partial=True)),
        Step("LAS ambulance stations", ("london/stations/las_ambulance_stations.csv",),
             lambda c, p: load_sites(c, p[0], accept_partial=True)),
        Step("OSM stations (Camden)", ("london/roads/camden_full_2021-07.osm.pbf",), lambda c, p: load_osm_sites(c, p[0])),
        Step("hospitals (England)", ("england/stations/hospitals_england.csv",),
             lambda c, p: load_sites(c, p[0], accept_partial=True), required=False),
        Step("AmbSYS (England's ambulance trusts)", ("england/ambulance/ambsys_2023-04_to_2025-03.csv",),
             lambda c, p: load_ambsys(c, p[0], trusts=trust_codes()), required=False),
        Step("LFB incidents 2023", ("london/incidents/lfb_incidents_2023_sample.csv",),
             lambda c, p: load_incidents(c, p[0], accept_partial=True)),
        Step("LFB incidents 2009 (schema sample)", ("london/incidents/lfb_incident_raw_schema_sample_2009.csv",),
             lambda c, p: load_incidents(c, p[0], accept_partial=True), required=False),
        Step("LFB mobilisations 2009 (schema sample)", ("london/incidents/lfb_mobilisation_raw_schema_sample_2009.csv",),
             lambda c, p: load_incidents(c, p[0], accept_partial=True), required=False),
    ]


def _download_steps() -> list[Step]:
    roads = tuple(f"london/roads/{k}_drive.graphml" for k in ("westminster", "city_of_london", "camden"))
    return [
        Step("road network", roads, lambda c, p: load_roads(c, p)),
        Step("OSM stations", ("london/stations/osm_stations.geojson",), lambda c, p: load_sites(c, p[0], accept_partial=True)),
        Step("Met police stations", ("london/stations/met_police_stations_2013.csv",),
             lambda c, p: load_sites(c, p[0], accept_partial=True), required=False),
    ]


def _synthetic_steps(directory: Path) -> list[Step]:
    pbf = ROAD_FILES["pbf"]
    roads = pbf if (directory / pbf).exists() else ROAD_FILES["graphml"]
    return [
        Step("districts", ("districts.geojson",), lambda c, p: load_boundaries(c, p[0], kind="borough")),
        Step("zones", ("zones.geojson",), lambda c, p: load_boundaries(c, p[0], kind="lsoa")),
        Step("population", ("population.csv",), lambda c, p: load_population(c, p[0], zone_kind="synthetic")),
        Step("road network", (roads,), lambda c, p: load_roads(c, p, stream=roads == pbf)),
        Step("stations", ("sites.csv",), lambda c, p: load_sites(c, p[0])),
        Step("incidents", ("incidents.csv",), lambda c, p: load_incidents(c, p[0])),
    ]


def demo_steps(source: DataSource) -> list[Step]:
    if source.kind == "synthetic":
        return _synthetic_steps(source.path)
    if source.kind == "download":
        return _download_steps()
    return _london_steps()


def load_demo(con: duckdb.DuckDBPyConnection, source: DataSource, *, progress: bool = True) -> list[LoadSummary]:
    """Load every dataset of the demo from ``source``, one transaction per file set.

    Raises
    ------
    DataSourceError
        If a required demo file is missing from the data directory.
    """
    steps = demo_steps(source)
    missing = [str(source.path / f) for s in steps if s.required for f in s.files if not (source.path / f).exists()]
    if missing:
        msg = f"the data directory {source.path} lacks demo files: {missing}"
        raise DataSourceError(msg)
    summaries = [load_targets(con)]
    repo_scenarios = sorted(REPO_SCENARIOS.glob("*.yaml"))
    if repo_scenarios:
        summaries.append(load_scenarios(con, repo_scenarios))
    for step in tqdm(steps, desc="Loading demo", unit="dataset", disable=not progress):
        paths = [source.path / f for f in step.files]
        if not all(p.exists() for p in paths):
            log.warning("skipping %s: %s not found", step.label, [str(p) for p in paths if not p.exists()])
            continue
        summaries.append(step.run(con, paths))
    con.execute("BEGIN TRANSACTION")
    set_meta(con, "data_source_kind", source.kind)
    set_meta(con, "data_source_path", str(source.path))
    set_meta(con, "synthetic", "true" if source.synthetic else "false")
    con.execute("COMMIT")
    return summaries


def build_demo_warehouse(path: str | Path, source: DataSource, *, progress: bool = False) -> list[LoadSummary]:
    """Create (or update) the warehouse file at ``path`` with the demo from ``source``."""
    from bluelight.etl.warehouse import connect

    con = connect(path)
    try:
        return load_demo(con, source, progress=progress)
    finally:
        con.close()
