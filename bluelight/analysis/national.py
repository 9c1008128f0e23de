"""A fire response estimate for every LSOA without road data, fitted to and checked against FIRE1001.

Without a road network, the drive from the nearest station is estimated from
the straight-line distance: drive = start + pace[setting] x distance, with one
pace (seconds per metre, circuity and speed together) for urban and one for
rural places. The three figures are fitted so that each fire and rescue
service's population-weighted mean modelled drive matches its published mean
drive to dwelling fires (least squares over services, non-negative), and the
fit is judged by leaving each service out in turn: its drive is predicted by
the figures fitted to the others.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import lsq_linear
from scipy.spatial import cKDTree

if TYPE_CHECKING:
    import geopandas as gpd

from bluelight.foundation.errors import AnalysisError

#: LSOAs (about 1,600 people each) whose five nearest neighbours are used for local density
DENSITY_NEIGHBOURS = 5


def nearest(points_xy: np.ndarray, sites_xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of and straight-line distance (m) to each point's nearest site.

    Parameters
    ----------
    points_xy
        The points (EPSG:27700), one row each.
    sites_xy
        The sites.

    Examples
    --------
    >>> i, d = nearest(np.array([[0.0, 0], [10, 0]]), np.array([[1.0, 0], [9, 0]]))
    >>> i.tolist(), d.tolist()
    ([0, 1], [1.0, 1.0])
    """
    if len(sites_xy) == 0:
        raise AnalysisError("no sites with coordinates to measure from")
    d, i = cKDTree(sites_xy).query(points_xy)
    return np.asarray(i, int), np.asarray(d, float)


def urban(points_xy: np.ndarray, population: np.ndarray, *, density_per_km2: float) -> np.ndarray:
    """Whether each point (an LSOA centroid) sits where people live at least ``density_per_km2``: the population
    of it and its nearest neighbours over the circle reaching the furthest of them.

    Parameters
    ----------
    points_xy
        The points (LSOA centroids, EPSG:27700).
    population
        Each point's population.
    density_per_km2
        The density that makes a place urban.

    Examples
    --------
    >>> xy = np.array([[0.0, 0], [100, 0], [0, 100], [100, 100], [50, 50], [60, 60], [50000, 0]])
    >>> urban(xy, np.full(7, 1500.0), density_per_km2=1000).tolist()
    [True, True, True, True, True, True, False]
    """
    k = min(DENSITY_NEIGHBOURS + 1, len(points_xy))
    d, i = cKDTree(points_xy).query(points_xy, k=k)
    d, i = np.atleast_2d(d), np.atleast_2d(i)
    radius_km = np.maximum(d[:, -1], 50.0) / 1000.0
    people = np.asarray(population, float)[i].sum(axis=1)
    return people / (np.pi * radius_km ** 2) >= density_per_km2


@dataclass(frozen=True)
class DriveModel:
    """drive_s = start_s + pace (s per straight-line metre) of the place's setting x distance."""

    start_s: float
    urban_s_per_m: float
    rural_s_per_m: float

    def drive_s(self, distance_m: np.ndarray, is_urban: np.ndarray) -> np.ndarray:
        pace = np.where(is_urban, self.urban_s_per_m, self.rural_s_per_m)
        return self.start_s + pace * np.asarray(distance_m, float)

    def as_dict(self) -> dict[str, Any]:
        return {"start_s": self.start_s, "urban_s_per_m": self.urban_s_per_m, "rural_s_per_m": self.rural_s_per_m,
                "urban_kph_straight_line": 3.6 / self.urban_s_per_m if self.urban_s_per_m > 0 else None,
                "rural_kph_straight_line": 3.6 / self.rural_s_per_m if self.rural_s_per_m > 0 else None}


def service_terms(frs: np.ndarray, distance_m: np.ndarray, is_urban: np.ndarray, weight: np.ndarray,
                  services: list[str]) -> np.ndarray:
    """Per service, the weighted means that make its mean modelled drive linear in the model's three figures:
    [1, mean of urban distance (0 elsewhere), mean of rural distance].

    Parameters
    ----------
    frs
        Each point's fire and rescue service.
    distance_m
        Each point's distance to its nearest station.
    is_urban
        Whether each point is urban.
    weight
        Each point's weight (its incidents or people).
    services
        The services, in the order of the rows returned.
    """
    rows = []
    for s in services:
        m = frs == s
        w = weight[m]
        total = w.sum()
        if total <= 0:
            raise AnalysisError(f"service {s!r} has no population to weigh its drive by")
        rows.append([1.0, float((w * distance_m[m] * is_urban[m]).sum() / total),
                     float((w * distance_m[m] * ~is_urban[m]).sum() / total)])
    return np.array(rows)


