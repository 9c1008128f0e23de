"""Isochrone polygons built from the reachable road edges, two ways.

:func:`isochrone_polygons` (exact): for a band of ``b`` seconds, every edge
whose far end is reached within ``b`` is taken whole, and an edge entered but
not finished is cut where the time runs out. The reached lines are buffered
by ``buffer_m`` (the distance from a road that an address may sit) and
unioned. :func:`isochrone_polygons_grid` (fast, the engine's default): points
along every reached edge carry the time at which they are reached; each cell
of a ``cell_m`` grid takes the earliest time within ``buffer_m`` of it, and
each band is the filled contour of that field at its limit, as the
grid-and-contour engines do. Both fill holes smaller than ``min_hole_m2`` (a
block whose every side is reached) and drop detached parts smaller than
``min_island_m2``, since both are artefacts of the buffer rather than places
that cannot be reached.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import shapely
from numpy.typing import ArrayLike
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import substring

from bluelight.analysis.network import RoadNetwork
from bluelight.foundation.errors import AnalysisError

if TYPE_CHECKING:
    import geopandas as gpd

DEFAULT_BUFFER_M = 40.0
DEFAULT_MIN_HOLE_M2 = 60_000.0
DEFAULT_MIN_ISLAND_M2 = 15_000.0


def _bands(bands_s: Sequence[float]) -> list[float]:
    """The band limits as floats, checked positive and increasing."""
    bands = [float(b) for b in bands_s]
    if not bands or any(b <= 0 for b in bands) or bands != sorted(bands):
        raise AnalysisError(f"bands_s must be positive and increasing, got {bands_s}")
    return bands


def _nested(polys: list[BaseGeometry]) -> list[BaseGeometry]:
    """Each band unioned with the smaller ones: a larger band always contains a smaller (cleaning must not break
    nesting)."""
    for i in range(1, len(polys)):
        polys[i] = shapely.union(polys[i], polys[i - 1])
    return polys


def _full_and_partial(network: RoadNetwork, node_time_s: np.ndarray, band_s: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    t_u = node_time_s[network.edge_u]
    tt = network.travel_time_s
    full = t_u + tt <= band_s
    partial = ~full & (t_u < band_s)
    return full, partial, t_u


def _one_direction(network: RoadNetwork, mask: np.ndarray) -> np.ndarray:
    """Indices of ``mask`` edges with the reverse twin of a two-way street dropped (same shape, drawn once)."""
    idx = np.flatnonzero(mask)
    lo = np.minimum(network.edge_u[idx], network.edge_v[idx])
    hi = np.maximum(network.edge_u[idx], network.edge_v[idx])
    key = np.stack([lo, hi, np.round(network.length_m[idx]).astype(np.int64)], axis=1)
    _, first = np.unique(key, axis=0, return_index=True)
    return idx[np.sort(first)]


def _cut(geoms: np.ndarray, t_u: np.ndarray, tt: np.ndarray, band_s: float) -> list[BaseGeometry]:
    out = []
    for g, tu, te in zip(geoms, t_u, tt):
        frac = (band_s - tu) / te if te > 0 else 1.0
        if frac > 0:
            out.append(substring(g, 0.0, float(frac), normalized=True))
    return out


def reached_lines(network: RoadNetwork, edge_geoms: ArrayLike, node_time_s: np.ndarray, band_s: float) -> np.ndarray:
    """Line geometries of the network reached within ``band_s`` (whole and partial edges).

    Parameters
    ----------
    network
        The road network.
    edge_geoms
        Its edge geometries, aligned with its edges.
    node_time_s
        Response time to each node (``inf`` where not reached).
    band_s
        The band, in seconds.
    """
    geoms = _check_geoms(network, edge_geoms)
    full, partial, t_u = _full_and_partial(network, node_time_s, band_s)
    lines = list(geoms[_one_direction(network, full)])
    lines += _cut(geoms[partial], t_u[partial], network.travel_time_s[partial], band_s)
    return np.array(lines, dtype=object)


def _check_geoms(network: RoadNetwork, edge_geoms: ArrayLike) -> np.ndarray:
    geoms = np.asarray(edge_geoms, dtype=object)
    if len(geoms) != len(network.edge_u):
        raise AnalysisError(f"edge_geoms needs one geometry per network edge ({len(network.edge_u)}), got {len(geoms)}")
    return geoms


def _buffered_union(lines: np.ndarray, buffer_m: float) -> BaseGeometry:
    """Union of buffered lines; chains of edges are merged first, so there are fewer shapes to union."""
    if len(lines) == 0:
        return Polygon()
    parts = shapely.get_parts(shapely.line_merge(shapely.multilinestrings(lines)))
    return shapely.union_all(shapely.buffer(parts, buffer_m, quad_segs=4))


def _clean(poly: BaseGeometry, *, min_hole_m2: float, min_island_m2: float, keep_point: BaseGeometry | None = None) -> BaseGeometry:
    parts = list(poly.geoms) if isinstance(poly, MultiPolygon) else [poly]
    out = []
    for p in parts:
        if p.is_empty:
            continue
        if p.area < min_island_m2 and not (keep_point is not None and p.contains(keep_point)):
            continue
        holes = [r for r in p.interiors if Polygon(r).area >= min_hole_m2]
        out.append(Polygon(p.exterior, holes))
    if not out:
        return Polygon()
    return out[0] if len(out) == 1 else MultiPolygon(out)


def isochrone_polygons(network: RoadNetwork, edge_geoms: ArrayLike, node_time_s: ArrayLike, bands_s: Sequence[float], *,
                       buffer_m: float = DEFAULT_BUFFER_M, min_hole_m2: float = DEFAULT_MIN_HOLE_M2,
                       min_island_m2: float = DEFAULT_MIN_ISLAND_M2, source_xy: tuple[float, float] | None = None) -> list[BaseGeometry]:
    """One polygon (EPSG:27700) per band from a field of node times.

    Parameters
    ----------
    node_time_s
        Time at every node: one site's response (turnout + drive), or a
        nearest-site field for the merged isochrone of a service.
    bands_s
        Increasing band limits in seconds.
    source_xy
        A point whose island is kept whatever its size (the site itself).

    Examples
    --------
    >>> import shapely
    >>> from bluelight.analysis import example_network, nearest_site_field
    >>> net = example_network()
    >>> geoms = shapely.linestrings([[(net.x_m[u], net.y_m[u]), (net.x_m[v], net.y_m[v])]
    ...                              for u, v in zip(net.edge_u, net.edge_v)])
    >>> times, _ = nearest_site_field(net, [4], cutoff_s=120)
    >>> polys = isochrone_polygons(net, geoms, times, (60, 120))
    >>> len(polys), polys[1].area > polys[0].area > 0
    (2, True)
    """
    bands = _bands(bands_s)
    if buffer_m <= 0:
        raise AnalysisError(f"buffer_m must be positive, got {buffer_m}")
    times = np.asarray(node_time_s, dtype=float)
    geoms = _check_geoms(network, edge_geoms)
    keep = shapely.Point(*source_xy) if source_xy is not None else None
    polys = []
    whole = Polygon()                       # buffered whole edges so far: each band adds only new ones
    done = np.zeros(len(geoms), dtype=bool)
    for b in bands:
        full, partial, t_u = _full_and_partial(network, times, b)
        new = _one_direction(network, full & ~done)
        done |= full
        whole = shapely.union(whole, _buffered_union(geoms[new], buffer_m))
        cut = _cut(geoms[partial], t_u[partial], network.travel_time_s[partial], b)
        merged = shapely.union(whole, _buffered_union(np.array(cut, dtype=object), buffer_m))
        polys.append(_clean(merged, min_hole_m2=min_hole_m2, min_island_m2=min_island_m2, keep_point=keep)
                     if not merged.is_empty else Polygon())
    return _nested(polys)


DEFAULT_CELL_M = 25.0


def isochrone_polygons_grid(network: RoadNetwork, edge_geoms: ArrayLike, node_time_s: ArrayLike, bands_s: Sequence[float], *, cell_m: float = DEFAULT_CELL_M,
                            buffer_m: float = DEFAULT_BUFFER_M, min_hole_m2: float = DEFAULT_MIN_HOLE_M2,
                            min_island_m2: float = DEFAULT_MIN_ISLAND_M2, source_xy: tuple[float, float] | None = None) -> list[BaseGeometry]:
    """One polygon (EPSG:27700) per band from a field of node times, by a grid of earliest times and its contours.

    Parameters are those of :func:`isochrone_polygons`, and ``cell_m``, the grid's cell (no wider than the
    buffer: a narrower buffer narrows the cell).

    Examples
    --------
    >>> import shapely
    >>> from bluelight.analysis import example_network, nearest_site_field
    >>> net = example_network()
    >>> geoms = shapely.linestrings([[(net.x_m[u], net.y_m[u]), (net.x_m[v], net.y_m[v])]
    ...                              for u, v in zip(net.edge_u, net.edge_v)])
    >>> times, _ = nearest_site_field(net, [4], cutoff_s=120)
    >>> polys = isochrone_polygons_grid(net, geoms, times, (60, 120))
    >>> len(polys), polys[1].area > polys[0].area > 0
    (2, True)
    """
    import contourpy

    bands = _bands(bands_s)
    if buffer_m <= 0 or cell_m <= 0:
        raise AnalysisError(f"buffer_m and cell_m must be positive, got {buffer_m} and {cell_m}")
    cell_m = min(cell_m, buffer_m)                      # a cell no wider than the buffer it draws
    found = earliest_time_grid(network, edge_geoms, node_time_s, max(bands), cell_m=cell_m, buffer_m=buffer_m)
    if found is None:
        return [Polygon() for _ in bands]
    field = np.where(np.isfinite(found.time_s), found.time_s, 10.0 * max(bands) + 1.0)
    gen = contourpy.contour_generator(x=found.x0_m + (np.arange(field.shape[1]) + 0.5) * cell_m,
                                      y=found.y0_m + (np.arange(field.shape[0]) + 0.5) * cell_m, z=field,
                                      fill_type="OuterOffset")
    keep = shapely.Point(*source_xy) if source_xy is not None else None
    polys = []
    for b in bands:
        points, offsets = cast("tuple[list[np.ndarray], list[np.ndarray]]", gen.filled(-1.0, b))   # OuterOffset
        parts = [Polygon(pts[o[0]:o[1]], [pts[o[i]:o[i + 1]] for i in range(1, len(o) - 1)])
                 for pts, o in zip(points, offsets)]
        merged = shapely.make_valid(MultiPolygon(parts)) if parts else Polygon()
        polys.append(_clean(merged, min_hole_m2=min_hole_m2, min_island_m2=min_island_m2, keep_point=keep)
                     if not merged.is_empty else Polygon())
    return _nested(polys)


@dataclass(frozen=True)
class TimeGrid:
    """The earliest time each cell of a grid (EPSG:27700) is reached: row 0 is the southernmost, column 0 the
    westernmost; ``inf`` where nothing is reached within the limit or no road is within the buffer."""

    time_s: np.ndarray
    x0_m: float
    y0_m: float
    cell_m: float

    @property
    def bounds_m(self) -> tuple[float, float, float, float]:
        """West, south, east and north edges of the grid."""
        rows, cols = self.time_s.shape
        return self.x0_m, self.y0_m, self.x0_m + cols * self.cell_m, self.y0_m + rows * self.cell_m


def earliest_time_grid(network: RoadNetwork, edge_geoms: ArrayLike, node_time_s: ArrayLike, limit_s: float, *,
                       cell_m: float = DEFAULT_CELL_M, buffer_m: float = DEFAULT_BUFFER_M) -> TimeGrid | None:
    """The grid of earliest times from a field of node times: each cell the earliest time at which a road point
    within ``buffer_m`` of it is reached (before ``limit_s``); the isochrones' contours, or a map's surface.

    Parameters
    ----------
    network
        The road network the times are of.
    edge_geoms
        Each edge's line (EPSG:27700).
    node_time_s
        Time each node is reached (``inf``: not reached).
    limit_s
        Road points reached later than this are left out.
    cell_m
        The grid's cell.
    buffer_m
        How far from a road a cell takes its time.

    Returns
    -------
    TimeGrid or None
        None when nothing is reached within the limit.

    Examples
    --------
    >>> import shapely
    >>> from bluelight.analysis import example_network, nearest_site_field
    >>> net = example_network()
    >>> geoms = shapely.linestrings([[(net.x_m[u], net.y_m[u]), (net.x_m[v], net.y_m[v])]
    ...                              for u, v in zip(net.edge_u, net.edge_v)])
    >>> times, _ = nearest_site_field(net, [4], cutoff_s=120)
    >>> grid = earliest_time_grid(net, geoms, times, 120, cell_m=25, buffer_m=40)
    >>> bool(np.nanmin(grid.time_s) == 0.0), bool(np.isinf(grid.time_s).any())
    (True, True)
    """
    from scipy import ndimage

    if buffer_m <= 0 or cell_m <= 0:
        raise AnalysisError(f"buffer_m and cell_m must be positive, got {buffer_m} and {cell_m}")
    times = np.asarray(node_time_s, dtype=float)
    geoms = _check_geoms(network, edge_geoms)
    px, py, t = _timed_points(network, geoms, times, limit_s, step_m=cell_m / 2)
    if len(t) == 0:
        return None
    pad = 3 * buffer_m
    x0, y0 = px.min() - pad, py.min() - pad
    ix, iy = ((px - x0) / cell_m).astype(np.int64), ((py - y0) / cell_m).astype(np.int64)
    extra = int(np.ceil(2 * pad / cell_m)) + 2
    grid = np.full((int(iy.max()) + extra, int(ix.max()) + extra), np.inf)
    np.minimum.at(grid, (iy, ix), t)
    r = int(np.ceil(buffer_m / cell_m))
    yy, xx = np.mgrid[-r:r + 1, -r:r + 1]
    grid = ndimage.minimum_filter(grid, footprint=(xx ** 2 + yy ** 2) * cell_m ** 2 <= buffer_m ** 2,
                                  mode="constant", cval=np.inf)
    return TimeGrid(grid, float(x0), float(y0), float(cell_m))


def _timed_points(network: RoadNetwork, geoms: np.ndarray, times: np.ndarray, limit_s: float, *, step_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points every ``step_m`` along the edges entered before ``limit_s``, with the time each is reached."""
    t_u = times[network.edge_u]
    idx = np.flatnonzero(np.isfinite(t_u) & (t_u < limit_s))
    if len(idx) == 0:
        return np.empty(0), np.empty(0), np.empty(0)
    coords, which = shapely.get_coordinates(geoms[idx], return_index=True)
    seg = np.hypot(np.diff(coords[:, 0]), np.diff(coords[:, 1]))
    same = which[1:] == which[:-1]                      # a segment within one edge (not the jump to the next)
    per = np.where(same, np.maximum(1, np.ceil(seg / step_m)).astype(np.int64), 0)
    rep = np.repeat(np.arange(len(seg)), per)
    first = np.cumsum(per) - per
    frac = (np.arange(len(rep)) - first[rep]) / per[rep]
    px = coords[rep, 0] + frac * (coords[rep + 1, 0] - coords[rep, 0])
    py = coords[rep, 1] + frac * (coords[rep + 1, 1] - coords[rep, 1])
    cum = np.concatenate([[0.0], np.cumsum(np.where(same, seg, 0.0))])
    _, firsts = np.unique(which, return_index=True)                    # each edge's first vertex
    lasts = np.r_[firsts[1:] - 1, len(coords) - 1]                     # and its last, reached at t_v
    along = cum[rep] - cum[firsts][which[rep]] + frac * seg[rep]
    e = idx[which[rep]]
    share = np.minimum(along / np.maximum(network.length_m[e], 1e-6), 1.0)
    ends = coords[lasts]
    t_end = t_u[idx] + network.travel_time_s[idx]
    return (np.concatenate([px, ends[:, 0]]), np.concatenate([py, ends[:, 1]]),
            np.concatenate([t_u[e] + share * network.travel_time_s[e], t_end]))


