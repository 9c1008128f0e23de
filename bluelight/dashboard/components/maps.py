"""Maps every page shares: the offline base map, layers, isochrones, cover and change maps."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from bluelight.dashboard.components import plain_figures as plain
from bluelight.dashboard.layers import AREA_LABELS, VectorTiles, offline_style, web_tiles_style
from bluelight.dashboard.queries import OS_ATTRIBUTION, OSM_ATTRIBUTION

#: the roads layer a map draws: vector tiles, GeoJSON, its URL, or none
Roads = VectorTiles | dict[str, Any] | str | None
#: the boundaries layer: GeoJSON, its URL, or none
Boundaries = dict[str, Any] | str | None
#: what a map frames: (west, south, east, north) in longitude and latitude
Bounds = tuple[float, float, float, float]
#: a figure, or its JSON (a plain dict: a map built as JSON is not validated by plotly)
F = TypeVar("F", go.Figure, dict[str, Any])

SERVICE_COLOURS = {"fire": "#d62728", "police": "#1f3b99", "ambulance": "#2ca02c", "other": "#7f7f7f"}


STATUS_OPACITY = {"open": 0.95, "planned": 0.8, "candidate": 0.6, "closed": 0.35}


#: the narrowest a map is drawn (half a page): the zoom fits the analysed area into it
MAP_WIDTH_PX = 620


def _has_features(source: Any) -> bool:
    return isinstance(source, str) or bool(source and source.get("features"))


def _base_layout(*, roads: Roads, boundaries: Boundaries, bounds: Bounds | None = None,
                 height: int = 620) -> dict[str, Any]:
    layers: list[dict[str, Any]] = []
    if _has_features(boundaries):
        layers.append({"source": boundaries, "type": "line", "color": "#555555", "line": {"width": 1.2},
                       "below": "traces", "sourceattribution": OS_ATTRIBUTION})
    if isinstance(roads, VectorTiles):
        layers.append({"sourcetype": "vector", "source": [roads.url], "sourcelayer": roads.layer, "type": "line",
                       "color": "#c8c8c8", "line": {"width": 0.8}, "below": "traces",
                       "sourceattribution": OSM_ATTRIBUTION})
    elif _has_features(roads):
        layers.append({"source": roads, "type": "line", "color": "#c8c8c8", "line": {"width": 0.8},
                       "below": "traces", "sourceattribution": OSM_ATTRIBUTION})
    if roads is not None:                        # a regional map: its areas named (a national one has its own)
        layers.append(area_label_layer())
    centre = {"lon": -2.5, "lat": 54.0}          # no road data to frame: Great Britain
    zoom = 4.5
    if bounds:
        centre = {"lon": (bounds[0] + bounds[2]) / 2, "lat": (bounds[1] + bounds[3]) / 2}
        zoom = fit_zoom(bounds, width_px=MAP_WIDTH_PX, height_px=height)
    return {"map": {"style": offline_style(), "layers": layers, "center": centre, "zoom": zoom},
            "margin": {"l": 0, "r": 0, "t": 0, "b": 0}, "height": height,
            "legend": {"x": 0.01, "y": 0.99, "bgcolor": "rgba(255,255,255,0.85)"}}


#: the zoom from which station names are drawn beside their markers (a few streets across the map)
SITE_LABELS_FROM_ZOOM = 12.5


def _label_layer(source: dict[str, Any] | str, *, size: int, colour: str, minzoom: float = 0.0) -> dict[str, Any]:
    """Names drawn from the features' ``name`` (MapLibre hides labels that would overlap)."""
    return {"sourcetype": "geojson", "source": source, "type": "symbol", "minzoom": minzoom, "below": "",
            "symbol": {"text": "{name}", "icon": "", "placement": "point",
                       "textfont": {"size": size, "color": colour}}}


def area_label_layer() -> dict[str, Any]:
    """The loaded areas' names at their population-weighted centres (served by the app, drawn offline)."""
    return _label_layer(AREA_LABELS, size=13, colour="#3d4852")


