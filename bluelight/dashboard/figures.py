"""Figure and table builders: plain functions of data, testable without a server."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import dash_ag_grid as dag
from dash import html

from bluelight.dashboard.layers import VectorTiles
from bluelight.dashboard.queries import OS_ATTRIBUTION, OSM_ATTRIBUTION
from bluelight.services.executive import cell_text

SERVICE_COLOURS = {"fire": "#d62728", "police": "#1f3b99", "ambulance": "#2ca02c", "other": "#7f7f7f"}
STATUS_OPACITY = {"open": 0.95, "planned": 0.8, "candidate": 0.6, "closed": 0.35}


def _has_features(source) -> bool:
    return isinstance(source, str) or bool(source and source.get("features"))


def _base_layout(*, roads: VectorTiles | dict | str | None, boundaries: dict | str | None, bounds=None,
                 height: int = 620) -> dict:
    layers = []
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
    centre = {"lon": -0.13, "lat": 51.515}
    zoom = 11.5
    if bounds:
        centre = {"lon": (bounds[0] + bounds[2]) / 2, "lat": (bounds[1] + bounds[3]) / 2}
        zoom = fit_zoom(bounds, width_px=MAP_WIDTH_PX, height_px=height)
    return {"map": {"style": "white-bg", "layers": layers, "center": centre, "zoom": zoom},
            "margin": {"l": 0, "r": 0, "t": 0, "b": 0}, "height": height,
            "legend": {"x": 0.01, "y": 0.99, "bgcolor": "rgba(255,255,255,0.85)"}}


#: the narrowest a map is drawn (half a page): the zoom fits the analysed area into it
MAP_WIDTH_PX = 620


def fit_zoom(bounds, *, width_px: int, height_px: int) -> float:
    """The web-map zoom at which ``bounds`` (lon/lat) fill a map of this size (a world is 256 px at zoom 0).

    >>> round(fit_zoom((-0.216, 51.485, -0.063, 51.584), width_px=620, height_px=620), 1)
    12.1
    """
    lon_span = max(bounds[2] - bounds[0], 1e-4)
    lat0, lat1 = (math.radians(v) for v in (bounds[1], bounds[3]))
    merc = abs(math.log(math.tan(math.pi / 4 + lat1 / 2)) - math.log(math.tan(math.pi / 4 + lat0 / 2)))
    merc_deg = max(math.degrees(merc), 1e-4)          # the latitude span in mercator degrees
    zoom = min(math.log2(360 * width_px / (256 * lon_span)), math.log2(360 * height_px / (256 * merc_deg)))
    return max(3.0, min(15.0, zoom - 0.3))


def base_map(*, roads: VectorTiles | dict | str | None, boundaries: dict | str | None, bounds=None,
             height: int = 620) -> go.Figure:
    """An offline map: white background, the project's own roads (vector tiles) and boundaries (GeoJSON or URL)."""
    return go.Figure(layout=_base_layout(roads=roads, boundaries=boundaries, bounds=bounds, height=height))


def empty_map(*, roads, boundaries, bounds=None) -> go.Figure:
    """The base map with nothing on it yet (a map needs a map trace, or plotly draws empty axes)."""
    fig = base_map(roads=roads, boundaries=boundaries, bounds=bounds)
    fig.add_trace(go.Scattermap(lon=[], lat=[], mode="markers", showlegend=False, hoverinfo="skip"))
    return fig


def add_layers_first(fig: go.Figure, layers: list[dict]) -> go.Figure:
    """Put ``layers`` before the map's own layers (so they draw beneath them).

    Assigning replaces the layer list; ``update_layout(map_layers=...)`` would
    merge the new list into the old one element by element.
    """
    fig.layout.map.layers = tuple(layers) + tuple(fig.layout.map.layers)
    return fig


def with_tiles(fig: go.Figure, web_tiles: bool) -> go.Figure:
    """Switch to OpenStreetMap web tiles (an online-only option; the attribution is drawn by the style)."""
    if web_tiles:
        fig.update_layout(map_style="open-street-map")
    return fig


def sites_map(sites: pd.DataFrame, *, roads: dict | None, boundaries: dict | None, bounds=None) -> go.Figure:
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
    return fig


#: numbers right-aligned with thousands separators (the value itself, for sorting and editing, is unchanged)
NUMBER_COLUMN = {"type": "rightAligned",
                 "valueFormatter": {"function": "params.value == null ? '' : "
                                                "Number(params.value).toLocaleString('en-GB', "
                                                "{maximumFractionDigits: 6})"}}


def _is_quantity(frame: pd.DataFrame, column: str) -> bool:
    """A numeric column other than a year or an hour (which take no thousands separator)."""
    name = " ".join(str(column).lower().replace("_", " ").split())
    return (pd.api.types.is_numeric_dtype(frame[column]) and not pd.api.types.is_bool_dtype(frame[column])
            and name not in {"year", "from year", "financial year", "calendar year", "hour", "hour of day"})


def frame_table(frame: pd.DataFrame, *, table_id: str, page_size: int = 15, wide: tuple[str, ...] = ()) -> dag.AgGrid:
    """A sortable, filterable, paginated grid of a DataFrame, each column at least as wide as its content.

    Each column's least width comes from its longest value, so names are never cut off; the room left is
    shared out (flex) and headers wrap instead of widening columns. ``wide`` columns (long text) wrap their
    cells within a generous width instead of growing without end.
    """
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    return dag.AgGrid(
        id=table_id, rowData=records,
        columnDefs=[{"field": c, "headerName": c.replace("_", " "), "filter": True, "sortable": True,
                     "resizable": True, "tooltipField": c, "minWidth": _content_width_px(frame[c]), "flex": 1,
                     **(NUMBER_COLUMN if _is_quantity(frame, c) else {}),
                     **({"minWidth": 220, "flex": 3, "wrapText": True, "autoHeight": True} if c in wide else {})}
                    for c in frame.columns],
        defaultColDef={"wrapHeaderText": True, "autoHeaderHeight": True},
        dashGridOptions={"pagination": True, "paginationPageSize": page_size, "paginationPageSizeSelector": False,
                         "domLayout": "autoHeight", "enableCellTextSelection": True,
                         "suppressColumnVirtualisation": True},
        className="ag-theme-alpine", style={"width": "100%"},
    )


def _content_width_px(values: pd.Series) -> int:
    """Room for a column's longest value (as shown, with thousands separators) and the filter icon."""
    text = values.dropna().map(lambda v: f"{v:,}" if isinstance(v, (int, float)) and not isinstance(v, bool)
                               else str(v))
    longest = int(text.str.len().max()) if len(text) else 0
    return int(min(380, max(84, 7.2 * longest + 34)))


def count_cards(counts: dict) -> html.Div:
    """A row of small cards, one per figure (numbers are formatted with thousands separators)."""
    return html.Div(className="cards", children=[
        html.Div(className="card", children=[html.Div(f"{n:,}" if isinstance(n, int) else ("–" if n is None else n),
                                                      className="card-value"),
                                             html.Div(t.replace("_", " "), className="card-label")])
        for t, n in counts.items()])


