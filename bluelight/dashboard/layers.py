"""Static map layers served by the app (roads, boundaries, LSOAs) and referenced by URL.

Embedding these GeoJSON documents in every figure costs most of an
interaction's time (plotly copies them); served from the app's own routes,
the browser fetches each once and caches it, and no request leaves the machine.

Roads are served as vector tiles, not one document: a county's network is a
million edges, and a browser asks only for the tiles in view, with only the
road classes that read at that zoom.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import Response, abort, has_request_context, request

from bluelight.dashboard.glyphs import glyph_range

if TYPE_CHECKING:
    from flask import Flask

    from bluelight.dashboard.queries import Warehouse
    from bluelight.services.session import Session

BOROUGHS = "/layers/boroughs.geojson"
LSOAS = "/layers/lsoas.geojson"
ROAD_TILES = "/layers/roads/{z}/{x}/{y}.pbf"
AREA_LABELS = "/layers/area_labels.geojson"
#: MapLibre's template for label glyphs (:mod:`bluelight.dashboard.glyphs`)
GLYPHS = "/glyphs/{fontstack}/{range}.pbf"

#: the road classes drawn from each tile zoom up (MapLibre's 512-px tiles: at tile zoom 12 a few streets fill
#: the screen)
ROAD_CLASSES_FROM_ZOOM: tuple[tuple[int, tuple[str, ...] | None], ...] = (
    (0, ("motorway", "motorway_link", "trunk", "trunk_link")),
    (9, ("motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link", "secondary",
          "secondary_link")),
    (11, ("motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link", "secondary",
          "secondary_link", "tertiary", "tertiary_link")),
    (12, None),                      # every class
)
#: the deepest tile served (maps overzoom beyond it)
MAX_TILE_ZOOM = 22


@dataclass(frozen=True)
class VectorTiles:
    """A vector-tile layer: ``url`` is a ``{z}/{x}/{y}`` template, absolute (map workers cannot resolve a path)."""

    url: str
    layer: str = "roads"


def road_classes(z: int) -> tuple[str, ...] | None:
    """The road classes tile zoom ``z`` carries (None: all of them).

    >>> road_classes(8)[:2], road_classes(14)
    (('motorway', 'motorway_link'), None)
    """
    chosen = ROAD_CLASSES_FROM_ZOOM[0][1]
    for from_zoom, classes in ROAD_CLASSES_FROM_ZOOM:
        if z >= from_zoom:
            chosen = classes
    return chosen


def roads() -> VectorTiles:
    """The road layer of the app serving this request (its own host: nothing is fetched from elsewhere)."""
    base = request.host_url.rstrip("/") if has_request_context() else ""
    return VectorTiles(base + ROAD_TILES)


def offline_style() -> dict[str, Any]:
    """The base map style: a white background, and label glyphs from this app (plotly's ``white-bg`` style would
    fetch them from the internet, so no place name could be drawn offline)."""
    base = request.host_url.rstrip("/") if has_request_context() else ""
    # a source the style never draws: plotly prunes an empty ``sources`` when it updates a figure, and MapLibre
    # then refuses the style ("missing required property sources")
    blank = {"type": "geojson", "data": {"type": "FeatureCollection", "features": []}}
    return {"version": 8, "name": "white, offline", "sources": {"blank": blank}, "glyphs": base + GLYPHS,
            "layers": [{"id": "white-bg", "type": "background", "paint": {"background-color": "#ffffff"}}]}


#: OpenStreetMap's standard tiles (the ``--web-tiles`` option; the server's CSP allows them only then)
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"


def web_tiles_style() -> dict[str, Any]:
    """The base map style with OpenStreetMap's web tiles under the layers, and its attribution; labels still take
    their glyphs from this app."""
    style = offline_style()
    style["sources"]["osm"] = {"type": "raster", "tiles": [OSM_TILES], "tileSize": 256,
                               "attribution": "© OpenStreetMap contributors"}
    style["layers"].append({"id": "osm", "type": "raster", "source": "osm"})
    return style | {"name": "OpenStreetMap web tiles"}


def register_routes(server: Flask, wh: Warehouse, session: Session) -> None:
    """Add the layer routes to the Flask server behind the Dash app."""
    builders = {
        "boroughs": lambda: wh.boundaries_geojson("borough"),
        "lsoas": lambda: wh.lsoa_geojson(session.population_zones_on_network()),
        "area_labels": wh.area_labels_geojson,
    }

    def serve(name: str) -> Response:
        body = wh.cached_text(("layer", name), lambda: json.dumps(builders[name](), separators=(",", ":")))
        return Response(body, mimetype="application/geo+json", headers={"Cache-Control": "max-age=3600"})

    def tile(z: int, x: int, y: int) -> Response:
        if not (0 <= z <= MAX_TILE_ZOOM and x < 2 ** z and y < 2 ** z):
            abort(404)
        body = wh.road_tile(z, x, y, highways=road_classes(z)) if wh.available else b""
        return Response(body, mimetype="application/vnd.mapbox-vector-tile", headers={"Cache-Control": "max-age=3600"})

    def glyphs(fontstack: str, start: int, end: int) -> Response:
        del fontstack                 # every stack gets the one font: the name is never a path
        if end != start + 255:
            abort(404)
        try:
            body = glyph_range(start)
        except ValueError:
            abort(404)
        return Response(body, mimetype="application/x-protobuf", headers={"Cache-Control": "max-age=86400"})

    for name in builders:
        server.add_url_rule(f"/layers/{name}.geojson", f"layer_{name}", lambda name=name: serve(name))
    server.add_url_rule("/layers/roads/<int:z>/<int:x>/<int:y>.pbf", "layer_road_tile", tile)
    server.add_url_rule("/glyphs/<fontstack>/<int:start>-<int:end>.pbf", "glyphs", glyphs)
