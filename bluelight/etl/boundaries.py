"""Load area boundaries (boroughs, LSOAs...) from GeoJSON, GeoPackage or shapefile."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pandas as pd
import shapely
from shapely import to_wkb

from bluelight.etl import files, geo
from bluelight.etl.loading import LoadSummary, Parsed, Reject, Written, content_hashes, run_load, upsert
from bluelight.etl.population import area_key
from bluelight.foundation.errors import InputFileError

if TYPE_CHECKING:
    import geopandas as gpd
    from shapely import Geometry

#: (code field, name field) pairs recognised without options, most specific first
KNOWN_FIELDS = [("LSOA21CD", "LSOA21NM"), ("LSOA11CD", "LSOA11NM"), ("LAD22CD", "LAD22NM"), ("LAD17CD", "LAD17NM"),
                ("LAD11CD", "LAD11NM"), ("GSS_CODE", "NAME"), ("code", "name")]


#: GSS code prefixes of areas outside Great Britain (Northern Ireland; the Channel Islands and Isle of Man)
NOT_GB_PREFIXES = ("N", "L", "M")


def _field(gdf: gpd.GeoDataFrame, name: str | None) -> str | None:
    """The file's own spelling of a field, matched without regard to case (``lad17cd`` for ``LAD17CD``)."""
    if name is None:
        return None
    by_lower = {str(c).lower(): c for c in gdf.columns}
    return by_lower.get(name.lower())


def parse_boundaries(path: Path, *, kind: str, code_field: str | None = None, name_field: str | None = None,
                     within: Geometry | None = None) -> Parsed:
    """Area polygons of one kind; features outside Great Britain are dropped and counted.

    ``within`` (a shapely geometry in EPSG:27700) keeps only the features that intersect it. A geometry GEOS
    cannot handle is an :class:`InputFileError` naming the file and the problem, never a crash.
    """
    try:
        return _parse_boundaries(path, kind=kind, code_field=code_field, name_field=name_field, within=within)
    except shapely.errors.GEOSException as exc:
        raise InputFileError(path, f"a geometry cannot be processed: {exc}", field="geometry") from exc


def _parse_boundaries(path: Path, *, kind: str, code_field: str | None, name_field: str | None,
                      within: Geometry | None) -> Parsed:
    gdf = files.read_vector(path)
    if code_field is None:
        pair = next(((_field(gdf, c), _field(gdf, n)) for c, n in KNOWN_FIELDS if _field(gdf, c)), None)
        if pair is None:
            fields = [c for c in gdf.columns if c != "geometry"]
            raise InputFileError(path, f"no known code field; pass --code-field (fields: {fields})", field="code")
        code_field, name_field = pair[0], name_field or pair[1]
    else:
        code_field, name_field = _field(gdf, code_field) or code_field, _field(gdf, name_field) or name_field
    for fld in (code_field, name_field):
        if fld and fld not in gdf.columns:
            raise InputFileError(path, f"field not in file; fields are {list(gdf.columns)}", field=fld)
    rows_in_file = len(gdf)
    codes_all = gdf[code_field].astype(str).str.strip()
    outside = codes_all.str.upper().str.startswith(NOT_GB_PREFIXES)
    dropped = sorted(codes_all[outside].str[0].unique().tolist())
    gdf = gdf[~outside.to_numpy()].reset_index(drop=True)
    if gdf.empty:
        raise InputFileError(path, "no feature is in Great Britain (codes start with N, L or M)", field=code_field)
    bng = gdf.to_crs(geo.BNG)
    if within is not None:
        keep = bng.geometry.intersects(within).to_numpy()
        gdf, bng = gdf[keep].reset_index(drop=True), bng[keep].reset_index(drop=True)
        if gdf.empty:
            raise InputFileError(path, "no feature meets the area asked for", field="geometry")
    minx, miny, maxx, maxy = bng.total_bounds
    if geo.check_bng(minx, miny) or geo.check_bng(maxx, maxy):
        msg = (f"features fall outside Great Britain when read as {gdf.crs.to_string()} "
               f"(bounds {minx:.0f},{miny:.0f} to {maxx:.0f},{maxy:.0f}): the declared CRS is probably wrong")
        raise InputFileError(path, msg, field="geometry")
    wgs = bng.to_crs(geo.WGS84)
    rejects: list[Reject] = []
    out = pd.DataFrame(index=pd.RangeIndex(1, len(gdf) + 1))
    codes = gdf[code_field].astype(str).str.strip().to_numpy()
    out["code"] = codes
    out["boundary_id"] = kind + ":" + out["code"]
    out["kind"] = kind
    out["name"] = gdf[name_field].astype(str).str.strip().to_numpy() if name_field else None
    geoms = bng.geometry.make_valid().to_numpy()
    out["area_m2"] = [g.area if g is not None else 0.0 for g in geoms]
    for row, (code, g) in enumerate(zip(codes, geoms), start=1):
        if not code or code in {"nan", "None"}:
            rejects.append(Reject(row, code_field, "", "required value is missing"))
        elif g is None or g.is_empty or g.area <= 0:
            rejects.append(Reject(row, "geometry", code, "empty or zero-area geometry"))
    dup = out["code"].duplicated()
    for row in out.index[dup]:
        rejects.append(Reject(int(row), code_field, out.at[row, "code"], "duplicate code in file"))
    out["source"] = path.name
    out["wkb"] = to_wkb(geoms)
    out["wkb_wgs84"] = to_wkb(wgs.geometry.make_valid().to_numpy())
    good = out.drop(index=[r.row for r in rejects])
    good["content_hash"] = content_hashes(good, ["boundary_id", "name", "area_m2", "wkb"])
    note = (f"{int(outside.sum())} features outside Great Britain dropped (codes starting {', '.join(dropped)})"
            if outside.any() else None)
    return Parsed(good, rows_read=rows_in_file, rejects=rejects, extra={"note": note} if note else {})


def write_boundaries(con: duckdb.DuckDBPyConnection, parsed: Parsed, run_id: int) -> Written:
    frame = parsed.frame
    geom = {"geom": "ST_GeomFromWKB(_in.wkb)", "geom_wgs84": "ST_GeomFromWKB(_in.wkb_wgs84)"}
    cols = [c for c in frame.columns if c not in {"wkb", "wkb_wgs84"}]
    # the WKB columns ride along in the frame only to be turned into geometry
    written = upsert(con, "boundaries", frame, key="boundary_id", run_id=run_id, geom_sql=geom, select_columns=cols)
    note = parsed.extra.get("note")
    return replace(written, message="; ".join(m for m in (written.message, note) if m)) if note else written


def load_boundaries(con: duckdb.DuckDBPyConnection, path: str | Path, *, kind: str, code_field: str | None = None,
                    name_field: str | None = None, accept_partial: bool = False,
                    within: Geometry | None = None) -> LoadSummary:
    """Load area polygons of one kind (``borough``, ``lsoa`` ...)."""
    path = Path(path)
    # a shapefile is several files: a change to any of them is a new load
    sidecars = [path.with_suffix(s) for s in (".dbf", ".shx", ".prj", ".cpg")] if path.suffix.lower() == ".shp" else []
    return run_load(con, dataset=f"boundaries:{kind}", loader="boundaries",
                    paths=[path] + [p for p in sidecars if p.is_file()],
                    parse=lambda: parse_boundaries(path, kind=kind, code_field=code_field, name_field=name_field,
                                                   within=within),
                    write=write_boundaries, options={"kind": kind, "code_field": code_field, "name_field": name_field,
                                          **({"area": area_key(within)} if within is not None else {})},
                    accept_partial=accept_partial)
