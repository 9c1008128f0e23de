"""The availability page's own figures and tables: plain functions of data, testable without a server."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from dash import html
from dash.development.base_component import Component

from bluelight.dashboard.components.maps import Boundaries, Bounds, Roads, base_map
from bluelight.dashboard.components.tables import frame_table
from bluelight.dashboard.pages.overview.figures import target_text


def station_workload_figure(stations: pd.DataFrame, *, title: str) -> go.Figure:
    """Per station: vehicle utilisation and the share of time with none of its vehicles free."""
    s = stations.sort_values("utilisation", ascending=True).tail(25)
    fig = go.Figure([
        go.Bar(y=s["name"], x=100 * s["utilisation"], orientation="h", name="vehicles busy (% of time)"),
        go.Bar(y=s["name"], x=100 * s["no_vehicle_free_share"], orientation="h", name="no vehicle free (% of time)")])
    fig.update_layout(title=title, barmode="group", height=max(320, 22 * len(s) + 120), xaxis_title="% of the period",
                      margin={"l": 140, "r": 20, "t": 50, "b": 40}, legend={"orientation": "h", "y": -0.15})
    return fig


def availability_hours_figure(hour_ranges: list[dict[str, Any]], *, threshold_s: float) -> go.Figure:
    """First-vehicle share within the standard by time of day: with availability and if the nearest were free."""
    x = [b["hours"] for b in hour_ranges]
    sim = [100 * (b["first_within"]["mean"] or 0) for b in hour_ranges]
    err = [100 * ((b["first_within"]["ci95"][1] or 0) - (b["first_within"]["mean"] or 0)) for b in hour_ranges]
    fig = go.Figure([
        go.Bar(x=x, y=sim, error_y={"type": "data", "array": err}, name="with availability (95% CI)"),
        go.Scatter(x=x, y=[100 * (b["first_within_static"]["mean"] or 0) for b in hour_ranges], mode="markers+lines",
                   name="nearest always free")])
    fig.update_layout(title=f"First vehicle within {threshold_s / 60:g} min by time of day", yaxis_title="% of calls",
                      yaxis_range=[0, 100], height=340, margin={"l": 50, "r": 20, "t": 50, "b": 40},
                      legend={"orientation": "h", "y": -0.2})
    return fig


def duration_text(seconds: float | None) -> str:
    """Seconds as m:ss, the way the project writes every time (:func:`bluelight.foundation.text.mmss`)."""
    from bluelight.foundation.text import mmss

    return mmss(seconds) if seconds is not None else "–"


def simulated_targets_table(rows: list[dict[str, Any]], *, table_id: str,
                            names: dict[str, str] | None = None) -> Component:
    """Each loaded target (its description in ``names`` with its id, by which config/targets.yaml lists it)
    against the simulated first responses, with the 95% interval."""
    if not rows:
        return html.P("No response targets are loaded for this service (bluelight etl targets).", className="note")

    def shown(r: dict[str, Any]) -> str:
        v = r["value"]
        if r["statistic"] == "share_within":
            return f"{100 * v['mean']:.1f}% ({100 * v['ci95'][0]:.1f}–{100 * v['ci95'][1]:.1f})"
        return f"{duration_text(v['mean'])} ({duration_text(v['ci95'][0])}–{duration_text(v['ci95'][1])})"
    frame = pd.DataFrame({"target": [f"{(names or {})[r['target_id']]} ({r['target_id']})"
                                     if r["target_id"] in (names or {}) else r["target_id"] for r in rows],
                          "standard": [target_text(r["statistic"], r["threshold_s"], r["goal"]) for r in rows],
                          "simulated, with availability (95% CI)": [shown(r) for r in rows],
                          "met": [{True: "yes", False: "no", None: "–"}[r["met"]] for r in rows]})
    table: Component = frame_table(frame, table_id=table_id, page_size=10)
    return table


def simulated_zones_map(zones: list[dict[str, Any]], sites: pd.DataFrame, *, threshold_s: float, roads: Roads,
                        boundaries: Boundaries, bounds: Bounds | None = None) -> go.Figure:
    """Per demand zone: the simulated share of calls whose first vehicle arrived within the standard."""
    from bluelight.foundation.geo import to_wgs84

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
