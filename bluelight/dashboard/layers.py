"""Static map layers served once by the app (roads, boundaries, LSOAs) and referenced by URL.

Embedding these GeoJSON documents in every figure costs most of an
interaction's time (plotly copies them); served from the app's own routes,
the browser fetches each once and caches it, and no request leaves the machine.
"""

from __future__ import annotations

import json

from flask import Response

ROADS = "/layers/roads.geojson"
BOROUGHS = "/layers/boroughs.geojson"
LSOAS = "/layers/lsoas.geojson"


def register_routes(server, wh, session) -> None:
    """Add the layer routes to the Flask server behind the Dash app."""
    builders = {
        "roads": wh.roads_geojson,
        "boroughs": lambda: wh.boundaries_geojson("borough"),
        "lsoas": lambda: wh.lsoa_geojson(session.population_zones_on_network()),
    }

    def serve(name: str) -> Response:
        body = wh.cached_text(("layer", name), lambda: json.dumps(builders[name](), separators=(",", ":")))
        return Response(body, mimetype="application/geo+json", headers={"Cache-Control": "max-age=3600"})

    for name in builders:
        server.add_url_rule(f"/layers/{name}.geojson", f"layer_{name}", lambda name=name: serve(name))
