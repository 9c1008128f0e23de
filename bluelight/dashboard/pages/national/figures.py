"""The national page's own figures and tables: plain functions of data, testable without a server."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from dash import html

from bluelight.dashboard.components import plain_figures as plain
from bluelight.dashboard.components.maps import _base_layout, _geojson_bounds
from bluelight.foundation.text import mmss, signed_mmss
from bluelight.services.ambulance_national import AmbulanceNationalResult
from bluelight.services.national import NationalResult


def trust_map(result: AmbulanceNationalResult) -> go.Figure:
    """The ambulance trusts coloured by how far the estimate (left out of the fit) is from the published
    Category 1 mean; the Isle of Wight, its own trust, shows inside Hampshire's area on this generalised map."""
    rows = {t["org_code"]: t for t in result.trusts}
    geo = result.areas_geojson or {"type": "FeatureCollection", "features": []}
    codes = [f["properties"]["org_code"] for f in geo["features"]]
    err = [(rows[c]["modelled"]["c1_mean_s"] - rows[c]["actual"]["c1_mean_s"]) if c in rows else None for c in codes]
    text = [f"{rows[c]['name']}<br>published C1 mean {mmss(rows[c]['actual']['c1_mean_s'])}, estimated "
            f"{mmss(rows[c]['modelled']['c1_mean_s'])} (m:ss)" if c in rows else c for c in codes]
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


def national_headline(result: NationalResult, roads: str | None) -> html.Div:
    """What the national page is, how wrong it is, and where road-based figures take over."""
    ldn, m = result.held_out, result.model
    sample = ldn.get("incident_sample", {})
    return html.Div([
        html.P(html.B(f"Estimate without road data: {result.lsoas_estimated:,} LSOAs "
                      f"({result.population:,.0f} people) from their nearest fire station, {result.fire_type} "
                      f"fires {result.year}.")),
        html.P(f"Measured error: each service's mean drive, predicted with that service left out of the fit, is "
               f"{mmss(60 * result.cv_mae_drive_min)} (m:ss) from its published FIRE1001 figure on average "
               f"({result.cv_services} services; bias {signed_mmss(60 * result.cv_bias_drive_min)}). Drive = "
               f"{m['start_s']:.0f} s + straight-line distance at {m['urban_kph_straight_line']:.0f} km/h in towns, "
               f"{m['rural_kph_straight_line']:.0f} km/h elsewhere (fitted; the town speed is at its cap, so "
               "distance within towns explains little of the services' differences)."),
        html.P(f"{result.held_out_service}, held out of the fit: " + (
            f"drive {mmss(60 * ldn['modelled_drive_min'])} against FIRE1001 {mmss(60 * ldn['fire1001_drive_min'])} "
            f"(m:ss); first "
            f"pump within 6 minutes {100 * ldn['modelled_share_within_6min']:.1f}%"
            + (f" against {100 * sample['share_within_6min']:.1f}% of {sample['incidents']:,} incidents in the "
               f"incident sample ({sample['file']})" if sample.get("available") else "")
            if ldn.get("available") else "not available.")),
        html.P(className="note", children=(f"Road data is loaded for {roads}: its road-based figures (Overview, "
                                          "Coverage) replace this estimate there." if roads else
                                          "No road data is loaded inside England's services: every figure here "
                                          "is the estimate."))])


