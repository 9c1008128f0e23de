"""Map label glyphs made here, so place names draw offline.

MapLibre draws text from signed-distance-field glyphs fetched as protobuf
ranges of 256 code points (``{fontstack}/{start}-{end}.pbf``); plotly's own
styles fetch them from the internet. The app renders each range it is asked
for from the font built into Pillow, turns it into the distance field MapLibre
expects (edge at 192 of 255, 8 pixels either side, a 3-pixel border), and
serves it from its own route. The font stack named in a request is not a path
and is never opened: every stack gets the one font.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
from scipy import ndimage

if TYPE_CHECKING:
    from PIL.ImageFont import FreeTypeFont, ImageFont

#: the glyphs' pixel size (MapLibre's SDF glyphs are made at 24 px and scaled)
FONT_PX = 24
#: the blank border around each glyph's bitmap, in pixels
BORDER_PX = 3
#: distances beyond this many pixels from the outline are clipped
RADIUS_PX = 8.0
#: the share of the range below the outline (MapLibre reads the edge at 0.75)
CUTOFF = 0.25
#: glyphs are drawn at this many times their size, so the distance field is smooth when brought down
OVERSAMPLE = 4
#: the highest first code point of a range served (the Basic Multilingual Plane)
LAST_RANGE_START = 65280


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _field(number: int, wire: int) -> bytes:
    return _varint((number << 3) | wire)


def _uint(number: int, value: int) -> bytes:
    return _field(number, 0) + _varint(value)


def _sint(number: int, value: int) -> bytes:
    return _field(number, 0) + _varint((value << 1) ^ (value >> 63))        # zig-zag


def _bytes(number: int, value: bytes) -> bytes:
    return _field(number, 2) + _varint(len(value)) + value


def distance_field(coverage: np.ndarray, *, scale: int = 1) -> np.ndarray:
    """A glyph's signed distance field as MapLibre reads it (uint8; 191 on the outline, higher inside).

    Parameters
    ----------
    coverage
        The glyph drawn at ``scale`` times its size, 0 (empty) to 255 (ink), with its border.
    scale
        How many times larger than the glyph ``coverage`` is drawn; the field is taken at every ``scale``-th
        pixel (the centre of each glyph pixel) and its distances divided by it.

    Returns
    -------
    numpy.ndarray
        One byte per glyph pixel.

    Examples
    --------
    >>> ink = np.zeros((9, 9)); ink[3:6, 3:6] = 255
    >>> field = distance_field(ink)
    >>> int(field[4, 4]) > 191 > int(field[0, 0])
    True
    """
    inside = coverage >= 128
    if not inside.any():
        return np.zeros((coverage.shape[0] // scale, coverage.shape[1] // scale), dtype=np.uint8)
    outside_d = ndimage.distance_transform_edt(~inside)
    inside_d = ndimage.distance_transform_edt(inside)
    signed = (outside_d - inside_d) / scale                       # positive outside the outline
    centre = scale // 2
    signed = signed[centre::scale, centre::scale]
    return np.asarray(np.clip(np.round(255 - 255 * (signed / RADIUS_PX + CUTOFF)), 0, 255), dtype=np.uint8)


@lru_cache(maxsize=1)
def _font() -> FreeTypeFont | ImageFont:        # the font built into Pillow (no file to find or ship)
    from PIL import ImageFont

    return ImageFont.load_default(size=FONT_PX * OVERSAMPLE)


def _glyph(code: int) -> bytes | None:
    """One glyph message, or None for a code point the font cannot draw as a character (controls)."""
    from PIL import Image, ImageDraw

    char = chr(code)
    if not char.isprintable():
        return None
    font = _font()
    advance = round(font.getlength(char) / OVERSAMPLE)
    x0, y0, x1, y1 = font.getbbox(char, anchor="ls")
    left, top = int(np.floor(x0 / OVERSAMPLE)), int(np.ceil(-y0 / OVERSAMPLE))
    width, height = max(0, int(np.ceil(x1 / OVERSAMPLE)) - left), max(0, top + int(np.ceil(y1 / OVERSAMPLE)))
    if not (width and height):                 # nothing drawn (a space): an advance, no bitmap
        width = height = 0
    message = _uint(1, code)
    if width:
        pad = BORDER_PX * OVERSAMPLE
        image = Image.new("L", ((width + 2 * BORDER_PX) * OVERSAMPLE, (height + 2 * BORDER_PX) * OVERSAMPLE), 0)
        ImageDraw.Draw(image).text((pad - left * OVERSAMPLE, pad + top * OVERSAMPLE), char, fill=255, font=font,
                                   anchor="ls")
        field = distance_field(np.asarray(image, dtype=float), scale=OVERSAMPLE)
        message += _bytes(2, field.tobytes())
    return (message + _uint(3, width) + _uint(4, height) + _sint(5, left) + _sint(6, top - FONT_PX)
            + _uint(7, advance))


@lru_cache(maxsize=16)
def glyph_range(start: int) -> bytes:
    """The glyph protobuf of code points ``start`` to ``start + 255`` (a bounded number of ranges is kept).

    Parameters
    ----------
    start
        The range's first code point: a multiple of 256 up to :data:`LAST_RANGE_START`.

    Returns
    -------
    bytes
        A ``glyphs`` message holding one font stack with the range's glyphs.

    Raises
    ------
    ValueError
        For any other start.
    """
    if start % 256 or not 0 <= start <= LAST_RANGE_START:
        raise ValueError(f"a glyph range starts at a multiple of 256 up to {LAST_RANGE_START}, got {start}")
    glyphs = b"".join(_bytes(3, g) for g in (_glyph(c) for c in range(start, start + 256)) if g is not None)
    stack = _bytes(1, b"Blue Light Atlas") + _bytes(2, f"{start}-{start + 255}".encode()) + glyphs
    return _bytes(1, stack)
