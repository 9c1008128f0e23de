"""Load area boundaries (boroughs, LSOAs...) from GeoJSON, GeoPackage or shapefile."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from shapely import to_wkb

from bluelight.errors import InputFileError
from bluelight.etl import files, geo
from bluelight.etl.loading import LoadSummary, Parsed, Reject, Written, content_hashes, run_load, upsert

#: (code field, name field) pairs recognised without options, most specific first
KNOWN_FIELDS = [("LSOA21CD", "LSOA21NM"), ("LSOA11CD", "LSOA11NM"), ("LAD22CD", "LAD22NM"), ("LAD17CD", "LAD17NM"),
                ("LAD11CD", "LAD11NM"), ("GSS_CODE", "NAME"), ("code", "name")]


def parse_boundaries(path: Path, *, kind: str, code_field: str | None = None, name_field: str | None = None) -> Parsed:
    gdf = files.read_vector(path)
    if code_field is None:
        pair = next(((c, n) for c, n in KNOWN_FIELDS if c in gdf.columns), None)
        if pair is None:
            fields = [c for c in gdf.columns if c != "geometry"]
            raise InputFileError(path, f"no known code field; pass --code-field (fields: {fields})", field="code")
        code_field, name_field = pair[0], name_field or pair[1]
    for fld in (code_field, name_field):
        if fld and fld not in gdf.columns:
            raise InputFileError(path, f"field not in file; fields are {list(gdf.columns)}", field=fld)
    bng = gdf.to_crs(geo.BNG)
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
    return Parsed(good, rows_read=len(gdf), rejects=rejects)


def _write(con, parsed: Parsed, run_id: int) -> Written:
    frame = parsed.frame
    geom = {"geom": "ST_GeomFromWKB(_in.wkb)", "geom_wgs84": "ST_GeomFromWKB(_in.wkb_wgs84)"}
    cols = [c for c in frame.columns if c not in {"wkb", "wkb_wgs84"}]
    # the WKB columns ride along in the frame only to be turned into geometry
    return upsert(con, "boundaries", frame, key="boundary_id", run_id=run_id, geom_sql=geom, select_columns=cols)


def load_boundaries(con, path: str | Path, *, kind: str, code_field: str | None = None,
                    name_field: str | None = None, accept_partial: bool = False) -> LoadSummary:
    """Load area polygons of one kind (``borough``, ``lsoa`` ...)."""
    path = Path(path)
    # a shapefile is several files: a change to any of them is a new load
    sidecars = [path.with_suffix(s) for s in (".dbf", ".shx", ".prj", ".cpg")] if path.suffix.lower() == ".shp" else []
    return run_load(con, dataset=f"boundaries:{kind}", loader="boundaries",
                    paths=[path] + [p for p in sidecars if p.is_file()],
                    parse=lambda: parse_boundaries(path, kind=kind, code_field=code_field, name_field=name_field),
                    write=_write, options={"kind": kind, "code_field": code_field, "name_field": name_field},
                    accept_partial=accept_partial)
