"""Coordinates in Great Britain: transforms between EPSG:27700 and WGS84, and the checks every point passes.

Every loaded point is checked to lie in Great Britain, and the common
mistakes are named rather than reported as "out of range": latitude and
longitude swapped, degrees in easting/northing columns, Web Mercator metres
given as British National Grid.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np
import shapely
from numpy.typing import ArrayLike
from pyproj import Transformer

BNG = "EPSG:27700"
WGS84 = "EPSG:4326"

# Great Britain with its islands (Scilly to Shetland); the Channel Islands and
# Northern Ireland are outside the National Grid's use here.
LAT_RANGE = (49.8, 61.0)
LON_RANGE = (-8.8, 2.0)
EASTING_RANGE = (0.0, 700_000.0)
NORTHING_RANGE = (0.0, 1_250_000.0)
#: the land outline (with a 2 km coastal margin) that a point must also fall in: see :mod:`bluelight.etl.gb_outline`
GB_LAND_FILE = Path(__file__).resolve().parents[1] / "data" / "gb_land_27700.geojson"
# Web Mercator metres over Great Britain
MERC_X_RANGE = (-980_000.0, 225_000.0)
MERC_Y_RANGE = (6_400_000.0, 8_700_000.0)


@lru_cache(maxsize=8)
def transformer(src: str, dst: str) -> Transformer:
    return Transformer.from_crs(src, dst, always_xy=True)


def to_bng(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude (WGS84) as easting and northing (British National Grid)."""
    return transformer(WGS84, BNG).transform(np.asarray(lon, float), np.asarray(lat, float))


def to_wgs84(easting: ArrayLike, northing: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Easting and northing (British National Grid) as longitude and latitude (WGS84)."""
    return transformer(BNG, WGS84).transform(np.asarray(easting, float), np.asarray(northing, float))


def _within(v: float, rng: tuple[float, float]) -> bool:
    return bool(rng[0] <= v <= rng[1])


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


@lru_cache(maxsize=1)
def gb_land() -> shapely.Geometry:
    """Great Britain's outline in EPSG:27700 (prepared for fast point tests)."""
    doc = json.loads(GB_LAND_FILE.read_text(encoding="utf-8"))
    land = shapely.geometry.shape(doc["geometry"])
    shapely.prepare(land)
    return land


def on_land(easting: ArrayLike, northing: ArrayLike) -> np.ndarray:
    """Whether each (easting, northing) lies in Great Britain's outline (within 2 km of its coast).

    Examples
    --------
    >>> on_land([530_000, 631_900, 671_000, 116_600], [180_000, 141_500, 123_900, 392_000]).tolist()  # London, Dover, Calais, Dublin
    [True, True, False, False]
    """
    e, n = np.asarray(easting, float), np.asarray(northing, float)
    return np.asarray(shapely.contains_xy(gb_land(), e, n), dtype=bool)


OFF_LAND = ("is outside Great Britain: not within 2 km of the land of England, Wales or Scotland (the sea, "
            "Ireland, France, the Isle of Man and the Channel Islands are outside)")
