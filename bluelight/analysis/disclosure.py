"""Statistical disclosure control for outputs shown beyond analysts: grid cells, small-count suppression, rounding.

Incident-level rows and exact locations become counts in square cells of the
British National Grid; a cell holding fewer than ``min_count`` incidents
keeps its place but loses its figures, so that no incident (or the address
behind it) can be picked out. Restricted sites keep their role in the
analysis but are shown at rounded coordinates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bluelight.errors import AnalysisError
from bluelight.geo import to_wgs84


def cell_centres(easting, northing, *, cell_m: float) -> tuple[np.ndarray, np.ndarray]:
    """The centre of the ``cell_m`` square each point falls in."""
    if not cell_m > 0:
        raise AnalysisError(f"cell_m must be positive, got {cell_m}")
    e = np.floor(np.asarray(easting, float) / cell_m) * cell_m + cell_m / 2
    n = np.floor(np.asarray(northing, float) / cell_m) * cell_m + cell_m / 2
    return e, n


def aggregate_cells(frame: pd.DataFrame, *, cell_m: float, min_count: int, count: str = "weight",
                    means: dict[str, str] | None = None) -> pd.DataFrame:
    """Points summed into cells: the count, and count-weighted means of ``means`` (output name -> column).

    Returns one row per cell with ``cell_id``, ``easting``, ``northing`` (the
    centre), ``count`` and the means; where ``count < min_count`` the count
    and means are missing and ``suppressed`` is True.

    Examples
    --------
    >>> f = pd.DataFrame({"easting": [10, 20, 30, 600], "northing": [10, 10, 10, 10], "weight": [1, 1, 1, 1],
    ...                   "r": [100.0, 200.0, 300.0, 50.0]})
    >>> out = aggregate_cells(f, cell_m=500, min_count=2, means={"mean_r": "r"})
    >>> out[["easting", "count", "mean_r", "suppressed"]].values.tolist()
    [[250.0, 3.0, 200.0, False], [750.0, nan, nan, True]]
    """
    if min_count < 1:
        raise AnalysisError(f"min_count must be at least 1, got {min_count}")
    means = means or {}
    e, n = cell_centres(frame["easting"], frame["northing"], cell_m=cell_m)
    w = frame[count].to_numpy(float)
    work = pd.DataFrame({"easting": e, "northing": n, "count": w})
    for name, col in means.items():
        v = frame[col].to_numpy(float)
        ok = np.isfinite(v)
        work[f"{name}__sum"] = np.where(ok, v * w, 0.0)
        work[f"{name}__w"] = np.where(ok, w, 0.0)
    g = work.groupby(["easting", "northing"], sort=True).sum().reset_index()
    out = g[["easting", "northing", "count"]].copy()
    for name in means:
        out[name] = np.where(g[f"{name}__w"] > 0, g[f"{name}__sum"] / g[f"{name}__w"].where(g[f"{name}__w"] > 0), np.nan)
    small = out["count"] < min_count
    out.loc[small, ["count", *means]] = np.nan
    out["suppressed"] = small.to_numpy()
    out.insert(0, "cell_id", [f"{int(a)}-{int(b)}" for a, b in zip(out["easting"] - cell_m / 2,
                                                                   out["northing"] - cell_m / 2)])
    return out


def mask_sites(sites: pd.DataFrame, *, restricted_kinds, restricted_ids, rounding_m: float) -> pd.DataFrame:
    """Sites with the restricted ones at rounded coordinates and without address (column ``restricted`` added)."""
    kinds = sites["kind"] if "kind" in sites.columns else pd.Series([None] * len(sites), index=sites.index)
    hit = kinds.isin(list(restricted_kinds)).to_numpy() | sites["site_id"].isin(list(restricted_ids)).to_numpy()
    out = sites.copy()
    out["restricted"] = hit
    if hit.any():
        for col in ("easting", "northing"):
            out.loc[hit, col] = np.round(out.loc[hit, col].to_numpy(float) / rounding_m) * rounding_m
        if {"lon", "lat"} <= set(out.columns):
            lon, lat = to_wgs84(out.loc[hit, "easting"], out.loc[hit, "northing"])
            out.loc[hit, "lon"], out.loc[hit, "lat"] = lon, lat
        for col in ("address", "postcode"):
            if col in out.columns:
                out[col] = out[col].astype(object)
                out.loc[hit, col] = None
    return out