ENGINES = ("grid", "exact")


def isochrones(network: RoadNetwork, edge_geoms: ArrayLike, node_time_s: ArrayLike, bands_s: Sequence[float], *, engine: str = "grid", **kwargs: Any) -> list[BaseGeometry]:
    """Polygons by the ``engine`` named: "grid" (:func:`isochrone_polygons_grid`) or "exact"
    (:func:`isochrone_polygons`).

    Parameters
    ----------
    network
        The road network.
    edge_geoms
        Its edge geometries, aligned with its edges.
    node_time_s
        Response time to each node.
    bands_s
        The bands, in seconds.
    engine
        "grid" or "exact".
    """
    if engine not in ENGINES:
        raise AnalysisError(f"engine must be one of {list(ENGINES)}, got {engine!r}")
    build = isochrone_polygons_grid if engine == "grid" else isochrone_polygons
    return build(network, edge_geoms, node_time_s, bands_s, **kwargs)


def isochrones_frame(network: RoadNetwork, edge_geoms: ArrayLike, node_time_s: ArrayLike, bands_s: Sequence[float], *, label: str, crs: str = "EPSG:27700",
                     engine: str = "grid", **kwargs: Any) -> gpd.GeoDataFrame:
    """Isochrones as a GeoDataFrame with columns label, band_s, area_km2, geometry.

    Parameters
    ----------
    network
        The road network.
    edge_geoms
        Its edge geometries, aligned with its edges.
    node_time_s
        Response time to each node.
    bands_s
        The bands, in seconds.
    label
        The value of the label column.
    crs
        The CRS of the polygons (the network's: EPSG:27700).
    engine
        "grid" or "exact", as :func:`isochrones` takes it.
    """
    import geopandas as gpd

    polys = isochrones(network, edge_geoms, node_time_s, bands_s, engine=engine, **kwargs)
    return gpd.GeoDataFrame({"label": label, "band_s": [float(b) for b in bands_s],
                             "area_km2": [p.area / 1e6 for p in polys]}, geometry=polys, crs=crs)
