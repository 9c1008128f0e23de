"""Coordinate checks and transforms for Great Britain.

Every loaded point is checked to lie in Great Britain, and the common
mistakes are named rather than reported as "out of range": latitude and
longitude swapped, degrees in easting/northing columns, Web Mercator metres
given as British National Grid.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
from pyproj import Transformer

from etl.loading import Reject

BNG = "EPSG:27700"
WGS84 = "EPSG:4326"

# Great Britain with its islands (Scilly to Shetland); the Channel Islands and
# Northern Ireland are outside the National Grid's use here.
LAT_RANGE = (49.8, 61.0)
LON_RANGE = (-8.8, 2.0)
EASTING_RANGE = (0.0, 700_000.0)
NORTHING_RANGE = (0.0, 1_250_000.0)
# Web Mercator metres over Great Britain
MERC_X_RANGE = (-980_000.0, 225_000.0)
MERC_Y_RANGE = (6_400_000.0, 8_700_000.0)


@lru_cache(maxsize=8)
def transformer(src: str, dst: str) -> Transformer:
    return Transformer.from_crs(src, dst, always_xy=True)


def to_bng(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    return transformer(WGS84, BNG).transform(np.asarray(lon, float), np.asarray(lat, float))


def to_wgs84(easting, northing) -> tuple[np.ndarray, np.ndarray]:
    return transformer(BNG, WGS84).transform(np.asarray(easting, float), np.asarray(northing, float))


def _within(v, rng) -> bool:
    return rng[0] <= v <= rng[1]


def check_lonlat(lat: float, lon: float) -> str | None:
    """Why (lat, lon) is not a point in Great Britain, or None if it is."""
    if not (np.isfinite(lat) and np.isfinite(lon)):
        return "coordinate is not a finite number"
    if _within(lat, LAT_RANGE) and _within(lon, LON_RANGE):
        return None
    if _within(lon, LAT_RANGE) and _within(lat, LON_RANGE):
        return "latitude and longitude appear swapped"
    if _within(lat, EASTING_RANGE) and _within(lon, NORTHING_RANGE) and lat > 1000:
        return "values look like British National Grid metres, not degrees (use easting/northing columns)"
    return f"({lat}, {lon}) is outside Great Britain"


def check_bng(easting: float, northing: float) -> str | None:
    """Why (easting, northing) is not a point in Great Britain, or None if it is."""
    if not (np.isfinite(easting) and np.isfinite(northing)):
        return "coordinate is not a finite number"
    if abs(easting) <= 180 and abs(northing) <= 90:
        return "values look like WGS84 degrees, not British National Grid metres (wrong CRS?)"
    if _within(easting, MERC_X_RANGE) and _within(northing, MERC_Y_RANGE):
        return "values look like Web Mercator (EPSG:3857) metres, not British National Grid (EPSG:27700)"
    if _within(easting, EASTING_RANGE) and _within(northing, NORTHING_RANGE):
        return None
    if _within(northing, EASTING_RANGE) and _within(easting, NORTHING_RANGE):
        return "easting and northing appear swapped"
    return f"({easting}, {northing}) is outside Great Britain"


def _number(frame: pd.DataFrame, col: str, rejects: list[Reject]) -> pd.Series:
    raw = frame[col].astype("string").str.strip()
    num = pd.to_numeric(raw, errors="coerce")
    for row in frame.index[num.isna()]:
        rejects.append(Reject(int(row), col, str(raw.loc[row]) if raw.loc[row] is not pd.NA else "",
                              "missing" if not raw.loc[row] else "not a number"))
    return num


def _checked_pairs(frame: pd.DataFrame, col_a: str, col_b: str, check, rejects: list[Reject]) -> pd.DataFrame:
    """Numeric (a, b) per row that passes ``check(a, b)``; every failure becomes a reject naming the row."""
    sub_rej: list[Reject] = []
    a = _number(frame, col_a, sub_rej)
    b = _number(frame, col_b, sub_rej)
    bad = {r.row for r in sub_rej}
    rejects.extend(sub_rej)
    for row in frame.index:
        if row in bad:
            continue
        why = check(float(a[row]), float(b[row]))
        if why:
            rejects.append(Reject(int(row), f"{col_a}/{col_b}", f"{a[row]}, {b[row]}", why))
            bad.add(row)
    ok = [r for r in frame.index if r not in bad]
    return pd.DataFrame({"a": a[ok].astype(float), "b": b[ok].astype(float)}, index=ok)


def locate(
    frame: pd.DataFrame,
    *,
    lat_col: str | None,
    lon_col: str | None,
    east_col: str | None,
    north_col: str | None,
) -> tuple[pd.DataFrame, list[Reject]]:
    """Coordinates of each row in both systems, and the rows that have none usable.

    Rows may give BNG easting/northing, WGS84 latitude/longitude, or both
    (BNG is preferred, being the source of record in UK public data).

    Returns
    -------
    (coords, rejects)
        ``coords`` has columns easting, northing, lon, lat indexed like
        ``frame`` for the rows that passed.
    """
    rejects: list[Reject] = []
    has_ll = bool(lat_col and lon_col)
    if east_col is not None and north_col is not None:
        has_bng = frame[east_col].astype("string").str.strip().fillna("").ne("")
        use_bng = has_bng if has_ll else pd.Series(True, index=frame.index)
    else:
        use_bng = pd.Series(False, index=frame.index)
    parts = []
    if use_bng.any():
        en = _checked_pairs(frame.loc[use_bng], east_col, north_col, check_bng, rejects)
        lon, lat = to_wgs84(en["a"], en["b"])
        parts.append(pd.DataFrame({"easting": en["a"], "northing": en["b"], "lon": lon, "lat": lat}, index=en.index))
    rest = frame.index[~use_bng]
    if len(rest) and not has_ll:
        rejects += [Reject(int(row), east_col, "", "no coordinates given") for row in rest]
    elif len(rest):
        ll = _checked_pairs(frame.loc[rest], lat_col, lon_col, lambda la, lo: check_lonlat(la, lo), rejects)
        e, n = to_bng(ll["b"], ll["a"])
        parts.append(pd.DataFrame({"easting": e, "northing": n, "lon": ll["b"], "lat": ll["a"]}, index=ll.index))
    out = pd.concat(parts).sort_index() if parts else pd.DataFrame(columns=["easting", "northing", "lon", "lat"],
                                                                       dtype=float)
    return out.astype(float), sorted(rejects, key=lambda r: (r.row or 0))
