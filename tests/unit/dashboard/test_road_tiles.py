"""Road vector tiles: only the tiles in view, only the classes that read at their zoom, clipped to the tile."""

from __future__ import annotations

import math

import pytest

from bluelight.dashboard import layers


def _varint(buf: bytes, i: int) -> tuple[int, int]:
    out = shift = 0
    while True:
        b = buf[i]
        out |= (b & 0x7F) << shift
        i += 1
        shift += 7
        if not b & 0x80:
            return out, i


def _fields(buf: bytes):
    """(field number, wire type, value) of one protobuf message (varints and length-delimited only)."""
    i = 0
    while i < len(buf):
        key, i = _varint(buf, i)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(buf, i)
        elif wire == 2:
            n, i = _varint(buf, i)
            value, i = buf[i:i + n], i + n
        else:
            raise ValueError(f"wire type {wire} not expected in a road tile")
        yield field, wire, value


def decode(tile: bytes) -> dict[str, dict]:
    """Each layer of a Mapbox vector tile: its feature count and the string values of its attributes."""
    out = {}
    for field, _, layer in _fields(tile):
        if field != 3:                                  # Tile.layers
            continue
        parts = list(_fields(layer))
        name = next(v for f, _, v in parts if f == 1).decode()
        features = sum(1 for f, _, _ in parts if f == 2)
        values = set()
        for f, _, v in parts:
            if f == 4:                                  # Layer.values: a Value message, string_value is field 1
                values |= {s.decode() for g, _, s in _fields(v) if g == 1}
        out[name] = {"features": features, "values": values}
    return out


def _tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2 ** z
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


@pytest.fixture(scope="module")
def centre(wh):
    lon0, lat0, lon1, lat1 = wh.network_bounds()
    return (lon0 + lon1) / 2, (lat0 + lat1) / 2


def test_a_street_tile_has_every_class_and_a_county_tile_only_the_main_roads(wh, centre):
    z = 15
    street = decode(wh.road_tile(z, *_tile_of(*centre, z), highways=layers.road_classes(z)))
    assert set(street) == {"roads"} and street["roads"]["features"] > 0
    assert "residential" in street["roads"]["values"]
    z = 8
    county = decode(wh.road_tile(z, *_tile_of(*centre, z), highways=layers.road_classes(z), sparse_edges=0))
    assert county["roads"]["values"] == {"trunk"}             # the synthetic region's only class drawn at zoom 8
    z = 11
    town = decode(wh.road_tile(z, *_tile_of(*centre, z), highways=layers.road_classes(z), sparse_edges=0))
    assert town["roads"]["values"] == {"trunk", "primary", "secondary"}


def test_a_tile_with_few_roads_draws_every_class_at_any_zoom(wh, centre):
    """A rural county framed whole sits at a zoom that would keep only its main roads; where a tile holds few
    roads there is room for them all (a county of lanes would otherwise show none)."""
    z = 8
    sparse = decode(wh.road_tile(z, *_tile_of(*centre, z), highways=layers.road_classes(z)))
    filtered = decode(wh.road_tile(z, *_tile_of(*centre, z), highways=layers.road_classes(z), sparse_edges=0))
    assert "residential" in sparse["roads"]["values"] and sparse["roads"]["features"] > filtered["roads"]["features"]


def test_a_tile_away_from_the_network_is_empty(wh, centre):
    z = 12
    x, y = _tile_of(*centre, z)
    assert decode(wh.road_tile(z, x + 40, y, highways=None)).get("roads", {"features": 0})["features"] == 0


def test_road_classes_grow_with_zoom():
    sizes = [len(layers.road_classes(z) or ()) for z in range(0, 12)]     # every class from tile zoom 12 (512 px)
    assert sizes == sorted(sizes) and layers.road_classes(12) is None and layers.road_classes(22) is None


def test_the_tile_route_serves_tiles_and_refuses_impossible_ones(wh, engine, centre):
    from flask import Flask

    server = Flask(__name__)
    layers.register_routes(server, wh, engine)
    client = server.test_client()
    x, y = _tile_of(*centre, 14)
    ok = client.get(f"/layers/roads/14/{x}/{y}.pbf")
    assert ok.status_code == 200 and ok.mimetype == "application/vnd.mapbox-vector-tile"
    assert decode(ok.data)["roads"]["features"] > 0
    for bad in ("/layers/roads/3/8/0.pbf", "/layers/roads/23/0/0.pbf", "/layers/roads/-1/0/0.pbf",
                "/layers/roads/14/../../etc.pbf", "/layers/roads/14/1/x.pbf"):
        assert client.get(bad).status_code == 404, bad


def test_the_road_layer_is_absolute_on_the_host_that_served_the_page():
    from flask import Flask

    with Flask(__name__).test_request_context("/coverage", base_url="http://127.0.0.1:8050"):
        assert layers.roads().url == "http://127.0.0.1:8050/layers/roads/{z}/{x}/{y}.pbf"