def site_label_layer(sites: pd.DataFrame) -> dict[str, Any]:
    """The names of the sites a map shows, drawn from :data:`SITE_LABELS_FROM_ZOOM` (only the sites this map was
    given: what a role may not see is not named either)."""
    named = sites.dropna(subset=["lon", "lat"])
    named = named[named["name"].notna()] if "name" in named.columns else named.iloc[0:0]
    features = [{"type": "Feature", "properties": {"name": str(n)},
                 "geometry": {"type": "Point", "coordinates": [round(float(x), 6), round(float(y), 6)]}}
                for n, x, y in zip(named["name"], named["lon"], named["lat"])]
    return _label_layer({"type": "FeatureCollection", "features": features}, size=11, colour="#10243e",
                        minzoom=SITE_LABELS_FROM_ZOOM)


def lonlat_columns(points: pd.DataFrame) -> dict[str, np.ndarray]:
    """``lon`` and ``lat`` of points given in ``easting`` and ``northing`` (to assign to the frame)."""
    from bluelight.foundation.geo import to_wgs84

    lon, lat = to_wgs84(points["easting"], points["northing"])
    return {"lon": lon, "lat": lat}


def fit_zoom(bounds: Bounds, *, width_px: int, height_px: int) -> float:
    """The map zoom at which ``bounds`` (lon/lat) fill a map of this size.

    Plotly's maps are MapLibre's, whose world is 512 px wide at zoom 0 (not the 256 of raster web tiles):
    reckoned at 256, every map opened one level too close and cut off the ends of the area it is about.

    >>> round(fit_zoom((-0.216, 51.485, -0.063, 51.584), width_px=620, height_px=620), 1)
    11.1
    """
    lon_span = max(bounds[2] - bounds[0], 1e-4)
    lat0, lat1 = (math.radians(v) for v in (bounds[1], bounds[3]))
    merc = abs(math.log(math.tan(math.pi / 4 + lat1 / 2)) - math.log(math.tan(math.pi / 4 + lat0 / 2)))
    merc_deg = max(math.degrees(merc), 1e-4)          # the latitude span in mercator degrees
    zoom = min(math.log2(360 * width_px / (512 * lon_span)), math.log2(360 * height_px / (512 * merc_deg)))
    return max(2.0, min(15.0, zoom - 0.3))


def base_map(*, roads: Roads, boundaries: Boundaries, bounds: Bounds | None = None,
             height: int = 620) -> go.Figure:
    """An offline map: white background, the project's own roads (vector tiles) and boundaries (GeoJSON or URL)."""
    return go.Figure(layout=_base_layout(roads=roads, boundaries=boundaries, bounds=bounds, height=height))


def empty_map(*, roads: Roads, boundaries: Boundaries, bounds: Bounds | None = None) -> go.Figure:
    """The base map with nothing on it yet (a map needs a map trace, or plotly draws empty axes)."""
    fig = base_map(roads=roads, boundaries=boundaries, bounds=bounds)
    fig.add_trace(go.Scattermap(lon=[], lat=[], mode="markers", showlegend=False, hoverinfo="skip"))
    return fig


def add_layers_first(fig: go.Figure, layers: list[dict[str, Any]]) -> go.Figure:
    """Put ``layers`` before the map's own layers (so they draw beneath them).

    Assigning replaces the layer list; ``update_layout(map_layers=...)`` would
    merge the new list into the old one element by element.
    """
    fig.layout.map.layers = tuple(layers) + tuple(fig.layout.map.layers)
    return fig


def with_tiles(fig: F, web_tiles: bool) -> F:
    """Switch to OpenStreetMap web tiles (an online-only option; the attribution is drawn by the style)."""
    if web_tiles and isinstance(fig, dict):
        fig["layout"]["map"]["style"] = web_tiles_style()
    elif web_tiles:
        fig.update_layout(map_style=web_tiles_style())
    return fig


