"""Figure and table builders: plain functions of data, testable without a server."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import dash_ag_grid as dag
from dash import html

from dashboard.queries import OS_ATTRIBUTION, OSM_ATTRIBUTION

SERVICE_COLOURS = {"fire": "#d62728", "police": "#1f3b99", "ambulance": "#2ca02c", "other": "#7f7f7f"}
STATUS_OPACITY = {"open": 0.95, "planned": 0.8, "candidate": 0.6, "closed": 0.35}


def base_map(*, roads: dict | None, boundaries: dict | None, bounds=None, height: int = 620) -> go.Figure:
    """An offline map: white background, the project's own roads and boundaries as layers."""
    layers = []
    if boundaries and boundaries["features"]:
        layers.append({"source": boundaries, "type": "line", "color": "#555555", "line": {"width": 1.2},
                       "below": "traces", "sourceattribution": OS_ATTRIBUTION})
    if roads and roads["features"]:
        layers.append({"source": roads, "type": "line", "color": "#c8c8c8", "line": {"width": 0.8},
                       "below": "traces", "sourceattribution": OSM_ATTRIBUTION})
    centre = {"lon": -0.13, "lat": 51.515}
    zoom = 11.5
    if bounds:
        centre = {"lon": (bounds[0] + bounds[2]) / 2, "lat": (bounds[1] + bounds[3]) / 2}
        span = max(bounds[2] - bounds[0], (bounds[3] - bounds[1]) * 1.6, 1e-3)
        zoom = max(3.0, min(14.0, 8.6 - __import__("math").log2(span / 0.4)))
    fig = go.Figure()
    fig.update_layout(map={"style": "white-bg", "layers": layers, "center": centre, "zoom": zoom},
                      margin={"l": 0, "r": 0, "t": 0, "b": 0}, height=height,
                      legend={"x": 0.01, "y": 0.99, "bgcolor": "rgba(255,255,255,0.85)"})
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


def frame_table(frame: pd.DataFrame, *, table_id: str, page_size: int = 15) -> dag.AgGrid:
    """A sortable, filterable, paginated grid of a DataFrame."""
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    return dag.AgGrid(
        id=table_id, rowData=records,
        columnDefs=[{"field": c, "headerName": c.replace("_", " "), "filter": True, "sortable": True,
                     "resizable": True, "tooltipField": c} for c in frame.columns],
        defaultColDef={"minWidth": 90, "flex": 1},
        dashGridOptions={"pagination": True, "paginationPageSize": page_size, "domLayout": "autoHeight",
                         "enableCellTextSelection": True},
        className="ag-theme-alpine", style={"width": "100%"},
    )


def count_cards(counts: dict[str, int]) -> html.Div:
    """A row of small cards, one per table, with its row count."""
    return html.Div(className="cards", children=[
        html.Div(className="card", children=[html.Div(f"{n:,}", className="card-value"),
                                             html.Div(t.replace("_", " "), className="card-label")])
        for t, n in counts.items()])


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
    speeds = pd.DataFrame({"road class": list(profile.highway_kph), "km/h": [round(v, 1) for v in profile.highway_kph.values()]})
    turnout = pd.DataFrame({"duty system": list(profile.turnout_s), "turnout s": [round(v) for v in profile.turnout_s.values()]})
    headline = (f"Cross-validated mean absolute error {cal['cv_mae_s']:.0f} s on {cal['observations']['used']:,} "
                f"LFB incidents inside the road network ({cal['file']}, sha256 {cal['sha256'][:12]})."
                if cal else "This profile is not calibrated: its error has not been measured.")
    return html.Div(className="panel", id="travel-model", children=[
        html.H3(f"Travel model: speed profile {profile.key}"),
        html.P(headline),
        html.P(className="note", children=(
            "Response time = turnout + drive time on the road network. Compliance shares are reported from the "
            "spread of actual around modelled times (a single deterministic time overstates compliance).")),
        frame_table(pd.DataFrame(rows), table_id="travel-model-error", page_size=5) if rows else html.Div(),
        html.Div(style={"display": "flex", "gap": "24px"}, children=[
            html.Div(style={"flex": 1}, children=[frame_table(speeds, table_id="travel-model-speeds", page_size=20)]),
            html.Div(style={"flex": 1}, children=[frame_table(turnout, table_id="travel-model-turnout", page_size=20)]),
        ]),
        html.Ul([html.Li([html.B(k + ": "), v]) for k, v in profile.sources.items()], className="note"),
    ])
