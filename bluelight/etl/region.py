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

import numpy as np
import pandas as pd

from bluelight.errors import InputFileError
from bluelight.etl import geo
from bluelight.etl.boundaries import load_boundaries, write_boundaries
from bluelight.etl.loading import LoadSummary, Parsed, Written, content_hashes, run_load
from bluelight.etl.osm_pois import load_osm_sites
from bluelight.etl.population import load_population
from bluelight.etl.roads import load_roads
from bluelight.etl.targets import load_targets
from bluelight.etl.warehouse import set_meta
from bluelight.vocab import norm_duty, station_key

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
    summary: dict | None = None

    def as_dict(self) -> dict:
        return {"step": self.step, "status": self.status, "found": self.found, "missing": self.missing,
                **({"load": self.summary} if self.summary else {})}


@dataclass
class RegionReport:
    name: str
    profile: str
    profile_reason: str
    steps: list[StepReport] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"region": self.name, "speed_profile": self.profile, "speed_profile_reason": self.profile_reason,
                "steps": [s.as_dict() for s in self.steps]}


def network_area(con, *, buffer_m: float = 250.0):
    """The road network's area (EPSG:27700): the convex hull of its nodes, widened by ``buffer_m``."""
    import shapely

    xy = con.execute("SELECT x_m, y_m FROM road_nodes").fetchnumpy()
    if len(xy["x_m"]) == 0:
        raise InputFileError("<roads>", "the road network is empty")
    return shapely.convex_hull(shapely.multipoints(np.column_stack([xy["x_m"], xy["y_m"]]))).buffer(buffer_m)


def choose_profile(con) -> tuple[str, str]:
    """The profile whose declared area (``applies_to`` in its YAML) holds the network, else the national one.

    A calibrated profile says where its fit holds; an area nobody has
    calibrated gets the national defaults until ``bluelight calibrate --fit``.
    """
    from bluelight.config import profile_document, profile_names

    x, y = con.execute("SELECT median(lon), median(lat) FROM road_nodes").fetchone()
    for name in reversed(profile_names()):                      # the latest version of a family first
        doc, _ = profile_document(name)
        area = (doc.get("applies_to") or {}).get("area_wgs84")
        if area and area[0] <= x <= area[2] and area[1] <= y <= area[3]:
            return name, (f"the network lies in {doc['applies_to'].get('name', name)}: the profile calibrated "
                          f"there ({name})")
    return NATIONAL_PROFILE, ("no calibrated profile covers this area: national defaults (urban and rural speeds by "
                              "road class, turnout by duty system); calibrate on local incidents to replace them")


def parse_duty_matches(con, duty_file: Path) -> Parsed:
    """Match the warehouse's fire stations to a list of stations with their duty system, by name and distance."""
    from scipy.spatial import cKDTree

    raw = pd.read_csv(duty_file, dtype=str).fillna("")
    need = {"STATION_NAME", "STATION_EASTING", "STATION_NORTHING", "fire-duty-type"}
    if need - set(raw.columns):
        raise InputFileError(duty_file, f"needs columns {sorted(need)}", field=sorted(need - set(raw.columns))[0])
    raw["duty"] = [norm_duty(v.split("&")[0].split(";")[0]) if v else None for v in raw["fire-duty-type"]]
    raw["duty"] = [norm_duty(v) or d for v, d in zip(raw["fire-duty-type"], raw["duty"])]
    xy = pd.DataFrame({"x": pd.to_numeric(raw["STATION_EASTING"], errors="coerce"),
                       "y": pd.to_numeric(raw["STATION_NORTHING"], errors="coerce")})
    ok = xy.notna().all(axis=1).to_numpy() & raw["duty"].notna().to_numpy()
    ref, ref_xy = raw[ok].reset_index(drop=True), xy[ok].to_numpy(float)
    sites = con.execute("SELECT site_id, name, easting, northing FROM sites WHERE service = 'fire' "
                        "AND duplicate_of IS NULL AND status = 'open'").df()
    rows = []
    if len(ref) and len(sites):
        tree = cKDTree(ref_xy)
        names = [station_key(n) for n in ref["STATION_NAME"]]
        for s in sites.itertuples(index=False):
            near = tree.query_ball_point([s.easting, s.northing], NAME_MATCH_M)
            mine = station_key(s.name)
            dist = {j: float(np.hypot(*(ref_xy[j] - (s.easting, s.northing)))) for j in near}
            named = [j for j in near if mine and names[j] and (mine in names[j] or names[j] in mine)]
            pick = min(named, key=dist.get) if named else (min(dist, key=dist.get) if dist else None)
            if pick is None or (not named and dist[pick] > ANY_MATCH_M):
                continue
            r = ref.iloc[pick]
            rows.append({"site_id": s.site_id, "duty_system": r["duty"], "matched_name": r["STATION_NAME"],
                         "matched_service": r.get("FRS_FULLNAME", ""), "distance_m": round(dist[pick], 1),
                         "name_match": bool(named), "source_file": Path(duty_file).name})
    frame = pd.DataFrame(rows, columns=["site_id", "duty_system", "matched_name", "matched_service", "distance_m",
                                        "name_match", "source_file"])
    return Parsed(frame, rows_read=len(sites), extra={"stations": len(sites), "listed": len(ref)})


