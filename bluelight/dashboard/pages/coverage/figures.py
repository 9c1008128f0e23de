"""The coverage page's own figures and tables: plain functions of data, testable without a server."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from dash import html

from bluelight.dashboard.components.tables import count_cards
from bluelight.foundation.text import mmss


def coverage_cards(s: Any, *, threshold_s: float, demand_label: str, service: str) -> html.Div:
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
        "mean response (m:ss)": mmss(s.mean_s) if np.isfinite(s.mean_s) else "–",
        "90th centile (m:ss)": mmss(s.p90_s) if np.isfinite(s.p90_s) else "over 30:00",
        "demand on network": f"{s.demand_on_network:,.0f}", "beyond the road data": f"{s.demand_off_network:,.0f}",
        "unreached within 30 min": f"{s.demand_unreached:,.0f}"})


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


def availability_cards(figs: dict[str, Any], *, threshold_s: float) -> html.Div | html.P:
    """The coverage page's "with availability" figures: simulated and static shares of the incidents, side by side."""
    if not figs["available"]:
        return html.P(f"With availability: not available ({figs['reason']}).", className="note blocked")

    def ci(part: dict[str, Any]) -> str:
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