def sites_map(sites: pd.DataFrame, *, roads: Roads, boundaries: Boundaries, bounds: Bounds | None = None) -> go.Figure:
    """All sites by service (colour) and status (opacity), over the road network."""
    fig = base_map(roads=roads, boundaries=boundaries, bounds=bounds)
    for (service, status), grp in sites.groupby(["service", "status"], sort=True):
        fig.add_trace(go.Scattermap(
            lon=grp["lon"], lat=grp["lat"], mode="markers",
            marker={"size": 9 if status == "open" else 8, "color": SERVICE_COLOURS.get(service, "#7f7f7f"),
                    "opacity": STATUS_OPACITY.get(status, 0.8)},
            name=f"{service.title()} – {status} ({len(grp)})",
            customdata=grp[["site_id", "kind", "source"]].to_numpy(),
            text=grp["name"],
            hovertemplate="<b>%{text}</b><br>%{customdata[0]} · %{customdata[1]}<br>source: %{customdata[2]}<extra></extra>",
        ))
    fig.layout.map.layers = (*fig.layout.map.layers, site_label_layer(sites))
    return fig


def _to_wgs84_geojson(polys: list[Any]) -> list[dict[str, Any] | None]:
    import shapely
    from pyproj import Transformer

    tr = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
    out: list[dict[str, Any] | None] = []
    for p in polys:
        if p is None or p.is_empty:
            out.append(None)
            continue
        g = shapely.transform(p.simplify(10), lambda c: np.column_stack(tr.transform(c[:, 0], c[:, 1])))
        out.append({"type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(g)})
    return out


RESPONSE_BINS_MIN = [0, 3, 4, 5, 6, 7, 8, 10, 12, 15, 30]


ISO_COLOURS = ["#1a9850", "#fee08b", "#fc8d59", "#d73027"]


#: isochrone outlines: colours outside the response-time scale, so they read over a coverage fill
ISO_OUTLINES = [("#08306b", "navy"), ("#6a3d9a", "purple"), ("#111111", "black"), ("#8c510a", "brown")]


def isochrone_layers(polys: list[Any], bands_s: Sequence[float]) -> list[dict[str, Any]]:
    """Map layers for nested isochrone bands: a light fill beneath the traces and an outline above them.

    The outline is drawn above every trace (``below: ""``), so the bands stay visible over a coverage
    choropleth; the fill, largest band first, shades them where nothing else is drawn.
    """
    feats = _to_wgs84_geojson(polys)
    fills, lines = [], []
    for i in reversed(range(len(feats))):
        if feats[i] is None:
            continue
        source = {"type": "FeatureCollection", "features": [feats[i]]}
        fills.append({"source": source, "type": "fill", "color": ISO_COLOURS[i % len(ISO_COLOURS)], "opacity": 0.18,
                      "below": "traces"})
        lines.append({"source": source, "type": "line", "color": ISO_OUTLINES[i % len(ISO_OUTLINES)][0],
                      "line": {"width": 2.6 - 0.5 * min(i, 2)}, "below": ""})
    return fills + lines


def isochrone_legend(bands_s: Sequence[float]) -> str:
    """What each isochrone outline means, in the order drawn."""
    return "; ".join(f"{b / 60:g} min {ISO_OUTLINES[i % len(ISO_OUTLINES)][1]}" for i, b in enumerate(bands_s))


def coverage_map(points: pd.DataFrame, response_s: np.ndarray, *, threshold_s: float,
                 zones_geojson: dict[str, Any] | str | None, sites: pd.DataFrame, roads: Roads,
                 boundaries: Boundaries, bounds: Bounds | None = None, iso_layers: list[Any] | None = None,
                 highlight: np.ndarray | None = None, title: str = "", points_label: str = "incidents",
                 surface: dict[str, Any] | None = None) -> dict[str, Any]:
    """Response time (minutes) of demand on the network: LSOA choropleth, or points (incidents, or people at
    their area's centre where no area polygons are loaded, named by ``points_label``, over ``surface``, the
    response at every road as an image layer); sites on top.

    A plain figure dict (:mod:`~bluelight.dashboard.components.plain_figures`): the page's most frequent answer.
    """
    layout = _base_layout(roads=roads, boundaries=boundaries, bounds=bounds)
    on = ~np.isnan(response_s)
    minutes = np.where(np.isfinite(response_s), response_s / 60.0, np.nan)
    colorbar = {"title": {"text": "response<br>minutes"}, "thickness": 12, "len": 0.6, "x": 0.99}
    scale = [[0, "#1a9850"], [min(0.999, threshold_s / 60 / 15), "#fee08b"], [1, "#d73027"]]
    data: list[dict[str, Any]] = []
    if zones_geojson is not None and _has_features(zones_geojson):
        data.append({
            "type": "choroplethmap", "geojson": zones_geojson, "locations": _values(points.loc[on, "zone"]),
            "z": plain.typed(minutes[on]), "zmin": 0, "zmax": 15, "colorscale": scale,
            "marker": {"opacity": 0.55, "line": {"width": 0}}, "colorbar": colorbar, "name": "response (min)",
            "customdata": np.column_stack([points.loc[on, "area"], points.loc[on, "weight"]]).tolist(),
            "hovertemplate": "%{location} (%{customdata[0]})<br>response %{z:.1f} min<br>population "
                             "%{customdata[1]:,.0f}<extra></extra>"})
    else:
        data.append({
            "type": "scattermap", "lon": plain.typed(points.loc[on, "lon"].to_numpy(float)),
            "lat": plain.typed(points.loc[on, "lat"].to_numpy(float)), "mode": "markers", "name": points_label,
            "marker": {"size": 6, "color": plain.typed(minutes[on]), "cmin": 0, "cmax": 15, "colorscale": scale,
                       "colorbar": colorbar},
            "text": _values(points.loc[on, "zone"]),
            "hovertemplate": "%{text}<br>response %{marker.color:.1f} min<extra></extra>"})
    if highlight is not None and highlight.any():
        data.append({"type": "scattermap", "lon": plain.typed(points.loc[highlight, "lon"].to_numpy(float)),
                     "lat": plain.typed(points.loc[highlight, "lat"].to_numpy(float)), "mode": "markers",
                     "marker": {"size": 7, "color": "#6a3d9a"}, "name": "reached first by the chosen site"})
    data.append({"type": "scattermap", "lon": plain.typed(sites["lon"].to_numpy(float)),
                 "lat": plain.typed(sites["lat"].to_numpy(float)), "mode": "markers", "name": "sites",
                 "marker": {"size": 10, "color": "#10243e"}, "text": _values(sites["name"]),
                 "customdata": _values(sites["site_id"]),
                 "hovertemplate": "<b>%{text}</b><br>%{customdata}<extra>site</extra>"})
    layout["map"]["layers"] = [*([surface] if surface else []), *(iso_layers or []), *layout["map"]["layers"],
                               site_label_layer(sites)]
    if title:
        layout |= {"title": {"text": title, "x": 0.01, "y": 0.98, "font": {"size": 13}},
                   "margin": {**layout["margin"], "t": 30}}
    return plain.figure(data, layout)


def _values(column: pd.Series) -> list[Any]:
    """A column's values as JSON takes them (missing as null)."""
    return [None if v is None or (isinstance(v, float) and v != v) else v for v in column.tolist()]


def change_map(points: pd.DataFrame, delta_s: np.ndarray, *, zones_geojson: dict[str, Any] | str, sites: pd.DataFrame,
               closed: pd.DataFrame, added: pd.DataFrame, roads: Roads, boundaries: Boundaries, bounds: Bounds | None,
               place_on: tuple[np.ndarray, np.ndarray] | None = None) -> dict[str, Any]:
    """Change in response (minutes) by LSOA, with open, closed and new or moved sites marked; ``place_on``
    (road x, y in metres) adds the layer a click anywhere near a road lands on.

    A plain figure dict (:mod:`~bluelight.dashboard.components.plain_figures`): every scenario edit sends one.
    """
    on = ~np.isnan(delta_s)
    data: list[dict[str, Any]] = [{
        "type": "choroplethmap", "geojson": zones_geojson, "locations": _values(points.loc[on, "zone"]),
        "z": plain.typed(np.clip(delta_s[on] / 60, -5, 5)), "zmin": -3, "zmax": 3,
        "colorscale": [[0, "#1a9850"], [0.5, "#f7f7f7"], [1, "#d73027"]],
        "marker": {"opacity": 0.6, "line": {"width": 0}},
        "colorbar": {"title": {"text": "change<br>minutes"}, "thickness": 12, "len": 0.6}, "name": "change",
        "hovertemplate": "%{location}<br>change %{z:+.2f} min<extra></extra>"}]
    if place_on is not None:
        data.append(placement_trace(*place_on))
    data.append(_marker_trace(sites["lon"], sites["lat"], sites["name"], name="open sites", size=10, colour="#10243e",
                              hover="%{text}<extra></extra>"))
    if len(closed):
        data.append(_marker_trace(closed["lon"], closed["lat"], closed["name"], name="closed in scenario", size=12,
                                  colour="#d73027", hover="%{text} (closed)<extra></extra>"))
    if len(added):
        from bluelight.etl.geo import to_wgs84

        lon, lat = to_wgs84(added["easting"], added["northing"])
        data.append(_marker_trace(pd.Series(lon), pd.Series(lat), added["site_id"], name="new or moved site",
                                  size=13, colour="#6a3d9a", hover="%{text}<extra>new/moved</extra>"))
    layout = _base_layout(roads=roads, boundaries=boundaries, bounds=bounds)
    layout["map"]["layers"].append(site_label_layer(sites))
    return plain.figure(data, layout)


def _marker_trace(lon: pd.Series, lat: pd.Series, text: pd.Series, *, name: str, size: int, colour: str,
                  hover: str) -> dict[str, Any]:
    return {"type": "scattermap", "lon": plain.typed(np.asarray(lon, float)), "lat": plain.typed(np.asarray(lat, float)),
            "mode": "markers", "name": name, "marker": {"size": size, "color": colour}, "text": _values(pd.Series(text)),
            "hovertemplate": hover}


#: spacing of the road points a click on an editing map snaps to (the network's nodes, one per cell), and the
#: most points sent: a county's network is thinned further so every scenario answer stays small
PLACE_CELL_M = 100.0
PLACE_MAX_POINTS = 40_000


def placement_trace(x_m: np.ndarray, y_m: np.ndarray, *, cell_m: float = PLACE_CELL_M,
                    max_points: int = PLACE_MAX_POINTS) -> dict[str, Any]:
    """Near-invisible road points under the markers, so a click anywhere near a road lands on it.

    Plotly reports clicks on points only; these are the road network's nodes thinned to one per ``cell_m``
    cell (coarser where that would send more than ``max_points``: about 750 m on a county of a million nodes),
    each carrying its exact EPSG:27700 position, so the page places a new or moved site on the road nearest
    the click and says where.
    """
    from bluelight.etl.geo import to_wgs84

    x_m, y_m = np.asarray(x_m, dtype=float), np.asarray(y_m, dtype=float)
    if len(x_m):
        cell_m = max(cell_m, float(np.sqrt(max(float(np.ptp(x_m)) * float(np.ptp(y_m)), 1.0) / max_points)))
    while True:
        cells = (np.floor(x_m / cell_m).astype(np.int64) << 32) + np.floor(y_m / cell_m).astype(np.int64)
        _, first = np.unique(cells, return_index=True)
        if len(first) <= max_points:
            break
        cell_m *= 1.1                          # the grid's edges hold part-filled cells: a little coarser
    x, y = x_m[np.sort(first)], y_m[np.sort(first)]
    lon, lat = to_wgs84(x, y)
    return {"type": "scattermap", "lon": plain.typed(np.asarray(lon, float)), "lat": plain.typed(np.asarray(lat, float)),
            "mode": "markers", "name": "road (click to place a site)", "showlegend": False,
            "customdata": np.column_stack([x, y]).tolist(), "marker": {"size": 18, "opacity": 0.01, "color": "#000000"},
            "hovertemplate": "click to place a site here, on the road<extra></extra>"}


def placement_layer(fig: go.Figure, x_m: np.ndarray, y_m: np.ndarray, *, cell_m: float = PLACE_CELL_M,
                    max_points: int = PLACE_MAX_POINTS) -> go.Figure:
    """:func:`placement_trace` added to a graph object (the pages' plain figures take the trace itself)."""
    fig.add_trace(placement_trace(x_m, y_m, cell_m=cell_m, max_points=max_points))
    return fig


def _geojson_bounds(geo: dict[str, Any]) -> tuple[float, float, float, float]:
    """(min lon, min lat, max lon, max lat) of a GeoJSON's features: a map frames what it shows."""
    import shapely

    shapes = shapely.union_all([shapely.geometry.shape(f["geometry"]) for f in geo["features"]])
    west, south, east, north = (float(v) for v in shapes.bounds)
    return west, south, east, north
