"""The response surface: a grid of earliest times drawn as a north-up image with its corners in lon/lat."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from bluelight.analysis.isochrones import TimeGrid
from bluelight.dashboard.components import surface


def _grid() -> TimeGrid:
    t = np.full((3, 4), np.inf)
    t[0, 0] = 0.0                       # the south-west cell: reached at once
    t[2, 3] = 15 * 60.0                 # the north-east cell: 15 minutes
    return TimeGrid(t, 530000.0, 180000.0, 100.0)


def test_the_image_is_north_up_coloured_by_minutes_and_clear_where_nothing_is_reached():
    image = np.asarray(Image.open(io.BytesIO(surface.surface_png(_grid(), threshold_s=360))))
    assert image.shape == (3, 4, 4)
    assert tuple(image[2, 0]) == (0x1a, 0x98, 0x50, round(255 * surface.OPACITY))     # bottom left: green
    assert tuple(image[0, 3]) == (0xd7, 0x30, 0x27, round(255 * surface.OPACITY))     # top right: red
    assert image[1, 1, 3] == 0 and (image[..., 3] > 0).sum() == 2                     # the rest transparent


def test_the_layer_places_the_image_by_its_corners_clockwise_from_the_north_west():
    layer = surface.surface_layer(_grid(), threshold_s=360)
    assert layer["sourcetype"] == "image" and layer["type"] == "raster" and layer["below"] == "traces"
    assert layer["source"].startswith("data:image/png;base64,")
    (w1, n1), (e1, n2), (e2, s1), (w2, s2) = layer["coordinates"]
    assert w1 < e1 and w2 < e2 and n1 > s2 and n2 > s1                                 # NW, NE, SE, SW
    assert abs(w1 - w2) < 1e-3 and abs(n1 - n2) < 1e-3                                # 400 m by 300 m: near square


def test_a_county_is_drawn_in_a_few_hundred_cells_a_side():
    cell = surface.surface_cell_m((400000, 250000, 480000, 320000))                   # 80 km
    assert cell == 125.0 and 80000 / cell <= surface.MAX_CELLS
    assert surface.surface_buffer_m(cell) == 312.5 and surface.surface_buffer_m(25.0) == surface.MIN_BUFFER_M


def test_the_page_says_what_the_shading_is_and_how_it_was_drawn():
    drawn = surface.Surface({"type": "raster"}, 75.0, 187.5)
    assert drawn.note == "shading: response at every road and the ground within 188 m of it (75 m cells)"
