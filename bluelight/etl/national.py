"""Readers of the national layers (no road network): fire stations, LSOA population and FIRE1001 response times.

Each reader checks its file up front and names the file, row and field of
anything it cannot use; none writes anything. They feed
:mod:`bluelight.services.national`, the England-wide first look.
"""

from __future__ import annotations

import gzip
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from bluelight.foundation.errors import InputFileError
from bluelight.foundation.geo import to_bng as lonlat_to_bng

if TYPE_CHECKING:
    import geopandas as gpd


def _require(path: Path, frame: pd.DataFrame, columns: list[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputFileError(path, f"lacks column(s) {missing}; has {list(frame.columns)[:12]}", field=missing[0])


def _read_csv(path: Path, **options: Any) -> pd.DataFrame:
    if not Path(path).is_file():
        raise InputFileError(path, "not found (is the data directory complete?)")
    try:
        return pd.read_csv(path, **options)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise InputFileError(path, f"cannot be read as CSV: {exc}") from exc


def read_stations(path: Path) -> pd.DataFrame:
    """Fire stations: frs, name, easting, northing (rows without usable coordinates kept, NaN, and counted)."""
    raw = _read_csv(path, dtype=str)
    _require(path, raw, ["FRS_FULLNAME", "STATION_NAME", "STATION_EASTING", "STATION_NORTHING"])
    out = pd.DataFrame({"frs": raw["FRS_FULLNAME"].str.strip(), "name": raw["STATION_NAME"].str.strip(),
                        "easting": pd.to_numeric(raw["STATION_EASTING"], errors="coerce"),
                        "northing": pd.to_numeric(raw["STATION_NORTHING"], errors="coerce")})
    bad = out["frs"].isna() | (out["frs"] == "")
    if bad.any():
        raise InputFileError(path, "a station has no fire and rescue service", row=int(np.flatnonzero(bad)[0]) + 1,
                             field="FRS_FULLNAME")
    off = ~(out["easting"].between(0, 700_000) & out["northing"].between(0, 1_300_000))
    out.loc[off, ["easting", "northing"]] = np.nan             # no usable position: counted, never placed
    return out


def read_duty(path: Path) -> pd.DataFrame:
    """Stations with a duty system: frs, name, easting, northing, duty (wholetime, day_crewed, on_call), co_responder."""
    raw = _read_csv(path, dtype=str).fillna("")
    _require(path, raw, ["STATION_NAME", "STATION_EASTING", "STATION_NORTHING", "fire-duty-type"])
    text = raw["fire-duty-type"].str.lower()
    duty = np.where(text.str.contains("day"), "day_crewed",
                    np.where(text.str.contains("wholetime"), "wholetime",
                             np.where(text.str.contains("retained|on-call|on call"), "on_call", "")))
    return pd.DataFrame({"frs": raw.get("FRS_FULLNAME", ""), "name": raw["STATION_NAME"].str.strip(),
                         "easting": pd.to_numeric(raw["STATION_EASTING"], errors="coerce"),
                         "northing": pd.to_numeric(raw["STATION_NORTHING"], errors="coerce"),
                         "duty": duty, "co_responder": raw.get("fire-co-responder-station", "").str.lower() == "yes"})


def read_lsoas(centroids: Path, population: Path) -> pd.DataFrame:
    """English LSOAs: lsoa, la_code, la_name, easting, northing (population-weighted centroid), population."""
    cen = _read_csv(centroids, encoding="utf-8-sig")
    _require(centroids, cen, ["X", "Y", "lsoa11cd"])
    pop = _read_population(population)
    cen = cen[cen["lsoa11cd"].astype(str).str.startswith("E")]
    out = cen.merge(pop, left_on="lsoa11cd", right_on="lsoa", how="inner")
    if out.empty:
        raise InputFileError(population, f"no LSOA code matches the centroids of {centroids}", field="LSOA Code")
    x, y = lonlat_to_bng(out["X"].to_numpy(float), out["Y"].to_numpy(float))
    return pd.DataFrame({"lsoa": out["lsoa"], "la_code": out["la_code"], "la_name": out["la_name"],
                         "easting": x, "northing": y, "population": out["population"].to_numpy(float)})


def _read_population(path: Path) -> pd.DataFrame:
    """ONS SAPE22DT2: a preamble, then one row per LSOA with "All Ages" (thousands separated)."""
    if not Path(path).is_file():
        raise InputFileError(path, "not found (is the data directory complete?)")
    opener = gzip.open if str(path).endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8-sig") as fh:
            lines = fh.read().splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(path, f"cannot be read: {exc}") from exc
    start = next((i for i, line in enumerate(lines[:50]) if line.startswith("LSOA Code")), None)
    if start is None:
        raise InputFileError(path, "no header row beginning 'LSOA Code' in its first 50 lines", field="LSOA Code")
    raw = pd.read_csv(io.StringIO("\n".join(lines[start:])), dtype=str, usecols=lambda c: not c.isdigit())
    _require(path, raw, ["LSOA Code", "All Ages", "LA Code (2019 boundaries)", "LA name (2019 boundaries)"])
    count = pd.to_numeric(raw["All Ages"].str.replace(",", "", regex=False), errors="coerce")
    bad = count.isna() | (count < 0)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputFileError(path, f"population {raw['All Ages'].iloc[i]!r} is not a count", row=start + i + 2,
                             field="All Ages")
    return pd.DataFrame({"lsoa": raw["LSOA Code"], "la_code": raw["LA Code (2019 boundaries)"],
                         "la_name": raw["LA name (2019 boundaries)"], "population": count})


def read_fire1001(path: Path) -> pd.DataFrame:
    """FIRE1001 by FRS and year: year, fire_type, area, incidents, total, call handling, turnout and drive (min)."""
    raw = _read_csv(path)
    cols = ["FINANCIAL_YEAR", "FIRE_TYPE", "LOCATION_CATEGORY", "INCIDENTS", "TOTAL_RESPONSE_TIME_min",
            "CALL_HANDLING_TIME_min", "CREW_TURNOUT_TIME_min", "DRIVE_TIME_min"]
    _require(path, raw, cols)
    out = raw[cols].rename(columns=dict(zip(cols, ["year", "fire_type", "area", "incidents", "total_min",
                                                    "call_handling_min", "turnout_min", "drive_min"])))
    for c in ("incidents", "total_min", "call_handling_min", "turnout_min", "drive_min"):
        out[c] = pd.to_numeric(out[c], errors="coerce")
    return out


def read_authorities(path: Path) -> gpd.GeoDataFrame:
    """Local authority districts (code, name, polygon) in EPSG:27700, from a GeoJSON of the ONS boundaries."""
    import geopandas as gpd
    import pyogrio

    if not Path(path).is_file():
        raise InputFileError(path, "not found (is the data directory complete?)")
    try:
        gdf = gpd.read_file(path)
    except (pyogrio.errors.DataSourceError, ValueError) as exc:
        raise InputFileError(path, f"cannot be read as GeoJSON: {exc}") from exc
    code = next((c for c in gdf.columns if c.lower().startswith("lad") and c.lower().endswith("cd")), None)
    name = next((c for c in gdf.columns if c.lower().startswith("lad") and c.lower().endswith("nm")), None)
    if code is None or name is None:
        raise InputFileError(path, "no ladXXcd / ladXXnm columns", field="lad17cd")
    if gdf.crs is None:
        gdf = gdf.set_crs(4326)
    return gdf[[code, name, "geometry"]].rename(columns={code: "la_code", name: "la_name"}).to_crs(27700)
