"""Response time as a surface: a grid of earliest times drawn as one image under a map's traces.

Where a region's zone polygons are not loaded (England's LSOAs come as
centroids), a map has nothing to colour by area; the grid of earliest times
the isochrone engine computes shows the response at every road and the ground
near it instead. The image is made here (PNG, in the figure), so it draws
offline and at any zoom without one shape per cell.
"""

from __future__ import annotations

import base64
import io
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from bluelight.analysis.isochrones import TimeGrid
from bluelight.foundation.geo import to_wgs84
from bluelight.services.session import Session

#: the surface's widest side, in cells: enough for a county on a half-page map, small enough to send
MAX_CELLS = 700
#: the finest cell drawn (the isochrones' own)
MIN_CELL_M = 25.0
#: how far from a road the ground takes the road's time, in cells (and at least this many metres)
BUFFER_CELLS, MIN_BUFFER_M = 2.5, 150.0
#: the colour of a cell at 0, the standard and 15 minutes (the coverage maps' scale), and its opacity
SCALE_MIN = 15.0
OPACITY = 0.6


def surface_cell_m(bounds_m: tuple[float, float, float, float]) -> float:
    """The cell that draws a region's extent in at most :data:`MAX_CELLS` cells a side, rounded up to 25 m.

    Parameters
    ----------
    bounds_m
        West, south, east and north (EPSG:27700).

    Examples
    --------
    >>> surface_cell_m((400000, 300000, 450000, 330000))      # 50 km across: 75 m cells
    75.0
    >>> surface_cell_m((527000, 178000, 537000, 186000))      # a London borough or two: the finest
    25.0
    """
    span = max(bounds_m[2] - bounds_m[0], bounds_m[3] - bounds_m[1])
    return max(MIN_CELL_M, 25.0 * math.ceil(span / MAX_CELLS / 25.0))


def surface_buffer_m(cell_m: float) -> float:
    """How far from a road the surface reaches, for a cell of ``cell_m``."""
    return max(MIN_BUFFER_M, BUFFER_CELLS * cell_m)


def _colours(minutes: np.ndarray, threshold_min: float) -> np.ndarray:
    """RGB of each value on the maps' green-yellow-red scale (0, the standard, 15 minutes)."""
    stops = np.array([0.0, min(0.999, threshold_min / SCALE_MIN), 1.0])
    rgb = np.array([[0x1a, 0x98, 0x50], [0xfe, 0xe0, 0x8b], [0xd7, 0x30, 0x27]], dtype=float)
    x = np.clip(minutes / SCALE_MIN, 0.0, 1.0)
    return np.stack([np.interp(x, stops, rgb[:, c]) for c in range(3)], axis=-1)


def surface_png(grid: TimeGrid, *, threshold_s: float) -> bytes:
    """The grid as a PNG: north up, each reached cell coloured by its minutes, the rest transparent.

    Parameters
    ----------
    grid
        Earliest times (row 0 the southernmost).
    threshold_s
        The standard, where the scale turns from green to yellow.
    """
    from PIL import Image

    t = grid.time_s[::-1]                                  # images run from the top (north) down
    reached = np.isfinite(t)
    rgba = np.zeros((*t.shape, 4), dtype=np.uint8)
    rgba[..., :3] = np.round(_colours(np.where(reached, t, 0.0) / 60.0, threshold_s / 60.0)).astype(np.uint8)
    rgba[..., 3] = np.where(reached, round(255 * OPACITY), 0)
    out = io.BytesIO()
    Image.fromarray(rgba, mode="RGBA").save(out, format="PNG", optimize=True)
    return out.getvalue()


def surface_layer(grid: TimeGrid, *, threshold_s: float) -> dict[str, Any]:
    """A map layer (MapLibre image source) drawing the grid beneath the traces.

    Parameters
    ----------
    grid
        Earliest times (EPSG:27700).
    threshold_s
        The standard, where the scale turns from green to yellow.

    Returns
    -------
    dict
        A ``layout.map.layers`` entry: the PNG inline, its corners in lon/lat (top left, then clockwise).
    """
    west, south, east, north = grid.bounds_m
    lon, lat = to_wgs84(np.array([west, east, east, west]), np.array([north, north, south, south]))
    data = base64.b64encode(surface_png(grid, threshold_s=threshold_s)).decode("ascii")
    return {"sourcetype": "image", "source": f"data:image/png;base64,{data}", "type": "raster", "below": "traces",
            "coordinates": [[round(float(x), 6), round(float(y), 6)] for x, y in zip(lon, lat)]}


@dataclass(frozen=True)
class Surface:
    """A drawn response surface: its map layer, and the cell and reach it was drawn with (said on the page)."""

    layer: dict[str, Any]
    cell_m: float
    buffer_m: float

    @property
    def note(self) -> str:
        """What the shading is, with its parameters, for a map's title or legend."""
        return (f"shading: response at every road and the ground within {self.buffer_m:.0f} m of it "
                f"({self.cell_m:.0f} m cells)")


def response_surface(session: Session, service: str, threshold_s: float) -> Surface | None:
    """The service's response at every road of the region as a map layer (the cover a map shows where no zone
    polygons are loaded), drawn once per service, traffic period and standard.

    Parameters
    ----------
    session
        The routing session (its traffic period's times).
    service
        The service whose baseline sites respond.
    threshold_s
        The standard, where the colours turn from green to yellow.

    Returns
    -------
    Surface or None
        The layer (:func:`surface_layer`) with its cell and reach, or None when no site reaches any road.
    """
    def build() -> Surface | None:
        net = session.network
        cell_m = surface_cell_m((float(net.x_m.min()), float(net.y_m.min()), float(net.x_m.max()),
                                 float(net.y_m.max())))
        buffer_m = surface_buffer_m(cell_m)
        grid = session.response_grid(service, cell_m=cell_m, buffer_m=buffer_m)
        return None if grid is None else Surface(surface_layer(grid, threshold_s=threshold_s), cell_m, buffer_m)
    return session.cached(("response surface", service, float(threshold_s)), build)