def _write_duty(con, parsed: Parsed, run_id: int) -> Written:
    frame = parsed.frame.assign(load_run_id=run_id)
    con.execute("DELETE FROM duty_matches WHERE site_id IN (SELECT site_id FROM sites WHERE service = 'fire')")
    if len(frame):
        con.register("_duty", frame)
        con.execute("INSERT INTO duty_matches SELECT site_id, duty_system, matched_name, matched_service, distance_m,"
                    " name_match, source_file, load_run_id FROM _duty")
        con.execute("UPDATE sites SET duty_system = _duty.duty_system FROM _duty WHERE sites.site_id = _duty.site_id")
        con.unregister("_duty")
    n, total = len(frame), parsed.extra["stations"]
    med = float(frame["distance_m"].median()) if n else float("nan")
    return Written(loaded=n, message=f"{n} of {total} fire stations matched to a listed duty system"
                                     + (f" (median {med:.0f} m apart)" if n else ""))


def load_duty_matches(con, duty_file: str | Path) -> LoadSummary:
    """Set the duty system of the warehouse's fire stations from a Home Office style list (one load)."""
    duty_file = Path(duty_file)
    sites = _fingerprint(con, "SELECT string_agg(site_id || ':' || round(easting) || ':' || round(northing), ',' "
                              "ORDER BY site_id) FROM sites WHERE service = 'fire'")
    return run_load(con, dataset="duty_matches", loader="duty-matches", paths=[duty_file],
                    parse=lambda: parse_duty_matches(con, duty_file), write=_write_duty, options={"sites": sites})


def _fingerprint(con, sql: str) -> str:
    """A short digest of what the warehouse holds (a derived load depends on it, not only on its file)."""
    text = con.execute(sql).fetchone()[0] or ""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def load_region(con, roads: Path, *, data_dir: Path | None, name: str | None = None) -> RegionReport:
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
    area = network_area(con)
    steps.append(_stations(con, roads))
    steps.append(_population(con, data_dir, area))
    steps.append(_boundaries(con, data_dir, area))
    steps.append(_duty(con, data_dir))
    targets = load_targets(con)
    steps.append(StepReport("response standards", targets.status, "the cited standards of config/targets.yaml",
                            summary=targets.as_dict()))
    return RegionReport(name, profile, reason, steps)


def _stations(con, roads: Path) -> StepReport:
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


def _population(con, data_dir: Path | None, area) -> StepReport:
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
    n, total = con.execute("SELECT count(*), coalesce(sum(pop_total), 0) FROM population").fetchone()
    return StepReport("population", s.status, f"{n:,} LSOAs inside the road network's area, {total:,.0f} people "
                      "(ONS mid-2019, by age band)", "" if n else "no LSOA centroid lies in the area: outside "
                      "England and Wales, load zone centroids with counts by `bluelight etl population`",
                      s.as_dict())


def _boundaries(con, data_dir: Path | None, area) -> StepReport:
    path = data_dir / LOCAL_AUTHORITIES if data_dir else None
    if path is None or not path.is_file():
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
        n_fa = con.execute("SELECT count(*) FROM boundaries WHERE kind = 'fire_authority'").fetchone()[0]
        found += f"; {n_fa} fire and rescue service area(s) dissolved from them"
        if fa.message:
            missing = fa.message
    else:
        missing = "no Home Office station list: fire-authority areas (not published as polygons) cannot be dissolved"
    return StepReport("boundaries", s.status, found, missing, s.as_dict())


def parse_fire_authorities(con, station_list: Path) -> Parsed:
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
    owner, unmapped = [], []
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


def load_fire_authorities(con, station_list: str | Path) -> LoadSummary:
    """Dissolve the loaded local authorities into fire and rescue service areas (one load)."""
    station_list = Path(station_list)
    codes = _fingerprint(con, "SELECT string_agg(code, ',' ORDER BY code) FROM boundaries WHERE kind = 'local_authority'")
    return run_load(con, dataset="boundaries:fire_authority", loader="fire-authorities", paths=[station_list],
                    parse=lambda: parse_fire_authorities(con, station_list), write=write_boundaries,
                    options={"local_authorities": codes})


def _duty(con, data_dir: Path | None) -> StepReport:
    path = data_dir / DUTY_LIST if data_dir else None
    if path is None or not path.is_file():
        return StepReport("fire duty systems", "skipped", missing="no Home Office duty-system list in the data "
                          "directory: fire stations take the profile's default (wholetime) turnout; give each "
                          "station's duty_system in a sites file")
    s = load_duty_matches(con, path)
    total, matched = con.execute("SELECT count(*), count(m.site_id) FROM sites s LEFT JOIN duty_matches m "
                                 "USING (site_id) WHERE s.service = 'fire' AND s.duplicate_of IS NULL").fetchone()
    missing = "" if matched == total else (
        f"{total - matched} fire station(s) are not in the Home Office duty list (it covers some services only): "
        "they take the profile's default turnout (wholetime); give their duty_system in a sites file")
    return StepReport("fire duty systems", s.status, f"{matched} of {total} fire stations matched "
                      f"({Path(path).name}, by name within {NAME_MATCH_M / 1000:g} km or any within "
                      f"{ANY_MATCH_M:g} m)", missing, s.as_dict())
