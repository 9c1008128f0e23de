"""Load a service's own area in one go: its roads, stations, population, boundaries and duty systems.

``bluelight etl region --roads FILE.osm.pbf`` loads any OpenStreetMap extract
(clipped or not), the stations of all three services tagged in it, the ONS
population of the zones inside its road network's area, the local-authority
boundaries over it (and fire-authority areas dissolved from them), the
duty systems of its fire stations matched from the Home Office list, and the
response standards. It chooses the speed profile for the area (London's
calibrated one in London, the national one elsewhere) and records it. Each
step reports what it found and what it could not, and how to supply it.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np
import pandas as pd

from bluelight.analysis.snapping import DEFAULT_MAX_SNAP_M
from bluelight.etl import geo
from bluelight.etl.boundaries import load_boundaries, write_boundaries
from bluelight.etl.loading import LoadSummary, Parsed, Written, content_hashes, run_load
from bluelight.etl.osm_pois import load_osm_sites
from bluelight.etl.population import load_population
from bluelight.etl.roads import load_roads
from bluelight.etl.scalars import one_row, scalar
from bluelight.etl.targets import load_targets
from bluelight.etl.warehouse import set_meta
from bluelight.foundation.errors import InputFileError
from bluelight.foundation.vocab import norm_duty, station_key

if TYPE_CHECKING:
    from shapely import Geometry

log = logging.getLogger(__name__)

#: the profile for areas no calibrated profile declares (``applies_to``) it covers
NATIONAL_PROFILE = "national_v1"
#: files of the data directory the region draws on
POPULATION = ("england/population/lsoa11_population_weighted_centroids.csv",
              "england/population/lsoa11_population_mid2019_single_year.csv.gz")
LOCAL_AUTHORITIES = "england/boundaries/uk_local_authorities_2017.geojson"
DUTY_LIST = "england/stations/fire_stations_duty_and_coresponder.csv"
STATION_LIST = "england/stations/fire_stations_england_2017.csv"
#: a fire station matches a listed one of the same name within this distance, or any within the second
NAME_MATCH_M, ANY_MATCH_M = 3000.0, 300.0


@dataclass
class StepReport:
    """What one step of a region load found, and what it could not."""

    step: str
    status: str                      # loaded | unchanged | skipped | failed
    found: str = ""
    missing: str = ""
    summary: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"step": self.step, "status": self.status, "found": self.found, "missing": self.missing,
                **({"load": self.summary} if self.summary else {})}


@dataclass
class RegionReport:
    name: str
    profile: str
    profile_reason: str
    steps: list[StepReport] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"region": self.name, "speed_profile": self.profile, "speed_profile_reason": self.profile_reason,
                "steps": [s.as_dict() for s in self.steps]}


#: the grid on which an extract's roads mark the area it covers (m), and how many cells it reaches past a road
EXTRACT_CELL_M = 100.0
EXTRACT_REACH_CELLS = 2


#: the spacing of the points a road network is sampled at for the region's area and on-network checks (m)
ROAD_SAMPLE_M = 25.0


def road_points(con: duckdb.DuckDBPyConnection, *, step_m: float = ROAD_SAMPLE_M) -> np.ndarray:
    """Points along every road edge, ``step_m`` apart at most (x, y in EPSG:27700): read once, used twice."""
    import shapely

    wkb = con.execute("SELECT ST_AsWKB(geom) AS g FROM road_edges").fetchnumpy()["g"]
    if len(wkb) == 0:
        raise InputFileError("<roads>", "the road network is empty")
    return np.asarray(shapely.get_coordinates(shapely.segmentize(shapely.from_wkb([bytes(b) for b in wkb]), step_m)))


def extract_area(points: np.ndarray, *, cell_m: float = EXTRACT_CELL_M,
                 reach_cells: int = EXTRACT_REACH_CELLS) -> Geometry:
    """The area the extract covers (EPSG:27700): the ``cell_m`` squares its roads cross, grown by ``reach_cells``
    squares, with every area the roads enclose filled (the fields between a county's lanes, a park, a lake).

    It follows the extract's own edge, a county's boundary or a cut through a city: the neighbouring areas an
    extract has no roads for are outside it (reported as such), not inside and off the network, as a hull of the
    road nodes would take them.
    """
    import shapely
    from scipy import ndimage

    xy = points                                          # sampled well within a cell, so every cell crossed is hit
    x0, y0 = np.floor(xy.min(axis=0) / cell_m) * cell_m - (reach_cells + 1) * cell_m
    ix = ((xy[:, 0] - x0) // cell_m).astype(int)
    iy = ((xy[:, 1] - y0) // cell_m).astype(int)
    grid = np.zeros((iy.max() + reach_cells + 2, ix.max() + reach_cells + 2), dtype=bool)
    grid[iy, ix] = True
    grid = ndimage.binary_dilation(grid, structure=np.ones((3, 3), bool), iterations=reach_cells)
    grid = ndimage.binary_fill_holes(grid)
    boxes = []                                            # each row's runs of covered cells, one box a run
    for r in np.flatnonzero(grid.any(axis=1)):
        row = np.concatenate([[False], grid[r], [False]])
        edges = np.flatnonzero(np.diff(row.astype(np.int8)))
        for a, b in zip(edges[::2], edges[1::2]):
            boxes.append((x0 + a * cell_m, y0 + r * cell_m, x0 + b * cell_m, y0 + (r + 1) * cell_m))
    b = np.asarray(boxes)
    return shapely.coverage_union_all(shapely.box(b[:, 0], b[:, 1], b[:, 2], b[:, 3]))


def network_area(con: duckdb.DuckDBPyConnection, *, buffer_m: float = 250.0) -> Geometry:
    """The road network's area (EPSG:27700): the convex hull of its nodes, widened by ``buffer_m``."""
    import shapely

    xy = con.execute("SELECT x_m, y_m FROM road_nodes").fetchnumpy()
    if len(xy["x_m"]) == 0:
        raise InputFileError("<roads>", "the road network is empty")
    return shapely.convex_hull(shapely.multipoints(np.column_stack([xy["x_m"], xy["y_m"]]))).buffer(buffer_m)


def choose_profile(con: duckdb.DuckDBPyConnection) -> tuple[str, str]:
    """The profile whose declared area (``applies_to`` in its YAML) holds the network, else the national one.

    A calibrated profile says where its fit holds; an area nobody has
    calibrated gets the national defaults until ``bluelight calibrate --fit``.
    """
    from bluelight.foundation.config_files import profile_document, profile_names

    x, y = one_row(con, "SELECT median(lon), median(lat) FROM road_nodes")
    for name in reversed(profile_names()):                      # the latest version of a family first
        doc, _ = profile_document(name)
        area = (doc.get("applies_to") or {}).get("area_wgs84")
        if area and area[0] <= x <= area[2] and area[1] <= y <= area[3]:
            return name, (f"the network lies in {doc['applies_to'].get('name', name)}: the profile calibrated "
                          f"there ({name})")
    return NATIONAL_PROFILE, ("no calibrated profile covers this area: national defaults (urban and rural speeds by "
                              "road class, turnout by duty system); calibrate on local incidents to replace them")


def _fire1001_turnouts(data_dir: Path | None) -> tuple[dict[str, float], str]:
    """Each fire and rescue service's published mean turnout (minutes) for the national estimate's year and fire
    type (``config/national.yaml``), keyed by the station lists' service names; and what it is."""
    from bluelight.etl.national import read_fire1001
    from bluelight.foundation.config_files import load_config

    cfg, _ = load_config("national.yaml")
    path = data_dir / cfg["files"]["fire1001"] if data_dir else None
    if path is None or not path.is_file():
        return {}, "no FIRE1001 file in the data directory"
    f = read_fire1001(path)
    rows = f[(f["year"] == cfg["year"]) & (f["fire_type"] == cfg["fire_type"]) & f["turnout_min"].notna()]
    out = dict(zip(rows["area"], rows["turnout_min"].astype(float)))
    for theirs, owns in (cfg.get("frs_aliases") or {}).items():
        for own in owns:
            if theirs in out:
                out[own] = out[theirs]
    return out, f"FIRE1001 {cfg['year']} {cfg['fire_type']} mean turnout"


def parse_duty_matches(con: duckdb.DuckDBPyConnection, duty_file: Path, *, station_list: Path | None = None,
                       fire1001: tuple[dict[str, float], str] = ({}, ""),
                       turnout_table: dict[str, float] | None = None) -> Parsed:
    """Each of the warehouse's fire stations against a list of stations with their duty system.

    A station matches a listed one of a similar name within 3 km, or any within 300 m. Listed with a duty type:
    that duty. Listed without one, or not listed: its duty is unknown, and it takes its fire and rescue service's
    FIRE1001 turnout, the national estimate's rule (:func:`bluelight.analysis.national.station_turnouts_min`);
    the service is the listed one, else that of the nearest station of ``station_list``.
    """
    from scipy.spatial import cKDTree

    from bluelight.analysis.national import station_turnouts_min

    raw = pd.read_csv(duty_file, dtype=str).fillna("")
    need = {"STATION_NAME", "STATION_EASTING", "STATION_NORTHING", "fire-duty-type"}
    if need - set(raw.columns):
        raise InputFileError(duty_file, f"needs columns {sorted(need)}", field=sorted(need - set(raw.columns))[0])
    raw["duty"] = [norm_duty(v.split("&")[0].split(";")[0]) if v else None for v in raw["fire-duty-type"]]
    raw["duty"] = [norm_duty(v) or d for v, d in zip(raw["fire-duty-type"], raw["duty"])]
    xy = pd.DataFrame({"x": pd.to_numeric(raw["STATION_EASTING"], errors="coerce"),
                       "y": pd.to_numeric(raw["STATION_NORTHING"], errors="coerce")})
    ok = xy.notna().all(axis=1).to_numpy()
    ref, ref_xy = raw[ok].reset_index(drop=True), xy[ok].to_numpy(float)
    sites = con.execute("SELECT site_id, name, easting, northing FROM sites WHERE service = 'fire' "
                        "AND duplicate_of IS NULL AND status = 'open'").df()
    others = _station_services(station_list)
    rows = []
    tree = cKDTree(ref_xy) if len(ref) else None
    names = [station_key(n) for n in ref["STATION_NAME"]]
    for s in sites.itertuples(index=False):
        pick, dist, named = None, float("nan"), False
        if tree is not None:
            near = tree.query_ball_point([s.easting, s.northing], NAME_MATCH_M)
            mine = station_key(s.name)
            d = {j: float(np.hypot(*(ref_xy[j] - (s.easting, s.northing)))) for j in near}
            by_name = [j for j in near if mine and names[j] and (mine in names[j] or names[j] in mine)]
            pick = min(by_name, key=lambda j: d[j]) if by_name else (min(d, key=lambda j: d[j]) if d else None)
            if pick is not None and not by_name and d[pick] > ANY_MATCH_M:
                pick = None
            named, dist = bool(by_name) and pick is not None, d.get(pick, float("nan"))
        r = ref.iloc[pick] if pick is not None else None
        duty = r["duty"] if r is not None and r["duty"] else None
        service = (r.get("FRS_FULLNAME", "") if r is not None else "") or _nearest_service(others, s)
        rows.append({"site_id": s.site_id, "name": s.name, "duty_system": duty,
                     "listing": ("not listed" if r is None else "listed with a duty type" if duty
                                 else "listed without a duty type"),
                     "matched_name": None if r is None else r["STATION_NAME"], "matched_service": service or None,
                     "distance_m": None if r is None else round(dist, 1), "name_match": named})
    frame = pd.DataFrame(rows, columns=["site_id", "name", "duty_system", "listing", "matched_name",
                                        "matched_service", "distance_m", "name_match"])
    table, what = fire1001
    minutes, source = station_turnouts_min(frame["duty_system"].tolist(),
                                           [table.get(v, np.nan) if v else np.nan for v in frame["matched_service"]],
                                           turnout_table or {})
    frame["turnout_s"] = np.where(source == "FIRE1001 service mean", minutes * 60.0, np.nan)
    frame["turnout_source"] = [
        "the duty system's (speed profile)" if src == "duty system" else
        f"{what} of {svc}: {m:.2f} min (duty unknown: {lst})" if src == "FIRE1001 service mean" else
        f"the profile's default (duty unknown: {lst}; no FIRE1001 turnout for {svc or 'its service'})"
        for src, m, svc, lst in zip(source, minutes, frame["matched_service"], frame["listing"])]
    frame["source_file"] = Path(duty_file).name
    return Parsed(frame, rows_read=len(sites), extra={"stations": len(sites), "listed": len(ref)})


def _station_services(station_list: Path | None) -> pd.DataFrame:
    """The station list's service of every placed station (to name the service of an unlisted station)."""
    if station_list is None or not Path(station_list).is_file():
        return pd.DataFrame(columns=["frs", "easting", "northing"])
    from bluelight.etl.national import read_stations

    return read_stations(Path(station_list)).dropna(subset=["easting", "northing"])


def _nearest_service(stations: pd.DataFrame, site: Any) -> str:
    """The service of the nearest listed station within 15 km (a station's service covers its neighbours')."""
    if stations.empty:
        return ""
    d = np.hypot(stations["easting"].to_numpy() - site.easting, stations["northing"].to_numpy() - site.northing)
    k = int(np.argmin(d))
    return str(stations["frs"].iloc[k]) if d[k] <= 15_000 else ""


def _write_duty(con: duckdb.DuckDBPyConnection, parsed: Parsed, run_id: int) -> Written:
    frame = parsed.frame.assign(load_run_id=run_id)
    con.execute("DELETE FROM duty_matches WHERE site_id IN (SELECT site_id FROM sites WHERE service = 'fire')")
    if len(frame):
        con.register("_duty", frame)
        con.execute("INSERT INTO duty_matches SELECT site_id, duty_system, listing, matched_name, matched_service, "
                    "distance_m, name_match, turnout_s, turnout_source, source_file, load_run_id FROM _duty")
        con.execute("UPDATE sites SET duty_system = _duty.duty_system FROM _duty WHERE sites.site_id = _duty.site_id "
                    "AND _duty.duty_system IS NOT NULL")
        con.execute("UPDATE sites SET turnout_s = _duty.turnout_s FROM _duty WHERE sites.site_id = _duty.site_id "
                    "AND _duty.turnout_s IS NOT NULL")
        con.unregister("_duty")
    known = int(frame["duty_system"].notna().sum())
    return Written(loaded=len(frame), message=f"{known} of {parsed.extra['stations']} fire stations with a listed "
                                              "duty system")


def load_duty_matches(con: duckdb.DuckDBPyConnection, duty_file: str | Path, *, data_dir: Path | None = None,
                      turnout_table: dict[str, float] | None = None) -> LoadSummary:
    """Set the duty system of the warehouse's fire stations from a Home Office style list, and the FIRE1001
    turnout of their service where the duty is unknown (one load)."""
    duty_file = Path(duty_file)
    station_list = data_dir / STATION_LIST if data_dir else None
    fire1001 = _fire1001_turnouts(data_dir)
    sites = _fingerprint(con, "SELECT string_agg(site_id || ':' || round(easting) || ':' || round(northing), ',' "
                              "ORDER BY site_id) FROM sites WHERE service = 'fire'")
    return run_load(con, dataset="duty_matches", loader="duty-matches", paths=[duty_file],
                    parse=lambda: parse_duty_matches(con, duty_file, station_list=station_list, fire1001=fire1001,
                                                     turnout_table=turnout_table),
                    write=_write_duty, options={"sites": sites, "fire1001": fire1001[1],
                                                "turnouts": sorted((turnout_table or {}).items())})


def _fingerprint(con: duckdb.DuckDBPyConnection, sql: str) -> str:
    """A short digest of what the warehouse holds (a derived load depends on it, not only on its file)."""
    text = scalar(con, sql) or ""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def load_region(con: duckdb.DuckDBPyConnection, roads: Path, *, data_dir: Path | None,
                name: str | None = None) -> RegionReport:
    """Load an area from an OSM extract and the data directory's national files; report every step."""
    roads = Path(roads)
    name = name or roads.name.split(".")[0]
    steps: list[StepReport] = []
    road_load = load_roads(con, [roads])
    steps.append(StepReport("roads", road_load.status, road_load.message or "", summary=road_load.as_dict()))
    profile, reason = choose_profile(con)
    set_meta(con, "speed_profile", profile)
    set_meta(con, "speed_profile_reason", reason)
    set_meta(con, "region_name", name)
    sampled = road_points(con)
    area = extract_area(sampled)
    steps.append(_stations(con, roads))
    steps.append(_population(con, data_dir, area, sampled, around=network_area(con, buffer_m=5000.0)))
    steps.append(_boundaries(con, data_dir, area))
    steps.append(_duty(con, data_dir, profile))
    targets = load_targets(con)
    steps.append(StepReport("response standards", targets.status, "the cited standards of config/targets.yaml",
                            summary=targets.as_dict()))
    return RegionReport(name, profile, reason, steps)


def _stations(con: duckdb.DuckDBPyConnection, roads: Path) -> StepReport:
    try:
        s = load_osm_sites(con, roads, accept_partial=True)
    except InputFileError as exc:
        return StepReport("stations (OpenStreetMap)", "skipped", missing=f"{exc}; load stations with "
                          "`bluelight etl sites FILE --service fire|police|ambulance`")
    counts = con.execute("SELECT service, count(*) FROM sites WHERE source = 'osm' GROUP BY 1 ORDER BY 1").fetchall()
    found = ", ".join(f"{n} {svc}" for svc, n in counts)
    absent = sorted({"fire", "police", "ambulance"} - {svc for svc, _ in counts})
    return StepReport("stations (OpenStreetMap)", s.status, found,
                      f"no {', '.join(absent)} station tagged: load them with `bluelight etl sites`" if absent else "",
                      s.as_dict())


def _population(con: duckdb.DuckDBPyConnection, data_dir: Path | None, area: Geometry, road_xy: np.ndarray, *,
                around: Geometry) -> StepReport:
    if data_dir is None or not all((data_dir / f).is_file() for f in POPULATION):
        return StepReport("population", "skipped", missing="no ONS population files in the data directory "
                          f"({', '.join(POPULATION)}): load zone centroids with counts by `bluelight etl population`")
    try:
        s = load_population(con, data_dir / POPULATION[0], counts=data_dir / POPULATION[1], within=area,
                            accept_partial=True)
    except InputFileError as exc:
        return StepReport("population", "failed", missing=f"{exc}. The ONS files cover England and Wales; for "
                          "Scotland load Data Zone centroids with counts, for Northern Ireland Small Areas, as a "
                          "generic CSV (zone_code, pop_total, optional age bands, coordinates)")
    n, total = one_row(con, "SELECT count(*), coalesce(sum(pop_total), 0) FROM population")
    outside = _outside(data_dir, area, around)
    on_share = on_network_share(con, road_xy)
    found = (f"{n:,} LSOAs inside the extract, {total:,.0f} people (ONS mid-2019, by age band); "
             f"{100 * on_share:.1f}% of them within {DEFAULT_MAX_SNAP_M:g} m of its roads (on the network)")
    if outside[0]:
        found += (f"; {outside[0]:,} LSOAs ({outside[1]:,.0f} people) near it lie outside the extract (no roads of "
                  "it reach them) and are not loaded")
    missing = "" if n else ("no LSOA centroid lies in the area: outside England and Wales, load zone centroids "
                            "with counts by `bluelight etl population`")
    summary = s.as_dict() | {"lsoas_outside_extract": outside[0], "population_outside_extract": outside[1],
                             "on_network_share": round(on_share, 4)}
    return StepReport("population", s.status, found, missing, summary)


def _outside(data_dir: Path, area: Geometry, around: Geometry) -> tuple[int, float]:
    """LSOAs near the extract (within 5 km of its roads' hull) whose centroid lies outside it, and their people."""
    import shapely

    from bluelight.etl import ons

    try:
        parsed = ons.parse_national(data_dir / POPULATION[0], data_dir / POPULATION[1], within=around)
    except InputFileError:
        return 0, 0.0
    pts = parsed.frame
    out = ~shapely.contains_xy(area, pts["easting"].to_numpy(float), pts["northing"].to_numpy(float))
    return int(out.sum()), float(pts.loc[out, "pop_total"].sum())


def on_network_share(con: duckdb.DuckDBPyConnection, points: np.ndarray, *, max_snap_m: float | None = None) -> float:
    """Share of the loaded population whose centroid lies within ``max_snap_m`` of a road (``points``:
    :func:`road_points`)."""
    from scipy.spatial import cKDTree

    snap = DEFAULT_MAX_SNAP_M if max_snap_m is None else max_snap_m
    pop = con.execute("SELECT easting, northing, pop_total FROM population").df()
    if pop.empty or pop["pop_total"].sum() <= 0:
        return 0.0
    d, _ = cKDTree(points).query(pop[["easting", "northing"]].to_numpy(float))
    on = d <= snap + ROAD_SAMPLE_M / 2                    # within half a sampling step of the road
    return float(pop.loc[on, "pop_total"].sum() / pop["pop_total"].sum())


def _boundaries(con: duckdb.DuckDBPyConnection, data_dir: Path | None, area: Geometry) -> StepReport:
    path = data_dir / LOCAL_AUTHORITIES if data_dir else None
    if data_dir is None or path is None or not path.is_file():
        return StepReport("boundaries", "skipped", missing="no local-authority boundary file in the data directory: "
                          "load one with `bluelight etl boundaries FILE --kind local_authority`")
    try:
        s = load_boundaries(con, path, kind="local_authority", within=area)
    except InputFileError as exc:
        return StepReport("boundaries", "failed", missing=str(exc))
    names = [r[0] for r in con.execute("SELECT name FROM boundaries WHERE kind = 'local_authority' ORDER BY 1")
             .fetchall()]
    found = f"{len(names)} local authorities: {', '.join(names[:8])}" + (" ..." if len(names) > 8 else "")
    missing = ""
    stations = data_dir / STATION_LIST
    if stations.is_file():
        fa = load_fire_authorities(con, stations)
        n_fa = scalar(con, "SELECT count(*) FROM boundaries WHERE kind = 'fire_authority'")
        found += f"; {n_fa} fire and rescue service area(s) dissolved from them"
        if fa.message:
            missing = fa.message
    else:
        missing = "no Home Office station list: fire-authority areas (not published as polygons) cannot be dissolved"
    return StepReport("boundaries", s.status, found, missing, s.as_dict())


def parse_fire_authorities(con: duckdb.DuckDBPyConnection, station_list: Path) -> Parsed:
    """Fire and rescue service areas: the loaded local authorities dissolved by the service the station list names."""
    import shapely

    raw = pd.read_csv(station_list, dtype=str).fillna("")
    need = {"FRS_FULLNAME", "E_CODE", "STATION_EASTING", "STATION_NORTHING"}
    if need - set(raw.columns):
        raise InputFileError(station_list, f"needs columns {sorted(need)}", field=sorted(need - set(raw.columns))[0])
    x = pd.to_numeric(raw["STATION_EASTING"], errors="coerce").to_numpy(float)
    y = pd.to_numeric(raw["STATION_NORTHING"], errors="coerce").to_numpy(float)
    ok = np.isfinite(x) & np.isfinite(y)
    raw, x, y = raw[ok].reset_index(drop=True), x[ok], y[ok]
    las = con.execute("SELECT code, ST_AsWKB(geom) AS wkb FROM boundaries WHERE kind = 'local_authority'").df()
    polys = shapely.from_wkb([bytes(b) for b in las["wkb"]])
    # each local authority belongs to the service whose stations it holds (most of them, where several do)
    owner: list[tuple[str, str] | None] = []
    unmapped: list[str] = []
    for code, poly in zip(las["code"], polys):
        inside = raw[shapely.contains_xy(poly, x, y)]
        if inside.empty:
            owner.append(None)
            unmapped.append(code)
        else:
            top = inside.groupby(["E_CODE", "FRS_FULLNAME"]).size().idxmax()
            owner.append(top)
    las["owner"] = owner
    rows = []
    for (code, frs), grp in las.dropna(subset=["owner"]).groupby("owner"):
        rows.append({"code": code, "frs": frs, "geom": shapely.union_all(polys[grp.index.to_numpy()])})
    out = pd.DataFrame(rows, columns=["code", "frs", "geom"])
    frame = pd.DataFrame({"boundary_id": "fire_authority:" + out["code"], "kind": "fire_authority",
                          "code": out["code"], "name": out["frs"],
                          "area_m2": [g.area for g in out["geom"]], "source": Path(station_list).name})
    frame["wkb"] = shapely.to_wkb(out["geom"].to_numpy())
    wgs = shapely.transform(out["geom"].to_numpy(), lambda c: np.column_stack(geo.to_wgs84(c[:, 0], c[:, 1])))
    frame["wkb_wgs84"] = shapely.to_wkb(wgs)
    frame["content_hash"] = content_hashes(frame, ["boundary_id", "area_m2", "wkb"])
    note = (f"{len(unmapped)} local authorit{'y holds' if len(unmapped) == 1 else 'ies hold'} no listed fire station, "
            f"so no fire and rescue service is assigned: {', '.join(unmapped[:5])}") if unmapped else ""
    return Parsed(frame, rows_read=len(las), extra={"note": note})


def load_fire_authorities(con: duckdb.DuckDBPyConnection, station_list: str | Path) -> LoadSummary:
    """Dissolve the loaded local authorities into fire and rescue service areas (one load)."""
    station_list = Path(station_list)
    codes = _fingerprint(con, "SELECT string_agg(code, ',' ORDER BY code) FROM boundaries WHERE kind = 'local_authority'")
    return run_load(con, dataset="boundaries:fire_authority", loader="fire-authorities", paths=[station_list],
                    parse=lambda: parse_fire_authorities(con, station_list), write=write_boundaries,
                    options={"local_authorities": codes})


def _duty(con: duckdb.DuckDBPyConnection, data_dir: Path | None, profile: str) -> StepReport:
    path = data_dir / DUTY_LIST if data_dir else None
    if path is None or not path.is_file():
        return StepReport("fire duty systems", "skipped", missing="no Home Office duty-system list in the data "
                          "directory: fire stations take the profile's default (wholetime) turnout; give each "
                          "station's duty_system in a sites file")
    from bluelight.analysis.speeds import load_profile

    table = {k: v / 60.0 for k, v in load_profile(profile).turnout_s.items()
             if k in ("wholetime", "on_call", "day_crewed_day")}
    table["day_crewed"] = table.pop("day_crewed_day", table.get("wholetime", 1.5))
    s = load_duty_matches(con, path, data_dir=data_dir, turnout_table=table)
    rows = con.execute("SELECT s.name, m.listing, m.duty_system, m.turnout_source FROM sites s JOIN duty_matches m "
                       "USING (site_id) WHERE s.service = 'fire' ORDER BY s.name").df()
    known = rows[rows["duty_system"].notna()]
    unknown = rows[rows["duty_system"].isna()]
    found = (f"{len(known)} of {len(rows)} fire stations listed with a duty system ({Path(path).name}, by name "
             f"within {NAME_MATCH_M / 1000:g} km or any within {ANY_MATCH_M:g} m)")
    missing = ""
    if len(unknown):
        parts = [f"{lst}: " + ", ".join(f"{n} ({src})" for n, src in zip(g["name"], g["turnout_source"]))
                 for lst, g in unknown.groupby("listing")]
        missing = (f"{len(unknown)} fire station(s) of unknown duty take their service's published turnout, as the "
                   "national estimate does; " + "; ".join(parts) + ". Give their duty_system in a sites file to "
                   "replace it")
    return StepReport("fire duty systems", s.status, found, missing, s.as_dict())
