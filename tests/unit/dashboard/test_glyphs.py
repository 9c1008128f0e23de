"""Label glyphs made offline: the protobuf MapLibre reads, with distance fields of the right shape."""

from __future__ import annotations

import numpy as np
import pytest

from bluelight.dashboard.glyphs import BORDER_PX, distance_field, glyph_range


def _varint(data: bytes, i: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[i]
        value |= (byte & 0x7F) << shift
        i += 1
        if byte < 0x80:
            return value, i
        shift += 7


def _fields(data: bytes) -> list[tuple[int, int | bytes]]:
    """A protobuf message's (field number, value) pairs: varints as ints, length-delimited as bytes."""
    out, i = [], 0
    while i < len(data):
        key, i = _varint(data, i)
        if key & 7 == 0:
            value, i = _varint(data, i)
        elif key & 7 == 2:
            n, i = _varint(data, i)
            value, i = data[i:i + n], i + n
        else:
            raise AssertionError(f"unexpected wire type {key & 7}")
        out.append((key >> 3, value))
    return out


def _unzigzag(v: int) -> int:
    return (v >> 1) ^ -(v & 1)


def test_a_range_holds_each_printable_glyph_with_its_metrics_and_field():
    (number, stack), = _fields(glyph_range(0))
    assert number == 1
    parts = _fields(stack)
    assert dict(parts[:2]) == {1: b"Blue Light Atlas", 2: b"0-255"}
    glyphs = {}
    for _, raw in parts[2:]:
        g = dict(_fields(raw))
        glyphs[g[1]] = g
    assert ord("A") in glyphs and ord("g") in glyphs and 10 not in glyphs        # controls are left out
    a, g, space = glyphs[ord("A")], glyphs[ord("g")], glyphs[ord(" ")]
    for glyph in (a, g):
        w, h = glyph[3], glyph[4]
        assert len(glyph[2]) == (w + 2 * BORDER_PX) * (h + 2 * BORDER_PX)      # one byte a pixel, with the border
        field = np.frombuffer(glyph[2], dtype=np.uint8).reshape(h + 2 * BORDER_PX, w + 2 * BORDER_PX)
        assert field.max() > 191 > field[0, 0]                                 # ink inside the outline, none at the corner
    assert 10 <= a[4] <= 20 and 8 <= a[7] <= 20                                 # a capital about 2/3 of 24 px tall
    assert _unzigzag(g[6]) < _unzigzag(a[6])                                    # a descender's top sits lower
    assert 2 not in space and space[3] == 0 and space[7] > 0                    # a space: an advance, no bitmap


def test_only_whole_ranges_are_made():
    assert glyph_range(256) != glyph_range(0)
    for start in (1, -256, 65536):
        with pytest.raises(ValueError):
            glyph_range(start)


def test_the_distance_field_is_the_signed_distance_to_the_outline():
    ink = np.zeros((11, 11))
    ink[3:8, 3:8] = 255
    field = distance_field(ink).astype(float)
    # 255 - 255 * (d / 8 + 0.25), d the distance to the outline in pixels, negative inside the ink
    assert field[3, 5] == 255 - 31.875 - 0.125            # the ink's edge row: d = -1 -> 223
    assert field[5, 8] == round(255 - 255 * (1 / 8 + 0.25))   # a pixel outside: d = 1 -> 159
    assert field[5, 9] == 128                                  # d = 2 -> 127.5, rounded to even
    assert field[5, 5] == 255                                  # deep inside: clipped
    assert field[0, 0] == round(255 - 255 * (np.hypot(3, 3) / 8 + 0.25))        # diagonally off the corner: 56
    wide = np.zeros((31, 31))
    wide[14:17, 14:17] = 255
    assert distance_field(wide)[0, 0] == 0                                     # far outside: clipped
    assert np.array_equal(distance_field(np.zeros((8, 8))), np.zeros((8, 8), np.uint8))
