"""Emergency-service stations tagged in OpenStreetMap (PBF or XML extracts).

OSM is a useful cross-check and fills gaps, but it is not an estates
register: a station can stay tagged after it closes (Belsize Park, closed
2014, is still in the 2021 Camden extract). Stations are therefore loaded at
a lower authority than official lists and marked ``duplicate_of`` an
official site they stand beside, which also carries its true status.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import osmium
import pandas as pd

from bluelight.etl.loading import LoadSummary, Parsed, run_load
from bluelight.etl.osm import Tags, check_compressed, osm_suffix
from bluelight.etl.sites import standard_frame, validated, write_sites
from bluelight.foundation.errors import InputFileError

POI_TAGS = {
    ("amenity", "fire_station"): "fire",
    ("amenity", "police"): "police",
    ("amenity", "ambulance_station"): "ambulance",
    ("emergency", "ambulance_station"): "ambulance",
}
OSM_LOCATION_PRECISION_M = 25.0


def _service(tags: Tags) -> str | None:
    for (k, v), service in POI_TAGS.items():
        if tags.get(k) == v:
            return service
    return None


def read_station_pois(path: Path) -> pd.DataFrame:
    """Station nodes and ways (at the centre of their outline) as a raw frame."""
    check_compressed(path)
    rows = []
    try:
        fp = osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY).with_locations()
        for obj in fp:
            service = _service(obj.tags)
            if service is None:
                continue
            if isinstance(obj, osmium.osm.Node):
                lon, lat, kind = obj.location.lon, obj.location.lat, "n"
            elif isinstance(obj, osmium.osm.Way):
                pts = [(n.location.lon, n.location.lat) for n in obj.nodes if n.location.valid()]
                if not pts:
                    continue
                lon = sum(p[0] for p in pts) / len(pts)
                lat = sum(p[1] for p in pts) / len(pts)
                kind = "w"
            else:                                   # (only nodes and ways are read)
                continue
            rows.append({"osm_id": f"{kind}{obj.id}", "service": service, "name": obj.tags.get("name", ""),
                         "operator": obj.tags.get("operator", ""), "latitude": repr(lat), "longitude": repr(lon),
                         "postcode": obj.tags.get("addr:postcode", "")})
    except RuntimeError as exc:
        raise InputFileError(path, f"cannot read as OSM data: {exc}") from exc
    return pd.DataFrame(rows, columns=["osm_id", "service", "name", "operator", "latitude", "longitude", "postcode"])


def parse_osm_sites(path: Path) -> Parsed:
    if osm_suffix(path) not in {".osm", ".osm.bz2", ".osm.gz", ".xml", ".osm.pbf", ".pbf"}:
        raise InputFileError(path, "expected an OSM extract (.osm, .osm.bz2, .osm.pbf)")
    raw = read_station_pois(path)
    if raw.empty:
        raise InputFileError(path, "no emergency-service stations tagged in this extract")
    raw.index = pd.RangeIndex(1, len(raw) + 1)
    names = raw["name"].where(raw["name"].ne(""), "Unnamed " + raw["service"] + " station (OSM " + raw["osm_id"] + ")")
    std = standard_frame(raw, site_id="OSM-" + raw["osm_id"], org_id="OSM", name=names, service=raw["service"],
                         kind="station", status="open", postcode=raw["postcode"], area_name=raw["operator"],
                         latitude=raw["latitude"], longitude=raw["longitude"],
                         location_precision_m=str(OSM_LOCATION_PRECISION_M), source="osm", source_ref=raw["osm_id"])
    return validated(std, path, rows_read=len(raw), layout="osm")


def load_osm_sites(con: duckdb.DuckDBPyConnection, path: str | Path, *, accept_partial: bool = False) -> LoadSummary:
    """Load fire, police and ambulance stations tagged in an OSM extract."""
    path = Path(path)
    return run_load(con, dataset="sites", loader="sites-from-osm", paths=[path], parse=lambda: parse_osm_sites(path),
                    write=write_sites, options={"layout": "osm"}, accept_partial=accept_partial)
