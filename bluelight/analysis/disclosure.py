"""Statistical disclosure control for outputs shown beyond analysts: grid cells, small-count suppression, rounding.

Incident-level rows and exact locations become counts in square cells of the
British National Grid; a cell holding fewer than ``min_count`` incidents
keeps its place but loses its figures, so that no incident (or the address
behind it) can be picked out. Restricted sites keep their role in the
analysis but are shown at rounded coordinates.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from bluelight.foundation.errors import AnalysisError
from bluelight.foundation.geo import to_wgs84


def cell_centres(easting: ArrayLike, northing: ArrayLike, *, cell_m: float) -> tuple[np.ndarray, np.ndarray]:
    """The centre of the ``cell_m`` square each point falls in.

    Parameters
    ----------
    easting, northing
        The points (EPSG:27700).
    cell_m
        The cell size.
    """
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

    Parameters
    ----------
    frame
        The points, with easting and northing.
    cell_m
        The cell size.
    min_count
        Cells with fewer points are suppressed.
    count
        A column of weights to count (default: one each).
    means
        Output name -> column averaged over each cell's points.

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


def mask_sites(sites: pd.DataFrame, *, restricted_kinds: Collection[str], restricted_ids: Collection[str], rounding_m: float) -> pd.DataFrame:
    """Sites with the restricted ones at rounded coordinates and without address (column ``restricted`` added).

    Parameters
    ----------
    sites
        The sites.
    restricted_kinds
        Kinds whose locations are restricted.
    restricted_ids
        Sites restricted by id.
    rounding_m
        The grid restricted sites are rounded to.
    """
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


def one_way_suppression(parts: ArrayLike, *, min_count: int, unpublished: ArrayLike | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Which parts and totals of one-way tables to withhold so that no count under ``min_count`` can be derived.

    Each row of ``parts`` (units x parts) is one unit's counts split by one
    partition (hour blocks, say); its total and each part are published unless
    withheld. Subtracting the published parts from the total derives the sum
    of the withheld ones, so beyond the primary suppression (counts from 1 to
    ``min_count - 1``) the secondary suppression withholds further parts, the
    smallest first, until the withheld parts of every published total sum to
    0 or at least ``min_count`` (Hundepool et al., *Statistical Disclosure
    Control*, 2012, ch. 4; ONS, *Disclosure control guidance for tables*).
    ``unpublished`` marks parts that are never published (incidents with no
    hour): they count as withheld.

    Parameters
    ----------
    parts
        Units x parts: each unit's counts split by one partition.
    min_count
        The smallest count that may be published.
    unpublished
        Parts never published on their own (or None).

    Returns
    -------
    (parts_withheld, total_withheld)

    Examples
    --------
    >>> p, t = one_way_suppression([[10, 1, 7], [2, 1, 0], [6, 5, 9]], min_count=5)
    >>> p.tolist(), t.tolist()       # row 1: the 1 alone is derivable from 18 - 10 - 7, so the 7 goes too
    ([[False, True, True], [True, True, False], [False, False, False]], [False, True, False])
    """
    counts = np.asarray(parts, float)
    if counts.ndim != 2:
        raise AnalysisError(f"parts must be a units x parts table, got shape {counts.shape}")
    if min_count < 1:
        raise AnalysisError(f"min_count must be at least 1, got {min_count}")
    never = np.zeros(counts.shape, bool) if unpublished is None else np.broadcast_to(np.asarray(unpublished, bool),
                                                                                    counts.shape).copy()
    total = counts.sum(axis=1)
    withheld = ((counts > 0) & (counts < min_count)) | never
    total_withheld = (total > 0) & (total < min_count)
    withheld[total_withheld] |= counts[total_withheld] > 0
    for u in np.flatnonzero(~total_withheld):
        while True:
            hidden = counts[u, withheld[u]].sum()
            if not 0 < hidden < min_count:
                break
            open_ = np.flatnonzero(~withheld[u] & (counts[u] > 0))
            if open_.size == 0:
                break
            withheld[u, open_[np.argmin(counts[u, open_])]] = True
    return withheld, total_withheld