def national_map(result: NationalResult) -> dict[str, Any]:
    """LSOAs coloured by estimated response (turnout + drive), with the services' areas outlined.

    A plain figure dict (:mod:`~bluelight.dashboard.components.plain_figures`): 32,000 points that plotly's graph
    objects would validate and copy on every change of year.
    """
    from bluelight.foundation.geo import to_wgs84

    lsoas = pd.DataFrame(result.lsoas)
    lon, lat = to_wgs84(lsoas["easting"].to_numpy(), lsoas["northing"].to_numpy())
    layout = _base_layout(roads=None, boundaries=result.areas_geojson,
                          bounds=(float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())), height=720)
    trace = {"type": "scattermap", "lon": plain.typed(np.round(lon, 4)), "lat": plain.typed(np.round(lat, 4)),
             "mode": "markers", "name": "LSOA estimate",
             "marker": {"size": 4, "color": plain.typed(lsoas["response_min"].round(2).to_numpy(float)),
                        "cmin": 2, "cmax": 16, "colorscale": [[0, "#1a9850"], [0.3, "#fee08b"], [1, "#d73027"]],
                        "colorbar": {"title": {"text": "estimated<br>response min"}, "thickness": 12, "len": 0.6}},
             "text": lsoas["service"].astype(str).tolist(),
             "customdata": np.column_stack([lsoas["station"].astype(str),
                                            lsoas["distance_m"].round(0).astype(int).astype(str)]).tolist(),
             "hovertemplate": "%{text}<br>nearest station %{customdata[0]} (%{customdata[1]} m)<br>"
                              "estimate %{marker.color:.1f} min<extra>estimate without road data</extra>"}
    layout |= {"title": {"text": f"{result.label}: turnout + drive, minutes", "x": 0.01, "y": 0.98,
                         "font": {"size": 13}}, "margin": {"l": 0, "r": 0, "t": 30, "b": 0}}
    return plain.figure([trace], layout)


def national_map_note(result: NationalResult) -> str:
    return (f"Each dot is an LSOA's population-weighted centre; lines are the services' areas (local authorities "
            f"dissolved). Turnout is the station's duty system where the duty file names it, else the service's "
            f"FIRE1001 turnout. Every figure is an {result.label}, measured error "
            f"{mmss(60 * result.cv_mae_drive_min)} (m:ss) of mean drive. Sources: "
            + "; ".join(f"{k.replace('_', ' ')} {v}" for k, v in result.sources.items() if "/" in str(v)) + ".")


def national_trend(result: NationalResult, *, highlight: str | None = None) -> go.Figure:
    """Published mean drive by year: one service (the held-out one by default) against the band of the others.

    Every service is a faint line (hover names it); the band is England's middle 80% (10th to 90th centile of the
    services) with its median, so one service's path reads against the rest instead of 44 crossing lines.
    """
    t = pd.DataFrame(result.trends)
    if t.empty:
        return go.Figure()
    highlight = highlight or result.held_out_service
    years = sorted(t["year"].unique())
    by_year = t.groupby("year")["drive_min"]
    lo, mid, hi = (by_year.quantile(q).reindex(years) for q in (0.1, 0.5, 0.9))
    fig = go.Figure()
    for service, grp in t.groupby("service"):
        grp = grp.sort_values("year")
        fig.add_trace(go.Scatter(x=grp["year"], y=grp["drive_min"], mode="lines", name=service, showlegend=False,
                                 line={"width": 0.6, "color": "rgba(120,120,120,0.25)"},
                                 customdata=[mmss(60 * v) for v in grp["drive_min"]],
                                 hovertemplate=f"{service}<br>%{{x}}: %{{customdata}} (m:ss)<extra></extra>"))
    fig.add_trace(go.Scatter(x=years + years[::-1], y=list(hi) + list(lo)[::-1], fill="toself", mode="lines",
                             line={"width": 0}, fillcolor="rgba(31,119,180,0.15)", hoverinfo="skip",
                             name="middle 80% of services"))
    fig.add_trace(go.Scatter(x=years, y=list(mid), mode="lines", line={"width": 2, "color": "#1f77b4", "dash": "dot"},
                             name="median service", customdata=[mmss(60 * v) for v in mid],
                             hovertemplate="median %{x}: %{customdata} (m:ss)<extra></extra>"))
    own = t[t["service"] == highlight].sort_values("year") if highlight else t.iloc[0:0]
    if not own.empty:
        fig.add_trace(go.Scatter(x=own["year"], y=own["drive_min"], mode="lines+markers", name=highlight,
                                 line={"width": 3, "color": "#d62728"}, customdata=[mmss(60 * v) for v in own["drive_min"]],
                                 hovertemplate=f"{highlight}<br>%{{x}}: %{{customdata}} (m:ss)<extra></extra>"))
    fig.update_layout(height=380, margin={"l": 50, "r": 10, "t": 10, "b": 40}, showlegend=True,
                      legend={"orientation": "h", "y": 1.08}, plot_bgcolor="#fff",
                      yaxis_title="mean drive, minutes (FIRE1001)", xaxis_title="financial year")
    return fig
