"""The dap page's own figures and tables: plain functions of data, testable without a server."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from bluelight.dashboard.components.maps import SERVICE_COLOURS, Boundaries, Bounds, Roads, base_map
from bluelight.dashboard.components.tables import _fmt
from bluelight.foundation.text import mmss

if TYPE_CHECKING:
    from bluelight.services.dap import DapBandPlan


def demand_posts_map(points: pd.DataFrame, *, stations: pd.DataFrame, candidates: pd.DataFrame, chosen: list[str],
                     roads: Roads, boundaries: Boundaries, bounds: Bounds | None = None,
                     title: str = "") -> go.Figure:
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


def dap_summary_table(result: DapBandPlan) -> pd.DataFrame:
    """Before/after figures of a DAP plan against the standards: shares in %, times in m:ss, targets in words."""
    b, a, e = result.before, result.after, result.expected_share_within
    t = mmss(result.settings["threshold_s"])
    rows = [(f"share within {t} (single time) %", 100 * b["share_within"], 100 * a["share_within"]),
            (f"share within {t} (with travel variability) %", 100 * b["share_within_modelled"],
             100 * a["share_within_modelled"]),
            (f"expected share within {t}, vehicles busy {e['busy_fraction']:.0%} of the time %",
             100 * e["before"], 100 * e["after"]),
            ("mean response (m:ss)", mmss(b["mean_s"]), mmss(a["mean_s"])),
            ("90th centile (m:ss)", mmss(b["p90_s"]), mmss(a["p90_s"]))]
    sim, last = result.simulated or {}, (result.compliance or [{}])[-1]
    if sim.get("available") and "simulated_share_within" in last:
        rows.insert(3, (f"simulated share within {t}, {sim['vehicles']} ambulances busy with every call %",
                        100 * sim["baseline"]["share_within"]["mean"], 100 * last["simulated_share_within"]))
    for tb, ta in zip((result.targets_before or []), (result.targets_after or [])):
        goal = f" (goal {tb['goal']:.0%})" if tb["goal"] == tb["goal"] and tb["goal"] is not None else ""
        what = {"mean": "mean", "p90": "90th centile", "share_within": "share"}.get(tb["statistic"], tb["statistic"])
        rows.append((f"target: {what} within {mmss(tb['threshold_s'])}{goal}",
                     f"{_fmt(tb['value'], tb['statistic'])} {'met' if tb['met'] else 'not met'}",
                     f"{_fmt(ta['value'], ta['statistic'])} {'met' if ta['met'] else 'not met'}"))
    frame = pd.DataFrame(rows, columns=["figure", "stations only", "with posts"])
    # one type per column (the grid would call text in a number column invalid)
    return frame.assign(**{c: [f"{v:,.1f}" if isinstance(v, float) else str(v) for v in frame[c]]
                           for c in ("stations only", "with posts")})