def withhold_across(values: ArrayLike, withheld: ArrayLike, *, min_count: int) -> np.ndarray:
    """``withheld`` grown so that the withheld values of one published column sum to 0 or at least ``min_count``.

    A page that shows the grand total of a selection beside its cells lets
    anyone subtract the published cells from it; this is that line's check.

    Parameters
    ----------
    values
        One published column's values.
    withheld
        Which are withheld already.
    min_count
        The smallest count that may be derived.

    Examples
    --------
    >>> withhold_across([2, 9, 30], [True, False, False], min_count=5).tolist()
    [True, True, False]
    """
    v = np.asarray(values, float)
    out = np.asarray(withheld, bool).copy()
    while 0 < v[out].sum() < min_count:
        open_ = np.flatnonzero(~out & (v > 0))
        if open_.size == 0:
            break
        out[open_[np.argmin(v[open_])]] = True
    return out


def published_cells(frame: pd.DataFrame, *, part: str, parts: Sequence[Hashable], selected: Hashable | None,
                    cell_m: float,
                    min_count: int,
                    means: dict[str, str] | None = None, count: str = "weight") -> pd.DataFrame:
    """The open tier's cells for one selection of one fixed partition, with differencing-proof suppression.

    ``frame`` holds every incident (not only the selected ones) with its
    ``part`` (a hour block's index, a category; anything not in ``parts`` is
    never published on its own). ``selected`` is one of ``parts``, or None for
    all of them. Cells are counted by part, suppressed by
    :func:`one_way_suppression` within each cell and by :func:`withhold_across`
    over the cells, then the selected column is returned like
    :func:`aggregate_cells` (count and means missing where ``suppressed``).

    Parameters
    ----------
    frame
        Every incident, with easting, northing and its part.
    part
        The column naming each incident's part.
    parts
        The parts of the partition, in order.
    selected
        One of ``parts``, or None for all.
    cell_m
        The cell size.
    min_count
        The smallest count that may be published or derived.
    means
        Output name -> column averaged over each cell.
    count
        A column of weights (default: one each).
    """
    if selected is not None and selected not in parts:
        raise AnalysisError(f"selected must be one of {parts} or None, got {selected!r}")
    means = means or {}
    e, n = cell_centres(frame["easting"], frame["northing"], cell_m=cell_m)
    key = pd.MultiIndex.from_arrays([e, n], names=["easting", "northing"])
    codes = pd.Categorical(frame[part], categories=list(parts)).codes            # -1: not a published part
    w = frame[count].to_numpy(float)
    cells = key.unique().sort_values()
    row = cells.get_indexer(key)
    table = np.zeros((len(cells), len(parts) + 1))
    np.add.at(table, (row, np.where(codes >= 0, codes, len(parts))), w)
    never = np.zeros(table.shape[1], bool)
    never[-1] = True
    withheld, total_withheld = one_way_suppression(table, min_count=min_count, unpublished=never)
    col = len(parts) if selected is None else list(parts).index(selected)
    if selected is None:
        values, hidden = table.sum(axis=1), total_withheld
    else:
        values, hidden = table[:, col], withheld[:, col]
    hidden = withhold_across(values, hidden, min_count=min_count)
    chosen = np.ones(len(frame), bool) if selected is None else codes == col
    sub = frame.loc[chosen].assign(easting=e[chosen], northing=n[chosen])
    out = pd.DataFrame({"easting": cells.get_level_values(0), "northing": cells.get_level_values(1),
                        "count": values})
    for name, column in means.items():
        v = sub[column].to_numpy(float)
        ok = np.isfinite(v)
        sums = pd.DataFrame({"easting": sub["easting"], "northing": sub["northing"], "s": np.where(ok, v * w[chosen], 0),
                             "w": np.where(ok, w[chosen], 0)}).groupby(["easting", "northing"]).sum()
        got = sums.reindex(cells)
        out[name] = (got["s"] / got["w"].where(got["w"] > 0)).to_numpy()
    out = out[out["count"] > 0].reset_index(drop=True) if selected is not None else out
    hidden = hidden[values > 0] if selected is not None else hidden
    out.loc[hidden, ["count", *means]] = np.nan
    out["suppressed"] = hidden
    out.insert(0, "cell_id", [f"{int(a)}-{int(b)}" for a, b in zip(out["easting"] - cell_m / 2,
                                                                   out["northing"] - cell_m / 2)])
    return out