def model_error_text(profile) -> str:
    """The travel model's measured error in one sentence (or that it was never measured)."""
    cal = profile.calibration or {}
    if not cal:
        return "This profile is not calibrated: its error has not been measured."
    grouping = ", whole weeks held out" if cal.get("cv_grouping") == "week" else ""
    return (f"Cross-validated mean absolute error {cal['cv_mae_s']:.0f} s on {cal['observations']['used']:,} "
            f"LFB incidents inside the road network{grouping} ({cal['file']}, sha256 {cal['sha256'][:12]}).")


def travel_model_panel(profile) -> html.Div:
    """The active speed profile: where its figures come from and how wrong it is, measured."""
    cal = profile.calibration or {}
    rows = []
    for r in cal.get("in_sample", []):
        rows.append({"model": r["name"], "incidents": r["n"], "mean abs error s": round(r["mae_s"], 1),
                     "bias s": round(r["bias_s"], 1), "within ±60 s": f"{100 * r['within_60s']:.0f}%",
                     "within ±120 s": f"{100 * r['within_120s']:.0f}%",
                     "modelled within 6 min": f"{100 * r['modelled_share_within_6min']:.1f}%",
                     "actual within 6 min": f"{100 * r['actual_share_within_6min']:.1f}%"})
    speeds = pd.DataFrame({"road class": list(profile.highway_kph),
                           "km/h" if not profile.rural_highway_kph else "urban km/h":
                               [round(v, 1) for v in profile.highway_kph.values()]})
    if profile.rural_highway_kph:
        speeds["rural km/h"] = [round(profile.rural_highway_kph.get(c, profile.rural_highway_kph.get("default", v)), 1)
                                for c, v in profile.highway_kph.items()]
    turnout = pd.DataFrame({"duty system": list(profile.turnout_s), "turnout s": [round(v) for v in profile.turnout_s.values()]})
    headline = model_error_text(profile)
    cv = cal.get("cross_validated") or {}
    bands = pd.DataFrame([{"band": r["band"], "incidents": r["n"], "mean abs error s": round(r["mae_s"], 1),
                           "bias s": round(r["bias_s"], 1),
                           "modelled within 6 min": f"{100 * r['modelled_share_within']:.1f}%",
                           "actual within 6 min": f"{100 * r['actual_share_within']:.1f}%",
                           "judged": "yes" if r.get("enough", True) else "too few calls"}
                          for r in cv.get("by_distance", []) + cv.get("by_hour_band", [])])
    hours = pd.DataFrame([{"hour band": b, "turnout s": round(v["turnout_s"]), "drive x": round(v["drive_factor"], 3),
                           "calls fitted": int(v.get("calls", 0))} for b, v in (profile.hour_bands or {}).items()])
    return html.Div(className="panel", id="travel-model", children=[
        html.H3(f"Travel model: speed profile {profile.key}"),
        html.P(headline),
        html.P(className="note", children=(
            "Response time = turnout + drive time on the road network. Compliance shares are reported from the "
            "spread of actual around modelled times (a single deterministic time overstates compliance).")),
        frame_table(pd.DataFrame(rows), table_id="travel-model-error", page_size=5) if rows else html.Div(),
        *([html.H4("Cross-validated error by distance (straight line) and hour band"),
           frame_table(bands, table_id="travel-model-bands", page_size=10)] if len(bands) else []),
        *([html.P(className="note", children=(
            "Turnout and drive by hour band (night 22:00-07:00; peak: weekdays 07-10 and 16-19; off-peak the "
            "rest). LFB attendance is timed from mobilisation, not from the call, so the fitted turnout is the "
            "crew's turnout plus what the roads do not explain (leaving the station, finding the address), not "
            "call handling.")), frame_table(hours, table_id="travel-model-hours", page_size=5)] if len(hours) else []),
        *([html.P(className="note", id="travel-model-junctions", children=(
            "Delay on passing a node: " + ", ".join(f"{k.replace('_', ' ')} {v:.1f} s"
                                                   for k, v in profile.junction_delay_s.items())
            + (". Station turnout offsets: " + ", ".join(f"{k} {v:+.0f} s" for k, v in
                                                          profile.station_turnout_s.items())
               if profile.station_turnout_s else "")
            + (". Turn penalties (routes on the edge-based network pay them): "
               + ", ".join(f"{k.replace('_', ' ')} {v:.1f} s" for k, v in profile.turn_penalty_s.items())
               if profile.turn_penalty_s else "") + "."))] if profile.junction_delay_s else []),
        html.Div(style={"display": "flex", "gap": "24px"}, children=[
            html.Div(style={"flex": 1}, children=[frame_table(speeds, table_id="travel-model-speeds", page_size=20)]),
            html.Div(style={"flex": 1}, children=[frame_table(turnout, table_id="travel-model-turnout", page_size=20)]),
        ]),
        html.Ul([html.Li([html.B(k + ": "), v]) for k, v in profile.sources.items()], className="note"),
    ])


# ----------------------------------------------------------------------------- coverage

RESPONSE_BINS_MIN = [0, 3, 4, 5, 6, 7, 8, 10, 12, 15, 30]