def fit_drive(terms: np.ndarray, drive_s: np.ndarray, *, min_pace_s_per_m: float = 0.0) -> DriveModel:
    """Least squares of the services' published mean drives on their terms: the start non-negative, each pace
    at least ``min_pace_s_per_m`` (no faster, as the crow flies, than a vehicle can drive).

    Parameters
    ----------
    terms
        Each service's terms (:func:`service_terms`).
    drive_s
        Each service's published mean drive.
    min_pace_s_per_m
        The fastest pace allowed, seconds per straight-line metre.

    Examples
    --------
    >>> t = np.array([[1.0, 1000, 0], [1, 0, 2000], [1, 500, 500], [1, 2000, 1000]])
    >>> m = fit_drive(t, t @ np.array([60.0, 0.1, 0.08]), min_pace_s_per_m=0.03)
    >>> round(m.start_s, 6), round(m.urban_s_per_m, 6), round(m.rural_s_per_m, 6)
    (60.0, 0.1, 0.08)
    """
    if len(terms) < 4:
        raise AnalysisError(f"need at least four services to fit the drive model, got {len(terms)}")
    lower = np.array([0.0, min_pace_s_per_m, min_pace_s_per_m])
    res = lsq_linear(terms, np.asarray(drive_s, float), bounds=(lower, np.inf))
    return DriveModel(*map(float, res.x))


def leave_one_out(terms: np.ndarray, drive_s: np.ndarray, *, min_pace_s_per_m: float = 0.0) -> np.ndarray:
    """Each service's mean drive predicted by the model fitted to all the others.

    Parameters
    ----------
    terms
        Each service's terms.
    drive_s
        Each service's published mean drive.
    min_pace_s_per_m
        The fastest pace allowed.
    """
    out = np.empty(len(terms))
    for i in range(len(terms)):
        keep = np.arange(len(terms)) != i
        m = fit_drive(terms[keep], drive_s[keep], min_pace_s_per_m=min_pace_s_per_m)
        out[i] = terms[i] @ np.array([m.start_s, m.urban_s_per_m, m.rural_s_per_m])
    return out


def service_areas(authorities: gpd.GeoDataFrame, lsoa_xy: np.ndarray, lsoa_service: np.ndarray, *, simplify_m: float = 400.0) -> gpd.GeoDataFrame:
    """Fire and rescue service areas dissolved from local authorities: each authority goes to the service of the
    LSOA nearest its representative point (authority codes change between years; places do not).

    ``authorities``: a GeoDataFrame in EPSG:27700 (la_code, geometry); returns service, geometry (EPSG:27700).

    Parameters
    ----------
    authorities
        Local authorities (la_code, geometry) in EPSG:27700.
    lsoa_xy
        LSOA centroids.
    lsoa_service
        Each LSOA's fire and rescue service.
    simplify_m
        The tolerance the outlines are simplified to.
    """
    if authorities.crs is None or authorities.crs.to_epsg() != 27700:
        raise AnalysisError("authorities must be in EPSG:27700")
    pts = authorities.geometry.representative_point()
    i, _ = nearest(np.column_stack([pts.x, pts.y]), lsoa_xy)
    frame = authorities.assign(service=np.asarray(lsoa_service, dtype=object)[i])
    out = frame.dissolve(by="service", as_index=False)[["service", "geometry"]]
    out["geometry"] = out.geometry.simplify(simplify_m)
    return out


def station_turnouts_min(duty: Iterable[object], service_turnout_min: ArrayLike, table: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Each fire station's turnout (minutes) and where it comes from: its duty system's, where the duty is known
    (``table``: duty -> minutes), else its fire and rescue service's published FIRE1001 turnout.

    The one rule of the national estimate and of a region's load: a station of unknown duty (unlisted, or listed
    without a duty type) is taken to turn out like its service on average, not like a wholetime crew.

    Parameters
    ----------
    duty
        Each station's duty system (None where unknown).
    service_turnout_min
        Each station's service's published FIRE1001 turnout.
    table
        Duty system -> minutes.

    Examples
    --------
    >>> t, src = station_turnouts_min(["on_call", None, ""], [2.1, 2.1, float("nan")], {"on_call": 5.0})
    >>> t.tolist(), src.tolist()
    ([5.0, 2.1, nan], ['duty system', 'FIRE1001 service mean', 'unknown'])
    """
    kind = np.asarray([d if isinstance(d, str) and d in table else "" for d in duty], dtype=object)
    own = np.array([float(table[k]) if k else np.nan for k in kind])
    service = np.asarray(service_turnout_min, dtype=float)
    out = np.where(np.isfinite(own), own, service)
    source = np.where(np.isfinite(own), "duty system", np.where(np.isfinite(service), "FIRE1001 service mean",
                                                                "unknown"))
    return out, source.astype(object)
