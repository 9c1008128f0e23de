"""Coordinate columns of loaded files: parsed, checked to lie in Great Britain, rejected by row.

The transforms and the point checks are foundation code (:mod:`bluelight.foundation.geo`);
this module turns them into row rejects for the loaders.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from bluelight.etl.loading import Reject
from bluelight.foundation.geo import BNG, OFF_LAND, WGS84, check_bng, check_lonlat, on_land, to_bng, to_wgs84

__all__ = ["BNG", "WGS84", "check_bng", "check_lonlat", "locate", "to_bng", "to_wgs84"]


def _number(frame: pd.DataFrame, col: str, rejects: list[Reject]) -> pd.Series:
    raw = frame[col].astype("string").str.strip()
    num = pd.to_numeric(raw, errors="coerce")
    for row in frame.index[num.isna()]:
        rejects.append(Reject(int(row), col, str(raw.loc[row]) if raw.loc[row] is not pd.NA else "",
                              "missing" if not raw.loc[row] else "not a number"))
    return num


def _checked_pairs(frame: pd.DataFrame, col_a: str, col_b: str, check: Callable[[pd.Series, pd.Series], pd.Series],
                   rejects: list[Reject]) -> pd.DataFrame:
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


def _on_land(coords: pd.DataFrame, field: str, shown: tuple[str, str], rejects: list[Reject]) -> pd.DataFrame:
    """The rows whose point lies in Great Britain's land outline; the others become rejects naming the row."""
    ok = on_land(coords["easting"].to_numpy(), coords["northing"].to_numpy())
    for row in coords.index[~ok]:
        a, b = coords.loc[row, shown[0]], coords.loc[row, shown[1]]
        rejects.append(Reject(int(row), field, f"{a}, {b}", f"({a:.6g}, {b:.6g}) {OFF_LAND}"))
    return coords[ok]


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
    if use_bng.any() and east_col is not None and north_col is not None:      # (rows use BNG only when given)
        en = _checked_pairs(frame.loc[use_bng], east_col, north_col, check_bng, rejects)
        lon, lat = to_wgs84(en["a"], en["b"])
        parts.append(_on_land(pd.DataFrame({"easting": en["a"], "northing": en["b"], "lon": lon, "lat": lat},
                                           index=en.index), f"{east_col}/{north_col}", ("easting", "northing"),
                              rejects))
    rest = frame.index[~use_bng]
    if len(rest) and not has_ll:
        rejects += [Reject(int(row), east_col, "", "no coordinates given") for row in rest]
    elif len(rest) and lat_col and lon_col:
        ll = _checked_pairs(frame.loc[rest], lat_col, lon_col, lambda la, lo: check_lonlat(la, lo), rejects)
        e, n = to_bng(ll["b"], ll["a"])
        parts.append(_on_land(pd.DataFrame({"easting": e, "northing": n, "lon": ll["b"], "lat": ll["a"]},
                                           index=ll.index), f"{lat_col}/{lon_col}", ("lat", "lon"), rejects))
    out = pd.concat(parts).sort_index() if parts else pd.DataFrame(columns=["easting", "northing", "lon", "lat"],
                                                                       dtype=float)
    return out.astype(float), sorted(rejects, key=lambda r: (r.row or 0))