def _to_wgs84_geojson(polys) -> list[dict]:
    import shapely
    from pyproj import Transformer

    tr = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
    out = []
    for p in polys:
        if p is None or p.is_empty:
            out.append(None)
            continue
        g = shapely.transform(p.simplify(10), lambda c: np.column_stack(tr.transform(c[:, 0], c[:, 1])))
        out.append({"type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(g)})
    return out


ISO_COLOURS = ["#1a9850", "#fee08b", "#fc8d59", "#d73027"]
#: isochrone outlines: colours outside the response-time scale, so they read over a coverage fill
ISO_OUTLINES = [("#08306b", "navy"), ("#6a3d9a", "purple"), ("#111111", "black"), ("#8c510a", "brown")]


def isochrone_layers(polys, bands_s) -> list[dict]:
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


def isochrone_legend(bands_s) -> str:
    """What each isochrone outline means, in the order drawn."""
    return "; ".join(f"{b / 60:g} min {ISO_OUTLINES[i % len(ISO_OUTLINES)][1]}" for i, b in enumerate(bands_s))


def coverage_map(points: pd.DataFrame, response_s: np.ndarray, *, threshold_s: float, zones_geojson: dict | str | None,
                 sites: pd.DataFrame, roads: dict | None, boundaries: dict | None, bounds=None,
                 iso_layers: list | None = None, highlight: np.ndarray | None = None, title: str = "") -> go.Figure:
    """Response time (minutes) of demand on the network: LSOA choropleth, or incident points; sites on top.

    Built in one pass, as :func:`cumulative_curve` (the page's most frequent figure).
    """
    layout = _base_layout(roads=roads, boundaries=boundaries, bounds=bounds)
    on = ~np.isnan(response_s)
    minutes = np.where(np.isfinite(response_s), response_s / 60.0, np.nan)
    colorbar = {"title": {"text": "response<br>minutes"}, "thickness": 12, "len": 0.6, "x": 0.99}
    scale = [[0, "#1a9850"], [min(0.999, threshold_s / 60 / 15), "#fee08b"], [1, "#d73027"]]
    data = []
    if zones_geojson is not None and _has_features(zones_geojson):
        data.append(go.Choroplethmap(
            geojson=zones_geojson, locations=points.loc[on, "zone"], z=minutes[on], zmin=0, zmax=15,
            colorscale=scale, marker={"opacity": 0.55, "line": {"width": 0}}, colorbar=colorbar,
            name="response (min)", customdata=np.column_stack([points.loc[on, "area"], points.loc[on, "weight"]]),
            hovertemplate="%{location} (%{customdata[0]})<br>response %{z:.1f} min<br>population %{customdata[1]:,.0f}"
                          "<extra></extra>"))
    else:
        data.append(go.Scattermap(
            lon=points.loc[on, "lon"], lat=points.loc[on, "lat"], mode="markers", name="incidents",
            marker={"size": 6, "color": minutes[on], "cmin": 0, "cmax": 15, "colorscale": scale, "colorbar": colorbar},
            text=points.loc[on, "zone"], hovertemplate="%{text}<br>response %{marker.color:.1f} min<extra></extra>"))
    if highlight is not None and highlight.any():
        data.append(go.Scattermap(lon=points.loc[highlight, "lon"], lat=points.loc[highlight, "lat"], mode="markers",
                                  marker={"size": 7, "color": "#6a3d9a"}, name="reached first by the chosen site"))
    data.append(go.Scattermap(
        lon=sites["lon"], lat=sites["lat"], mode="markers", name="sites",
        marker={"size": 10, "color": "#10243e"}, text=sites["name"], customdata=sites["site_id"],
        hovertemplate="<b>%{text}</b><br>%{customdata}<extra>site</extra>"))
    if iso_layers:
        layout["map"]["layers"] = list(iso_layers) + layout["map"]["layers"]
    if title:
        layout |= {"title": {"text": title, "x": 0.01, "y": 0.98, "font": {"size": 13}},
                   "margin": {**layout["margin"], "t": 30}}
    return go.Figure(data=data, layout=layout)


def cumulative_curve(response_s: np.ndarray, weight: np.ndarray, *, threshold_s: float, goal: float | None,
                     label: str, variability=None) -> go.Figure:
    """Share of demand reached within t minutes (deterministic, and modelled with the travel model's spread).

    Built in one pass (traces, lines and notes given to the figure at once):
    plotly validates each later update separately, which costs more than the curve.
    """
    on = ~np.isnan(response_s)
    t = response_s[on]
    w = np.asarray(weight, float)[on]
    grid = np.linspace(0, 20 * 60, 241)
    data = []
    if w.sum() > 0:
        order = np.argsort(t)
        cum = np.cumsum(w[order]) / w.sum()
        keep = np.unique(np.linspace(0, len(t) - 1, min(len(t), 600)).astype(int))     # enough to draw the step
        data.append(go.Scatter(x=t[order][keep] / 60, y=cum[keep], mode="lines", name="modelled (single time)",
                               line={"color": "#9aa5b1", "dash": "dot"}))
        if variability is not None:
            prob = np.zeros(len(grid))
            for i, g in enumerate(grid[1:], start=1):
                prob[i] = float((w * variability.prob_within(t, g)).sum() / w.sum())
            data.append(go.Scatter(x=grid / 60, y=prob, mode="lines", name="modelled with variability",
                                   line={"color": "#10243e", "width": 3}))
    shapes = [{"type": "line", "x0": threshold_s / 60, "x1": threshold_s / 60, "y0": 0, "y1": 1, "yref": "paper",
               "line": {"color": "#d62728", "dash": "dash"}}]
    notes = [{"x": threshold_s / 60, "y": 0, "yref": "paper", "text": f"standard {threshold_s / 60:g} min",
              "showarrow": False, "xanchor": "left", "yanchor": "bottom"}]
    if goal:
        shapes.append({"type": "line", "x0": 0, "x1": 1, "xref": "paper", "y0": goal, "y1": goal,
                       "line": {"color": "#d62728", "dash": "dot"}})
        notes.append({"x": 1, "xref": "paper", "y": goal, "text": f"goal {goal:.0%}", "showarrow": False,
                      "xanchor": "right", "yanchor": "bottom"})
    return go.Figure(data=data, layout={
        "title": {"text": label, "font": {"size": 13}}, "shapes": shapes, "annotations": notes,
        "xaxis": {"title": {"text": "response time (minutes)"}, "range": [0, 20]},
        "yaxis": {"title": {"text": "share of demand on the network"}, "tickformat": ".0%", "range": [0, 1.02]},
        "height": 340, "margin": {"l": 50, "r": 10, "t": 40, "b": 40}, "legend": {"x": 0.55, "y": 0.1}})


def kpi_card(service: str, summary, *, threshold_s: float, target_text: str, met: bool | None,
             profile_key: str, incidents=None, busy: dict | None = None) -> html.Div:
    """One service's headline figures against its standard: with vehicles busy where ``busy`` is given (the
    figures it is judged on lead), with the every-vehicle-free figures beneath."""
    def pct(v):
        return "–" if v is None or not np.isfinite(v) else f"{100 * v:.1f}%"

    def mins(v):
        return "–" if v is None or not np.isfinite(v) else f"{v / 60:.1f} min"

    status = {True: ("meets", "kpi-ok"), False: ("misses", "kpi-bad"), None: ("no target", "kpi-na")}[met]
    lead = (pct(summary.share_within_modelled), "") if busy is None else (
        pct(busy["share_within"]), f" with vehicles busy {100 * busy['busy_fraction']:.0f}% of the time")
    figures_line = (f"mean {mins(summary.mean_s)} · 90th centile {mins(summary.p90_s)}" if busy is None else
                    f"mean {mins(busy['mean_s'])}; every vehicle free: {pct(summary.share_within_modelled)} within, "
                    f"mean {mins(summary.mean_s)}, 90th centile {mins(summary.p90_s)}")
    return html.Div(className=f"card kpi {status[1]}", id=f"kpi-{service}", children=[
        html.Div(service.title(), className="kpi-title"),
        html.Div(lead[0], className="card-value"),
        html.Div(f"of population on the network reached within {threshold_s / 60:g} min{lead[1]}",
                 className="card-label"),
        html.Div(figures_line, className="kpi-line"),
        html.Div(f"{status[0]}: {target_text}", className="kpi-line"),
        html.Div(f"incidents on the network: {pct(incidents.share_within_modelled)} within, mean "
                 f"{mins(incidents.mean_s)} ({incidents.demand_on_network:,.0f} of {incidents.demand_total:,.0f})"
                 if incidents is not None and incidents.demand_on_network > 0 else "no incidents of this service loaded",
                 className="kpi-line"),
        html.Div(f"{summary.demand_off_network:,.0f} people beyond the road data · profile {profile_key}",
                 className="kpi-foot"),
    ])


def coverage_cards(s, *, threshold_s: float, demand_label: str, service: str) -> html.Div:
    """Headline figures of one evaluation, or a plain statement that there is no demand to assess."""
    if s.demand_on_network <= 0:
        why = ("none of it lies within the road data" if s.demand_total > 0 else "none is loaded")
        return html.Div(className="panel", id="cov-no-demand", children=[
            html.B(f"Nothing to assess: {service} demand '{demand_label}' — {why}. "),
            "Choose population, or load this service's incidents with 'bluelight etl incidents'."])
    minutes = f"{threshold_s / 60:g} min"
    return count_cards({
        f"within {minutes} (modelled)": f"{100 * s.share_within_modelled:.1f}%",
        f"within {minutes} (single time)": f"{100 * s.share_within:.1f}%",
        "mean response": f"{s.mean_s / 60:.1f} min" if np.isfinite(s.mean_s) else "–",
        "90th centile": f"{s.p90_s / 60:.1f} min" if np.isfinite(s.p90_s) else "over 30 min",
        "demand on network": f"{s.demand_on_network:,.0f}", "beyond the road data": f"{s.demand_off_network:,.0f}",
        "unreached within 30 min": f"{s.demand_unreached:,.0f}"})


def summary_table(summaries: dict[str, object], threshold_s: float) -> pd.DataFrame:
    """KPI rows (one per label) from coverage summaries, in planner's units, naming the standard."""
    minutes = f"{threshold_s / 60:g} min"
    rows = []
    for label, s in summaries.items():
        rows.append({"scenario": label, f"% within {minutes} (modelled)": round(100 * s.share_within_modelled, 2),
                     f"% within {minutes} (single time)": round(100 * s.share_within, 2),
                     "mean min": round(s.mean_s / 60, 2) if np.isfinite(s.mean_s) else None,
                     "p90 min": round(s.p90_s / 60, 2) if np.isfinite(s.p90_s) else None,
                     "demand on network": round(s.demand_on_network), "unreached": round(s.demand_unreached)})
    return pd.DataFrame(rows)


def area_table(by_area: pd.DataFrame) -> pd.DataFrame:
    """Per-area coverage in planner's units."""
    return pd.DataFrame({
        "area": by_area["area"],
        "share within (modelled) %": (100 * by_area["share_within_modelled"]).round(1),
        "share within (single time) %": (100 * by_area["share_within"]).round(1),
        "mean min": (by_area["mean_s"] / 60).round(2),
        "p90 min": (by_area["p90_s"] / 60).round(2),
        "demand on network": by_area["demand_on_network"].round(0),
        "beyond road data": by_area["demand_off_network"].round(0),
    })


def with_change_row(table: pd.DataFrame) -> pd.DataFrame:
    """Add a row with the second row minus the first, for every numeric column."""
    if len(table) < 2:
        return table
    diff = {c: (round(table[c].iloc[1] - table[c].iloc[0], 2) if pd.api.types.is_numeric_dtype(table[c]) and
                table[c].notna().all() else None) for c in table.columns}
    diff[table.columns[0]] = "change (second − first)"
    return pd.concat([table, pd.DataFrame([diff])], ignore_index=True)


def change_map(points: pd.DataFrame, delta_s: np.ndarray, *, zones_geojson: dict | str, sites: pd.DataFrame,
               closed: pd.DataFrame, added: pd.DataFrame, roads, boundaries, bounds) -> go.Figure:
    """Change in response (minutes) by LSOA, with open, closed and new or moved sites marked."""
    fig = base_map(roads=roads, boundaries=boundaries, bounds=bounds)
    on = ~np.isnan(delta_s)
    fig.add_trace(go.Choroplethmap(
        geojson=zones_geojson, locations=points.loc[on, "zone"], z=np.clip(delta_s[on] / 60, -5, 5), zmin=-3, zmax=3,
        colorscale=[[0, "#1a9850"], [0.5, "#f7f7f7"], [1, "#d73027"]], marker={"opacity": 0.6, "line": {"width": 0}},
        colorbar={"title": {"text": "change<br>minutes"}, "thickness": 12, "len": 0.6}, name="change",
        hovertemplate="%{location}<br>change %{z:+.2f} min<extra></extra>"))
    fig.add_trace(go.Scattermap(lon=sites["lon"], lat=sites["lat"], mode="markers", name="open sites",
                                marker={"size": 10, "color": "#10243e"}, text=sites["name"],
                                hovertemplate="%{text}<extra></extra>"))
    if len(closed):
        fig.add_trace(go.Scattermap(lon=closed["lon"], lat=closed["lat"], mode="markers", name="closed in scenario",
                                    marker={"size": 12, "color": "#d73027"}, text=closed["name"],
                                    hovertemplate="%{text} (closed)<extra></extra>"))
    if len(added):
        from bluelight.etl.geo import to_wgs84

        lon, lat = to_wgs84(added["easting"], added["northing"])
        fig.add_trace(go.Scattermap(lon=lon, lat=lat, mode="markers", name="new or moved site",
                                    marker={"size": 13, "color": "#6a3d9a"}, text=added["site_id"],
                                    hovertemplate="%{text}<extra>new/moved</extra>"))
    return fig


def demand_posts_map(points: pd.DataFrame, *, stations: pd.DataFrame, candidates: pd.DataFrame,
                     chosen: list[str], roads, boundaries, bounds=None, title: str = "") -> go.Figure:
    """Demand of a band (circles sized and shaded by incidents a year), stations, candidate and chosen posts."""
    fig = base_map(roads=roads, boundaries=boundaries, bounds=bounds)
    w = points["weight"].to_numpy(float)
    size = 4 + 14 * np.sqrt(w / w.max()) if len(w) and w.max() > 0 else np.full(len(w), 4.0)
    fig.add_trace(go.Scattermap(
        lon=points["lon"], lat=points["lat"], mode="markers", name="demand (incidents a year)",
        marker={"size": size, "color": w, "colorscale": "Blues", "opacity": 0.55, "showscale": True,
                "colorbar": {"title": {"text": "incidents<br>a year"}, "thickness": 12, "len": 0.6, "x": 0.99}},
        text=points["zone"], hovertemplate="%{text}<br>%{marker.color:.2f} incidents a year<extra></extra>"))
    fig.add_trace(go.Scattermap(
        lon=stations["lon"], lat=stations["lat"], mode="markers", name=f"ambulance stations ({len(stations)})",
        marker={"size": 9, "color": SERVICE_COLOURS["ambulance"]}, text=stations["name"],
        hovertemplate="<b>%{text}</b><extra>ambulance station</extra>"))
    is_chosen = candidates["site_id"].isin(chosen)
    for label, mask, colour, opacity in (("candidate posts, open in this band", candidates["open_in_band"] & ~is_chosen,
                                          "#10243e", 0.8),
                                         ("candidate posts, closed in this band",
                                          ~candidates["open_in_band"] & ~is_chosen, "#9aa5b1", 0.6)):
        grp = candidates[mask]
        fig.add_trace(go.Scattermap(lon=grp["lon"], lat=grp["lat"], mode="markers", name=f"{label} ({len(grp)})",
                                    marker={"size": 8, "color": colour, "opacity": opacity}, text=grp["name"],
                                    customdata=grp["service"],
                                    hovertemplate="<b>%{text}</b> (%{customdata})<extra>candidate</extra>"))
    grp = candidates[is_chosen]
    # chosen posts: a red disc in a white ring, unlike the blue demand, the dark candidates and the stations
    fig.add_trace(go.Scattermap(lon=grp["lon"], lat=grp["lat"], mode="markers", showlegend=False, hoverinfo="skip",
                                marker={"size": 22, "color": "#ffffff"}))
    fig.add_trace(go.Scattermap(lon=grp["lon"], lat=grp["lat"], mode="markers", name=f"chosen posts ({len(grp)})",
                                marker={"size": 15, "color": "#d62728"}, text=grp["name"], customdata=grp["service"],
                                hovertemplate="<b>%{text}</b> (%{customdata})<extra>chosen post</extra>"))
    if title:
        fig.update_layout(title={"text": title, "x": 0.01, "y": 0.98, "font": {"size": 13}}, margin={"t": 30})
    return fig


def gain_curve(table: pd.DataFrame, *, y: str, y_label: str, title: str) -> go.Figure:
    """Marginal-gain curve: the value reached with n ambulances posted (line) and what each adds (bars)."""
    fig = go.Figure()
    fig.add_trace(go.Bar(x=table["ambulances_free"], y=table["gain"], name="gain of the n-th ambulance",
                         marker_color="#9aa5b1", yaxis="y2"))
    fig.add_trace(go.Scatter(x=table["ambulances_free"], y=table[y], mode="lines+markers", name=y_label,
                             line={"color": "#10243e", "width": 3}))
    share = y.startswith("share")
    fig.update_layout(title={"text": title, "font": {"size": 13}}, xaxis_title="ambulances posted",
                      yaxis={"title": y_label, "tickformat": ".0%" if share else "",
                             **({"range": [0, 1.02]} if share else {})},
                      yaxis2={"title": "gain", "overlaying": "y", "side": "right", "showgrid": False},
                      height=340, margin={"l": 60, "r": 60, "t": 40, "b": 40}, legend={"x": 0.02, "y": -0.35,
                                                                                     "orientation": "h"})
    return fig


def dap_summary_table(result: dict) -> pd.DataFrame:
    """Before/after figures of a DAP plan against the standards."""
    b, a, e = result["before"], result["after"], result["expected_share_within"]
    t = result["settings"]["threshold_s"]
    rows = [("share within %.0f s (single time) %%" % t, 100 * b["share_within"], 100 * a["share_within"]),
            ("share within %.0f s (with travel variability) %%" % t, 100 * b["share_within_modelled"],
             100 * a["share_within_modelled"]),
            (f"expected share within {t:.0f} s, vehicles busy {e['busy_fraction']:.0%} of the time %",
             100 * e["before"], 100 * e["after"]),
            ("mean response s", b["mean_s"], a["mean_s"]), ("90th centile s", b["p90_s"], a["p90_s"])]
    sim, last = result.get("simulated") or {}, (result.get("compliance") or [{}])[-1]
    if sim.get("available") and "simulated_share_within" in last:
        rows.insert(3, (f"simulated share within {t:.0f} s, {sim['vehicles']} ambulances busy with every call %",
                        100 * sim["baseline"]["share_within"]["mean"], 100 * last["simulated_share_within"]))
    for tb, ta in zip(result.get("targets_before", []), result.get("targets_after", [])):
        goal = f" (goal {tb['goal']:.0%})" if tb["goal"] == tb["goal"] and tb["goal"] is not None else ""
        rows.append((f"target {tb['target_id']}: {tb['statistic']} {tb['threshold_s']:.0f} s{goal}",
                     f"{_fmt(tb['value'], tb['statistic'])} {'met' if tb['met'] else 'not met'}",
                     f"{_fmt(ta['value'], ta['statistic'])} {'met' if ta['met'] else 'not met'}"))
    frame = pd.DataFrame(rows, columns=["figure", "stations only", "with posts"])
    # one type per column (the grid would call text in a number column invalid)
    return frame.assign(**{c: [f"{v:,.1f}" if isinstance(v, float) else str(v) for v in frame[c]]
                           for c in ("stations only", "with posts")})


def _fmt(value, statistic: str) -> str:
    if value is None or value != value:
        return "n/a"
    return f"{100 * value:.1f}%" if statistic == "share_within" else f"{value:.0f} s"


COVER_COLOURS = {"fire only": "#d62728", "both within the standard": "#1a9850", "ambulance only": "#91bfdb",
                 "neither": "#7f7f7f"}


def fire_first_map(points: pd.DataFrame, stations: pd.DataFrame, *, zones_geojson, roads, boundaries, bounds=None,
                   title: str = "") -> go.Figure:
    """Zones by who reaches them within the standard (fire only in red), and fire stations by survivors added."""
    fig = base_map(roads=roads, boundaries=boundaries, bounds=bounds)
    for label, colour in COVER_COLOURS.items():
        grp = points[points["cover"] == label]
        if grp.empty:
            continue
        hover = ("%{location}<br>ambulance %{customdata[0]:.1f} min, fire %{customdata[1]:.1f} min<br>"
                 "expected arrests %{customdata[2]:.2f} a year<extra>" + label + "</extra>")
        fig.add_trace(go.Choroplethmap(
            geojson=zones_geojson, locations=grp["zone"], z=np.ones(len(grp)), showscale=False,
            colorscale=[[0, colour], [1, colour]], marker={"opacity": 0.55, "line": {"width": 0}},
            name=f"{label} ({len(grp)} zones)", showlegend=True,
            customdata=np.column_stack([grp["ambulance_s"] / 60, grp["fire_s"] / 60, grp["weight"]]),
            hovertemplate=hover))
    size = 8 + 22 * np.sqrt(stations["additional_survivors"].clip(lower=0) /
                            max(stations["additional_survivors"].max(), 1e-9))
    fig.add_trace(go.Scattermap(
        lon=stations["lon"], lat=stations["lat"], mode="markers", name="fire stations (size: survivors added)",
        marker={"size": size, "color": np.where(stations["enrolled"], SERVICE_COLOURS["fire"], "#9aa5b1")},
        text=stations["name"], customdata=np.column_stack([stations["additional_survivors"], stations["site_id"]]),
        hovertemplate="<b>%{text}</b><br>+%{customdata[0]:.3f} survivors a year<extra>%{customdata[1]}</extra>"))
    if title:
        fig.update_layout(title={"text": title, "x": 0.01, "y": 0.98, "font": {"size": 13}}, margin={"t": 30})
    return fig


def enrolment_figure(curve: pd.DataFrame) -> go.Figure:
    """Expected survivors a year as stations are enrolled in order of what each adds."""
    fig = go.Figure()
    fig.add_trace(go.Bar(x=curve["step"], y=curve["marginal_survivors"], name="added by this station",
                         marker_color="#9aa5b1", text=curve["name"], textposition="none",
                         hovertemplate="%{text}: +%{y:.3f}<extra></extra>"))
    fig.add_trace(go.Scatter(x=curve["step"], y=curve["cumulative_survivors"], mode="lines+markers",
                             name="cumulative", line={"color": "#d62728", "width": 3}))
    fig.update_layout(title={"text": "Enrolling stations 1..n: additional survivors a year", "font": {"size": 13}},
                      xaxis_title="stations enrolled (best first)", yaxis_title="survivors a year", height=340,
                      margin={"l": 50, "r": 10, "t": 40, "b": 40}, legend={"x": 0.55, "y": 0.15})
    return fig


def minutes_saved_figure(summary: dict) -> go.Figure:
    """Distribution of minutes saved where a fire crew arrives first."""
    fig = go.Figure()
    hist = summary.get("minutes_saved_histogram")
    if hist:
        edges = hist["edges_min"]
        fig.add_trace(go.Bar(x=[f"{a:g}–{b:g}" for a, b in zip(edges[:-1], edges[1:])], y=hist["demand"],
                             marker_color="#d62728", name="expected arrests a year"))
    fig.update_layout(title={"text": "Minutes saved where fire arrives first", "font": {"size": 13}},
                      xaxis_title="minutes saved", yaxis_title="expected arrests a year", height=300,
                      margin={"l": 50, "r": 10, "t": 40, "b": 40})
    return fig


def trips_map(users: list[dict], chosen: list[dict], *, roads, boundaries, bounds=None, title: str = "") -> go.Figure:
    """Users' trips to their facility (a line each, width by trips a year), the users and the chosen facilities."""
    fig = base_map(roads=roads, boundaries=boundaries, bounds=bounds)
    where = {c["site_id"]: c for c in chosen}
    lon, lat = [], []
    for u in users:
        f = where.get(u["facility"])
        if f is not None:
            lon += [u["lon"], f["lon"], None]
            lat += [u["lat"], f["lat"], None]
    fig.add_trace(go.Scattermap(lon=lon, lat=lat, mode="lines", line={"width": 1.5, "color": "#6a3d9a"},
                                name="trips to the facility", hoverinfo="skip"))
    for service in sorted({u["service"] for u in users}):
        mine = [u for u in users if u["service"] == service]
        fig.add_trace(go.Scattermap(
            lon=[u["lon"] for u in mine], lat=[u["lat"] for u in mine], mode="markers",
            marker={"size": 8, "color": SERVICE_COLOURS.get(service, "#7f7f7f")}, name=f"{service} users ({len(mine)})",
            text=[f"{u['name']}: {u['trips_per_year']:g} trips a year" for u in mine],
            hovertemplate="%{text}<extra></extra>"))
    # markers only: map text needs glyphs from a font server, and nothing may leave the machine
    fig.add_trace(go.Scattermap(lon=[c["lon"] for c in chosen], lat=[c["lat"] for c in chosen], mode="markers",
                                marker={"size": 20, "color": "#111111"}, text=[c["name"] for c in chosen],
                                hovertemplate="<b>%{text}</b> (chosen)<extra></extra>",
                                name=f"chosen facilit{'y' if len(chosen) == 1 else 'ies'}: "
                                     + ", ".join(c["name"] for c in chosen)))
    fig.update_layout(title={"text": title, "font": {"size": 14}})
    return fig


def station_workload_figure(stations: pd.DataFrame, *, title: str) -> go.Figure:
    """Per station: vehicle utilisation and the share of time with none of its vehicles free."""
    s = stations.sort_values("utilisation", ascending=True).tail(25)
    fig = go.Figure([
        go.Bar(y=s["name"], x=100 * s["utilisation"], orientation="h", name="vehicles busy (% of time)"),
        go.Bar(y=s["name"], x=100 * s["no_vehicle_free_share"], orientation="h", name="no vehicle free (% of time)")])
    fig.update_layout(title=title, barmode="group", height=max(320, 22 * len(s) + 120), xaxis_title="% of the period",
                      margin={"l": 140, "r": 20, "t": 50, "b": 40}, legend={"orientation": "h", "y": -0.15})
    return fig


def availability_bands_figure(bands: list[dict], *, threshold_s: float) -> go.Figure:
    """First-vehicle share within the standard by time of day: with availability and if the nearest were free."""
    x = [b["hours"] for b in bands]
    sim = [100 * (b["first_within"]["mean"] or 0) for b in bands]
    err = [100 * ((b["first_within"]["ci95"][1] or 0) - (b["first_within"]["mean"] or 0)) for b in bands]
    fig = go.Figure([
        go.Bar(x=x, y=sim, error_y={"type": "data", "array": err}, name="with availability (95% CI)"),
        go.Scatter(x=x, y=[100 * (b["first_within_static"]["mean"] or 0) for b in bands], mode="markers+lines",
                   name="nearest always free")])
    fig.update_layout(title=f"First vehicle within {threshold_s / 60:g} min by time of day", yaxis_title="% of calls",
                      yaxis_range=[0, 100], height=340, margin={"l": 50, "r": 20, "t": 50, "b": 40},
                      legend={"orientation": "h", "y": -0.2})
    return fig


def duration_text(seconds: float | None) -> str:
    """Seconds as m:ss, the way the project writes every time (:func:`bluelight.text.mmss`)."""
    from bluelight.text import mmss

    return mmss(seconds) if seconds is not None else "–"


def target_text(statistic: str, threshold_s: float, goal: float | None) -> str:
    """A target in words: ``mean within 6 min``, ``90% within 10 min``."""
    minutes = f"{threshold_s / 60:g} min"
    if statistic == "share_within":
        return f"{100 * goal:.0f}% within {minutes}"
    return f"{'mean' if statistic == 'mean' else '90th centile'} within {minutes}"


def simulated_targets_table(rows: list[dict], *, table_id: str) -> html.Div:
    """Each loaded target against the simulated first responses, with the 95% interval."""
    if not rows:
        return html.P("No response targets are loaded for this service (bluelight etl targets).", className="note")

    def shown(r):
        v = r["value"]
        if r["statistic"] == "share_within":
            return f"{100 * v['mean']:.1f}% ({100 * v['ci95'][0]:.1f}–{100 * v['ci95'][1]:.1f})"
        return f"{duration_text(v['mean'])} ({duration_text(v['ci95'][0])}–{duration_text(v['ci95'][1])})"
    frame = pd.DataFrame({"target": [r["target_id"] for r in rows],
                          "standard": [target_text(r["statistic"], r["threshold_s"], r["goal"]) for r in rows],
                          "simulated, with availability (95% CI)": [shown(r) for r in rows],
                          "met": [{True: "yes", False: "no", None: "–"}[r["met"]] for r in rows]})
    return frame_table(frame, table_id=table_id, page_size=10)


def _pct(share: float | None) -> float | None:
    return None if share is None else round(100 * share, 1)


def validation_table(out: dict, *, table_id: str) -> html.Div:
    """Simulated against actual attendance for each incident set, with the static model beside it."""
    rows = []
    for s in out.sets:
        for f in s["figures"]:
            ci = f["simulated_ci95"]
            rows.append({"incidents": s["set"], "measure": f["label"], "actual %": _pct(f["actual"]),
                         "simulated %": _pct(f["simulated"]),
                         "simulated 95% CI": None if not ci else f"{100 * ci[0]:.1f}–{100 * ci[1]:.1f}",
                         "nearest always free %": _pct(f["static_model"]),
                         "gap (points)": None if f["gap_points"] is None else round(f["gap_points"], 1),
                         "incidents used": s["incidents_used"]})
    return html.Div([frame_table(pd.DataFrame(rows), table_id=table_id, page_size=10, wide=("measure",)),
                     html.P(out["note"], className="note")])


def availability_cards(figs: dict, *, threshold_s: float) -> html.Div:
    """The coverage page's "with availability" figures: simulated and static shares of the incidents, side by side."""
    if not figs["available"]:
        return html.P(f"With availability: not available ({figs['reason']}).", className="note blocked")

    def ci(part):
        lo, hi = part["ci95"]
        return f"{100 * part['mean']:.1f}% ({100 * lo:.1f}–{100 * hi:.1f})"
    minutes = f"{threshold_s / 60:g} min"
    return html.Div([
        count_cards({f"of incidents: first vehicle within {minutes}, with availability (95% CI)": ci(figs["first_within"]),
                     f"of incidents: within {minutes} if the nearest were always free": ci(figs["first_within_static"]),
                     "of incidents: answered by other than the nearest station": ci(figs["not_nearest_share"])}),
        html.P(f"Availability simulation over {figs['over']}; see the Availability page for its inputs.",
               className="note"),
        *[html.P(w, className="note blocked") for w in figs["warnings"]]])


def fire_cost_cards(sim: dict) -> dict:
    """Co-responding's simulated cost in fire cover, as count-card entries (none when it could not be simulated)."""
    if not sim.get("available"):
        return {}
    change, minutes = sim["change"], f"{sim['threshold_s'] / 60:g} min"
    return {f"fire calls: first pump within {minutes}, simulated without → with co-responding":
            f"{100 * sim['fire_first_within_alone']['mean']:.2f}% → "
            f"{100 * sim['fire_first_within_with_coresponding']['mean']:.2f}%",
            "simulated change in fire cover, points (95% CI)":
            f"{100 * change['mean']:+.3f} ({100 * change['ci95'][0]:+.3f} to {100 * change['ci95'][1]:+.3f})",
            "co-responder calls a year (answered when an enrolled pump is free)":
            f"{sim['coresponder_calls_per_year']:,.0f} ({100 * sim['coresponder_calls_answered_share']['mean']:.1f}%)"}


def simulated_zones_map(zones: list[dict], sites: pd.DataFrame, *, threshold_s: float, roads, boundaries,
                        bounds=None) -> go.Figure:
    """Per demand zone: the simulated share of calls whose first vehicle arrived within the standard."""
    from bluelight.geo import to_wgs84

    fig = base_map(roads=roads, boundaries=boundaries, bounds=bounds, height=520)
    z = pd.DataFrame(zones)
    if len(z):
        lon, lat = to_wgs84(z["easting"], z["northing"])
        fig.add_trace(go.Scattermap(
            lon=lon, lat=lat, mode="markers", name="calls (size: a year)",
            marker={"size": np.clip(4 + 2 * np.sqrt(z["calls_per_year"]), 4, 18), "color": 100 * z["first_within"],
                    "cmin": 0, "cmax": 100, "colorscale": [[0, "#d73027"], [0.5, "#fee08b"], [1, "#1a9850"]],
                    "colorbar": {"title": {"text": f"% within<br>{threshold_s / 60:g} min"}, "thickness": 12,
                                 "len": 0.6, "x": 0.99}},
            customdata=np.column_stack([z["calls_per_year"], z["first_mean_s"].fillna(np.nan) / 60]),
            hovertemplate="%{marker.color:.0f}% within the standard<br>%{customdata[0]:.1f} calls a year<br>"
                          "mean first response %{customdata[1]:.1f} min<extra></extra>"))
    fig.add_trace(go.Scattermap(lon=sites["lon"], lat=sites["lat"], mode="markers", name="stations",
                                marker={"size": 11, "color": "#10243e", "symbol": "circle"}, text=sites["name"],
                                hovertemplate="<b>%{text}</b><extra>station</extra>"))
    fig.update_layout(title={"text": f"Simulated share of calls reached within {threshold_s / 60:g} min, by place",
                             "x": 0.01, "y": 0.98, "font": {"size": 13}}, margin={"t": 30})
    return fig


def executive_table(cells: list[dict]) -> pd.DataFrame:
    """The executive matrix as areas x services, with each area's population assessed first."""
    matrix = pd.DataFrame(cells)
    wide = matrix.assign(cell=[cell_text(r) for r in cells]).pivot(index="area", columns="service",
                                                                        values="cell")
    wide = wide[[s for s in ("fire", "police", "ambulance") if s in wide.columns]]
    population = matrix.drop_duplicates("area").set_index("area")
    wide.insert(0, "population assessed", [f"{population.loc[a, 'population'] * population.loc[a, 'assessed_share']:,.0f}"
                                          f" of {population.loc[a, 'population']:,.0f}" for a in wide.index])
    return wide.reset_index().sort_values("area")


# ----------------------------------------------------------------------------- national

def _geojson_bounds(geo: dict) -> tuple[float, float, float, float]:
    """(min lon, min lat, max lon, max lat) of a GeoJSON's features: a map frames what it shows."""
    import shapely

    shapes = shapely.union_all([shapely.geometry.shape(f["geometry"]) for f in geo["features"]])
    return tuple(float(v) for v in shapes.bounds)


def trust_map(result: dict) -> go.Figure:
    """The ambulance trusts coloured by how far the estimate (left out of the fit) is from the published
    Category 1 mean; the Isle of Wight, its own trust, shows inside Hampshire's area on this generalised map."""
    rows = {t["org_code"]: t for t in result["trusts"]}
    geo = result["areas_geojson"]
    codes = [f["properties"]["org_code"] for f in geo["features"]]
    err = [(rows[c]["modelled"]["c1_mean_s"] - rows[c]["actual"]["c1_mean_s"]) if c in rows else None for c in codes]
    text = [f"{rows[c]['name']}<br>published C1 mean {rows[c]['actual']['c1_mean_s'] / 60:.1f} min, estimated "
            f"{rows[c]['modelled']['c1_mean_s'] / 60:.1f} min" if c in rows else c for c in codes]
    fig = go.Figure(go.Choroplethmap(
        geojson=geo, locations=codes, featureidkey="properties.org_code", z=err, zmin=-90, zmax=90,
        colorscale=[[0, "#2166ac"], [0.5, "#f7f7f7"], [1, "#b2182b"]], text=text, marker_line_width=0.6,
        colorbar={"title": {"text": "estimate minus<br>published, s"}, "thickness": 12, "len": 0.6},
        hovertemplate="%{text}<extra></extra>"),
        layout=_base_layout(roads=None, boundaries=None, bounds=_geojson_bounds(geo), height=560))
    fig.update_layout(margin={"l": 0, "r": 0, "t": 30, "b": 0},
                      title={"text": "Ambulance trusts: estimate (left out of the fit) against the published Category "
                                     "1 mean", "x": 0.01, "font": {"size": 13}})
    return fig


def published_against_estimate(names: list[str], published: list[float], estimated: list[float], *,
                               what: str) -> go.Figure:
    """Each organisation's published figure beside the estimate made without it, sorted by the published one."""
    order = np.argsort(published)
    fig = go.Figure([go.Bar(x=[names[i] for i in order], y=[published[i] for i in order], name="published",
                            marker_color="#1f4e79"),
                     go.Scatter(x=[names[i] for i in order], y=[estimated[i] for i in order], mode="markers",
                                name="estimated (left out of the fit)", marker={"size": 11, "color": "#e07b00"})])
    fig.update_layout(yaxis_title=what, height=360, margin={"l": 60, "r": 20, "t": 30, "b": 120},
                      legend={"orientation": "h", "y": 1.1})
    return fig


def national_headline(result: dict, roads: str | None) -> html.Div:
    """What the national page is, how wrong it is, and where road-based figures take over."""
    ldn, m = result["held_out"], result["model"]
    sample = ldn.get("incident_sample", {})
    return html.Div([
        html.P(html.B(f"Estimate without road data: {result['lsoas_estimated']:,} LSOAs "
                      f"({result['population']:,.0f} people) from their nearest fire station, {result['fire_type']} "
                      f"fires {result['year']}.")),
        html.P(f"Measured error: each service's mean drive, predicted with that service left out of the fit, is "
               f"{result['cv_mae_drive_min']:.2f} minutes from its published FIRE1001 figure on average "
               f"({result['cv_services']} services; bias {result['cv_bias_drive_min']:+.2f} min). Drive = "
               f"{m['start_s']:.0f} s + straight-line distance at {m['urban_kph_straight_line']:.0f} km/h in towns, "
               f"{m['rural_kph_straight_line']:.0f} km/h elsewhere (fitted; the town speed is at its cap, so "
               "distance within towns explains little of the services' differences)."),
        html.P(f"{result['held_out_service']}, held out of the fit: " + (
            f"drive {ldn['modelled_drive_min']:.2f} min against FIRE1001 {ldn['fire1001_drive_min']:.2f}; first "
            f"pump within 6 minutes {100 * ldn['modelled_share_within_6min']:.1f}%"
            + (f" against {100 * sample['share_within_6min']:.1f}% of {sample['incidents']:,} incidents in the "
               f"incident sample ({sample['file']})" if sample.get("available") else "")
            if ldn.get("available") else "not available.")),
        html.P(className="note", children=(f"Road data is loaded for {roads}: its road-based figures (Overview, "
                                          "Coverage) replace this estimate there." if roads else
                                          "No road data is loaded inside England's services: every figure here "
                                          "is the estimate."))])


def national_map(result: dict) -> go.Figure:
    """LSOAs coloured by estimated response (turnout + drive), with the services' areas outlined."""
    from bluelight.geo import to_wgs84

    lsoas = pd.DataFrame(result["lsoas"])
    lon, lat = to_wgs84(lsoas["easting"].to_numpy(), lsoas["northing"].to_numpy())
    layout = _base_layout(roads=None, boundaries=result.get("areas_geojson"),
                          bounds=(float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())), height=720)
    fig = go.Figure(go.Scattermap(
        lon=np.round(lon, 4), lat=np.round(lat, 4), mode="markers", name="LSOA estimate",
        marker={"size": 4, "color": lsoas["response_min"].round(2), "cmin": 2, "cmax": 16,
                "colorscale": [[0, "#1a9850"], [0.3, "#fee08b"], [1, "#d73027"]],
                "colorbar": {"title": {"text": "estimated<br>response min"}, "thickness": 12, "len": 0.6}},
        text=lsoas["service"], customdata=np.column_stack([lsoas["station"], lsoas["distance_m"].round(0)]),
        hovertemplate="%{text}<br>nearest station %{customdata[0]} (%{customdata[1]} m)<br>"
                      "estimate %{marker.color:.1f} min<extra>estimate without road data</extra>"), layout=layout)
    fig.update_layout(title={"text": f"{result['label']}: turnout + drive, minutes", "x": 0.01, "y": 0.98,
                             "font": {"size": 13}}, margin={"l": 0, "r": 0, "t": 30, "b": 0})
    return fig


def national_map_note(result: dict) -> str:
    return (f"Each dot is an LSOA's population-weighted centre; lines are the services' areas (local authorities "
            f"dissolved). Turnout is the station's duty system where the duty file names it, else the service's "
            f"FIRE1001 turnout. Every figure is an {result['label']}, measured error "
            f"{result['cv_mae_drive_min']:.2f} min of mean drive. Sources: "
            + "; ".join(f"{k} {v}" for k, v in result["sources"].items() if "/" in str(v)) + ".")


def national_trend(result: dict) -> go.Figure:
    """Each service's published mean drive by year, the services shown in grey with England's spread."""
    t = pd.DataFrame(result["trends"])
    fig = go.Figure()
    for service, grp in t.groupby("service"):
        grp = grp.sort_values("year")
        fig.add_trace(go.Scatter(x=grp["year"], y=grp["drive_min"], mode="lines", name=service,
                                 line={"width": 1}, hovertemplate=f"{service}<br>%{{x}}: %{{y:.2f}} min<extra></extra>"))
    fig.update_layout(height=380, margin={"l": 50, "r": 10, "t": 10, "b": 40}, showlegend=False,
                      yaxis_title="mean drive, minutes (FIRE1001)", xaxis_title="financial year")
    return fig
