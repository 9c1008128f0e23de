"""The outline of Great Britain that every loaded point is checked against, made from ONS boundaries.

The shipped outline (``bluelight/data/gb_land_27700.geojson``) is the union of
the ONS local authority districts 2024 of England, Wales and Scotland (their
generalised, coast-clipped boundaries), grown by :data:`COAST_MARGIN_M` so that
a station on a quay or a pier stays inside, simplified to
:data:`SIMPLIFY_M` and without holes. Northern Ireland, the Isle of Man and
the Channel Islands are outside it, as are France and Ireland. Regenerate it
with ``python -m bluelight.etl.gb_outline LAD_GEOJSON``.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import shapely

from bluelight.foundation.geo import BNG, GB_LAND_FILE

log = logging.getLogger(__name__)

#: how far past the generalised coastline a point still counts as Great Britain (quays, piers, generalisation)
COAST_MARGIN_M = 2_000.0
#: tolerance of the simplification (the outline is a guard against wrong places, not a coastline)
SIMPLIFY_M = 500.0
#: GSS code prefixes of Great Britain's districts (England, Wales, Scotland)
GB_CODES = ("E", "W", "S")


def build_outline(lad_path: str | Path, out_path: str | Path = GB_LAND_FILE) -> int:
    """Write the outline from a local-authority-district GeoJSON; returns the number of polygons."""
    import geopandas as gpd

    lad = gpd.read_file(lad_path)
    code = next(c for c in lad.columns if c.lower().endswith("_code") or c.upper().endswith("CD"))
    gb = lad[lad[code].astype(str).str[0].isin(GB_CODES)].to_crs(BNG)
    land = shapely.union_all(shapely.make_valid(gb.geometry.to_numpy())).buffer(COAST_MARGIN_M).simplify(SIMPLIFY_M)
    parts = [shapely.Polygon(p.exterior) for p in getattr(land, "geoms", [land]) if p.area > 1e6]
    outline = shapely.set_precision(shapely.MultiPolygon(parts), 10.0)
    doc = {"type": "Feature", "properties": {
        "name": "Great Britain (England, Wales, Scotland) with a 2 km coastal margin",
        "crs": BNG, "source": f"ONS local authority districts 2024, generalised, {Path(lad_path).name}; "
                              f"union, buffered {COAST_MARGIN_M:g} m, simplified {SIMPLIFY_M:g} m",
        "licence": "Open Government Licence v3; contains OS data (c) Crown copyright and database right 2024"},
        "geometry": shapely.geometry.mapping(outline)}
    Path(out_path).write_text(json.dumps(doc), encoding="utf-8")
    return len(parts)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    log.info("%d polygons written to %s", build_outline(sys.argv[1]), GB_LAND_FILE)
