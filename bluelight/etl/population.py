"""Load population: zone population-weighted centroids with counts by age band.

Layouts: the London LSOA 2011 centroid file with ONS mid-year estimates by
age band, and a generic CSV (``zone_code``, ``pop_total`` or ``population``,
optional ``pop_0_15`` ... ``pop_65_plus``, and coordinates).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from bluelight.etl import files, geo, ons
from bluelight.etl.loading import LoadSummary, Parsed, Reject, Written, content_hashes, run_load, upsert
from bluelight.foundation.errors import InputFileError

if TYPE_CHECKING:
    from shapely import Geometry

AGE_BANDS = ("pop_0_15", "pop_16_29", "pop_30_44", "pop_45_64", "pop_65_plus")
LONDON_LSOA_COLUMNS = {"LSOA11CD", "LSOA11NM", "Persons_All-Ages", "Persons_0-15", "Persons_65+", "easting", "northing"}
_LONDON_MAP = {"zone_code": "LSOA11CD", "zone_name": "LSOA11NM", "la_code": "LAD11CD", "la_name": "LAD11NM",
               "pop_total": "Persons_All-Ages", "pop_0_15": "Persons_0-15", "pop_16_29": "Persons_16-29",
               "pop_30_44": "Persons_30-44", "pop_45_64": "Persons_45-64", "pop_65_plus": "Persons_65+"}


def parse_population(path: Path, *, year: int | None = None, zone_kind: str | None = None,
                     mapping: Mapping[str, str] | None = None, encoding: str = "utf-8") -> Parsed:
    frame = files.read_csv(path, encoding=encoding, mapping=mapping)
    london = LONDON_LSOA_COLUMNS <= set(frame.columns)
    if london:
        std = pd.DataFrame({ours: frame[theirs] for ours, theirs in _LONDON_MAP.items()}, index=frame.index)
        std["easting"], std["northing"] = frame["easting"], frame["northing"]
        std["latitude"], std["longitude"] = frame.get("lat", ""), frame.get("lon", "")
        year = year or 2020
        zone_kind = zone_kind or "lsoa11"
        source = "ons_mid2020_lsoa11"
    else:
        if "population" in frame.columns and "pop_total" not in frame.columns:
            frame = frame.rename(columns={"population": "pop_total"})
        missing = [c for c in ("zone_code", "pop_total") if c not in frame.columns]
        if missing:
            msg = f"missing required column(s) {missing}; header is {list(frame.columns)} (use --map ours=theirs)"
            raise InputFileError(path, msg, field=missing[0])
        std = frame
        source = "user"
        zone_kind = zone_kind or "zone"
    rejects: list[Reject] = []
    out = pd.DataFrame(index=std.index)
    out["zone_code"] = std["zone_code"].str.strip()
    for row in std.index[out["zone_code"].eq("")]:
        rejects.append(Reject(int(row), "zone_code", "", "required value is missing"))
    dup = out["zone_code"].duplicated() & out["zone_code"].ne("")
    for row in std.index[dup]:
        rejects.append(Reject(int(row), "zone_code", out.at[row, "zone_code"], "duplicate zone_code in file"))
    for c in ("zone_name", "la_code", "la_name"):
        out[c] = std[c].str.strip().replace("", None) if c in std.columns else None
    out["zone_kind"] = zone_kind
    out["year"] = year
    for c in ("pop_total",) + AGE_BANDS:
        if c not in std.columns:
            out[c] = float("nan")
            continue
        raw = std[c].str.strip()
        num = pd.to_numeric(raw.replace("", None), errors="coerce")
        for row in std.index[(raw.ne("") | (c == "pop_total")) & (num.isna() | num.lt(0))]:
            rejects.append(Reject(int(row), mapping.get(c, c) if mapping else (_LONDON_MAP.get(c, c) if london else c),
                                  raw[row], "not a non-negative number"))
        out[c] = num.astype(float)
    bands = out[list(AGE_BANDS)]
    full = bands.notna().all(axis=1)
    off = full & ((bands.sum(axis=1) - out["pop_total"]).abs() > 0.5 + 0.001 * out["pop_total"].abs())
    for row in std.index[off]:
        rejects.append(Reject(int(row), "pop_total", str(out.at[row, "pop_total"]),
                              f"age bands sum to {bands.loc[row].sum():g}, not the total"))
    has = {c: c in std.columns and std[c].str.strip().ne("").any() for c in ("latitude", "longitude", "easting", "northing")}
    coords, coord_rej = geo.locate(std, lat_col="latitude" if has["latitude"] else None,
                                   lon_col="longitude" if has["longitude"] else None,
                                   east_col="easting" if has["easting"] else None,
                                   north_col="northing" if has["northing"] else None)
    rejects += coord_rej
    out["source"] = source
    bad = {r.row for r in rejects}
    good = out.drop(index=[r for r in bad if r in out.index]).join(coords, how="inner")
    good["content_hash"] = content_hashes(good, list(good.columns))
    return Parsed(good, rows_read=len(frame), rejects=sorted(rejects, key=lambda r: r.row or 0))


def _write(con: duckdb.DuckDBPyConnection, parsed: Parsed, run_id: int) -> Written:
    return upsert(con, "population", parsed.frame, key="zone_code", run_id=run_id,
                  geom_sql={"geom": "ST_Point(_in.easting, _in.northing)"})


def load_population(con: duckdb.DuckDBPyConnection, path: str | Path, *, counts: str | Path | None = None,
                    year: int | None = None, zone_kind: str | None = None, mapping: Mapping[str, str] | None = None,
                    encoding: str = "utf-8", accept_partial: bool = False,
                    within: Geometry | None = None) -> LoadSummary:
    """Load zone population centroids with age bands.

    ``path`` is a centroid file with counts (London LSOA layout, or generic
    CSV), or one of the two ONS national files (LSOA centroids; persons by
    single year of age, gzipped or not), given with the other as ``counts``,
    in either order. ``within`` (EPSG:27700 geometry) keeps the national zones
    inside an area.
    """
    path = Path(path)
    if counts is not None or ons.is_centroid_file(path) or ons.is_single_year_table(path):
        return _load_national(con, path, counts, year=year, within=within, accept_partial=accept_partial)
    return run_load(con, dataset="population", loader="population", paths=[path],
                    parse=lambda: parse_population(path, year=year, zone_kind=zone_kind, mapping=mapping,
                                                   encoding=encoding),
                    write=_write, options={"year": year, "zone_kind": zone_kind, "mapping": dict(mapping or {})},
                    accept_partial=accept_partial)


def area_key(within: Geometry | None) -> str | None:
    """A short fingerprint of an area, so that clipping the same files to another area is a new load."""
    import hashlib

    return None if within is None else hashlib.sha256(within.wkb).hexdigest()[:16]


def _load_national(con: duckdb.DuckDBPyConnection, path: Path, counts: str | Path | None, *, year: int | None,
                   within: Geometry | None, accept_partial: bool) -> LoadSummary:
    files_given = [path] + ([Path(counts)] if counts is not None else [])
    centroids = next((f for f in files_given if ons.is_centroid_file(f)), None)
    table = next((f for f in files_given if ons.is_single_year_table(f)), None)
    if centroids is None or table is None:
        have = "the LSOA centroids (no counts)" if centroids else "the counts by single year of age (no coordinates)"
        need = ("--counts with the ONS single-year-of-age table (lsoa11_population_mid2019_single_year.csv.gz)"
                if centroids else "the centroid file first, with this one as --counts")
        raise InputFileError(files_given[-1] if len(files_given) > 1 else path,
                             f"this is {have}: give {need}" if len(files_given) == 1 else
                             "expected the ONS LSOA centroid file and the single-year-of-age table")
    return run_load(con, dataset="population", loader="population:ons", paths=[centroids, table],
                    parse=lambda: ons.parse_national(centroids, table, year=year or 2019, within=within),
                    write=_write, options={"year": year or 2019, "area": area_key(within)},
                    accept_partial=accept_partial)
