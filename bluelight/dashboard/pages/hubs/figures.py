"""The hubs page's own figures and tables: plain functions of data, testable without a server."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from bluelight.dashboard.components.maps import SERVICE_COLOURS, Boundaries, Bounds, Roads, base_map


def trips_map(users: list[dict[str, Any]], chosen: list[dict[str, Any]], *, roads: Roads, boundaries: Boundaries,
              bounds: Bounds | None = None, title: str = "") -> go.Figure:
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
