"""The coresponding page's own figures and tables: plain functions of data, testable without a server."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from bluelight.dashboard.components.maps import SERVICE_COLOURS, Boundaries, Bounds, Roads, base_map

COVER_COLOURS = {"fire only": "#d62728", "both within the standard": "#1a9850", "ambulance only": "#91bfdb",
                 "neither": "#7f7f7f"}


def fire_first_map(points: pd.DataFrame, stations: pd.DataFrame, *, zones_geojson: Any, roads: Roads,
                   boundaries: Boundaries, bounds: Bounds | None = None, title: str = "") -> go.Figure:
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


def minutes_saved_figure(summary: dict[str, Any]) -> go.Figure:
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


def fire_cost_cards(sim: dict[str, Any]) -> dict[str, Any]:
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
