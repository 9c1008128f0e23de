"""The What matters most page's own figures: plain functions of the sweep's rows, testable without a server."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from bluelight.dashboard.components.maps import Boundaries, Bounds, Roads, base_map
from bluelight.foundation.text import mmss

HARM_SCALE = "YlOrRd"


def harm_text(row: dict[str, Any], rank_words: str) -> str:
    """One site's hover: its rank, the harm in words and m:ss, and the edge caveat where it applies."""
    lo, hi = row["added_mean_response_ci95"]
    people = "not known" if row["people_beyond_standard"] is None else f"{row['people_beyond_standard']:,.0f}"
    return (f"<b>{row['rank']}. {row['name']}</b><br>closing it adds {row['added_mean_response_s']:+.1f} s to the mean "
            f"first response ({lo:+.1f} to {hi:+.1f})<br>{row['incidents_beyond_standard_pa']:,.0f} incidents a year "
            f"pushed beyond the standard<br>{people} people beyond it (every vehicle free)<br>"
            f"{row['calls_pa']:,.0f} calls a year answered first from here"
            + ("<br><i>at the edge of the road data: harm understated</i>" if row["at_edge"] else ""))


def harm_map(rows: list[dict[str, Any]], sites: pd.DataFrame, *, rank_by: str, rank_words: str, roads: Roads,
             boundaries: Boundaries, bounds: Bounds | None = None) -> go.Figure:
    """Each swept site coloured by the harm its closure does (darker: more), on the project's own base map."""
    fig = base_map(roads=roads, boundaries=boundaries, bounds=bounds)
    where = sites.set_index("site_id")[["lon", "lat"]]
    shown = [r for r in rows if r["site_id"] in where.index]
    value = np.array([np.nan if r[rank_by] is None else r[rank_by] for r in shown], dtype=float)
    fig.add_trace(go.Scattermap(
        lon=[where.at[r["site_id"], "lon"] for r in shown], lat=[where.at[r["site_id"], "lat"] for r in shown],
        mode="markers", name="stations, by harm if closed",
        marker={"size": [18 if r["rank"] <= 3 else 13 for r in shown], "color": value, "colorscale": HARM_SCALE,
                "showscale": True, "colorbar": {"title": {"text": rank_words, "side": "right"}, "thickness": 12}},
        text=[harm_text(r, rank_words) for r in shown], hovertemplate="%{text}<extra></extra>",
        customdata=[r["site_id"] for r in shown]))
    fig.update_layout(showlegend=False, title={"text": "Where a closure hurts most (darker: more harm)",
                                               "font": {"size": 14}})
    return fig


def calls_harm_figure(rows: list[dict[str, Any]], *, rank_by: str, rank_words: str,
                      spearman: float | None) -> go.Figure:
    """Calls a site answers against the harm of closing it: is the busiest station the one that matters?"""
    x = [r["calls_pa"] for r in rows]
    y = [r[rank_by] for r in rows]
    fig = go.Figure(go.Scatter(x=x, y=y, mode="markers+text", text=[r["name"] for r in rows],
                               textposition="top center", marker={"size": 10, "color": y, "colorscale": HARM_SCALE},
                               hovertext=[harm_text(r, rank_words) for r in rows], hoverinfo="text"))
    said = "too few sites to say" if spearman is None else (
        f"rank correlation {spearman:+.2f}: " + ("the busiest sites are mostly the ones that matter" if spearman >= 0.7
                                                  else "call volume is a poor guide to which closure hurts"))
    fig.update_layout(title={"text": "Calls against harm", "font": {"size": 14},
                             "subtitle": {"text": said[0].upper() + said[1:]}},
                      xaxis={"title": "calls a year answered first from the site", "rangemode": "tozero"},
                      yaxis={"title": rank_words}, height=420, margin={"l": 60, "r": 20, "t": 50, "b": 50},
                      plot_bgcolor="#fff")
    return fig


def ranked_frame(rows: list[dict[str, Any]], *, service: str) -> pd.DataFrame:
    """The ranked sites as the table shows them: words and units in the headers, a link to each full scenario."""
    return pd.DataFrame({
        "rank": [r["rank"] for r in rows],
        "station": [r["name"] for r in rows],
        "added mean response (s)": [round(r["added_mean_response_s"], 1) for r in rows],
        "95% interval (s)": [f"{r['added_mean_response_ci95'][0]:+.1f} to {r['added_mean_response_ci95'][1]:+.1f}"
                             for r in rows],
        "incidents beyond the standard a year": [round(r["incidents_beyond_standard_pa"]) for r in rows],
        "people beyond the standard": [None if r["people_beyond_standard"] is None
                                       else round(r["people_beyond_standard"]) for r in rows],
        "calls a year": [round(r["calls_pa"]) for r in rows],
        "at the edge of the road data": ["yes: harm understated" if r["at_edge"] else "no" for r in rows],
        "scenario": [f"[Open on the Scenarios page]({scenario_link(service, r['site_id'])})" for r in rows],
    })


def scenario_link(service: str, site_id: str) -> str:
    """The Scenarios page with this closure already made."""
    from urllib.parse import urlencode

    return "/scenarios?" + urlencode({"service": service, "close": site_id})


def baseline_words(out: Any) -> str:
    b = out.baseline
    return (f"Baseline: {b['stations']} stations with {b['vehicles']} vehicles answer {b['calls_pa']:,.0f} calls a "
            f"year; mean first response {mmss(b['first_mean_s'])}, {100 * b['first_within']:.1f}% within "
            f"{mmss(out.threshold_s)}.")
