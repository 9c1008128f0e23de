"""Charts and notes several pages share: cumulative response curves, the travel model's error."""

from __future__ import annotations

from typing import Any

import numpy as np

from bluelight.analysis.speeds import SpeedProfile
from bluelight.analysis.summary import share_within_curve
from bluelight.dashboard.components import plain_figures as plain


def cumulative_curve(response_s: np.ndarray, weight: np.ndarray, *, threshold_s: float, goal: float | None,
                     label: str, variability: Any = None) -> dict[str, Any]:
    """Share of demand reached within t minutes (deterministic, and modelled with the travel model's spread).

    A plain figure dict (:mod:`~bluelight.dashboard.components.plain_figures`): the coverage explorer sends
    one with every answer.
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
        data.append({"type": "scatter", "x": plain.typed(t[order][keep] / 60), "y": plain.typed(cum[keep]),
                     "mode": "lines", "name": "modelled (single time)", "line": {"color": "#9aa5b1", "dash": "dot"}})
        if variability is not None:
            prob = share_within_curve(t, w, grid, variability=variability)
            data.append({"type": "scatter", "x": plain.typed(grid / 60), "y": plain.typed(prob), "mode": "lines",
                         "name": "modelled with variability", "line": {"color": "#10243e", "width": 3}})
    shapes = [{"type": "line", "x0": threshold_s / 60, "x1": threshold_s / 60, "y0": 0, "y1": 1, "yref": "paper",
               "line": {"color": "#d62728", "dash": "dash"}}]
    notes = [{"x": threshold_s / 60, "y": 0, "yref": "paper", "text": f"standard {threshold_s / 60:g} min",
              "showarrow": False, "xanchor": "left", "yanchor": "bottom"}]
    if goal:
        shapes.append({"type": "line", "x0": 0, "x1": 1, "xref": "paper", "y0": goal, "y1": goal,
                       "line": {"color": "#d62728", "dash": "dot"}})
        notes.append({"x": 1, "xref": "paper", "y": goal, "text": f"goal {goal:.0%}", "showarrow": False,
                      "xanchor": "right", "yanchor": "bottom"})
    return plain.figure(data, {
        "title": {"text": label, "font": {"size": 13}}, "shapes": shapes, "annotations": notes,
        "xaxis": {"title": {"text": "response time (minutes)"}, "range": [0, 20]},
        "yaxis": {"title": {"text": "share of demand on the network"}, "tickformat": ".0%", "range": [0, 1.02]},
        "height": 340, "margin": {"l": 50, "r": 10, "t": 40, "b": 40}, "legend": {"x": 0.55, "y": 0.1}})


def model_error_text(profile: SpeedProfile) -> str:
    """The travel model's measured error in one sentence (or that it was never measured)."""
    cal = profile.calibration or {}
    if not cal:
        return "This profile is not calibrated: its error has not been measured."
    grouping = ", whole weeks held out" if cal.get("cv_grouping") == "week" else ""
    return (f"Cross-validated mean absolute error {cal['cv_mae_s']:.0f} s on {cal['observations']['used']:,} "
            f"LFB incidents inside the road network{grouping} ({cal['file']}, sha256 {cal['sha256'][:12]}).")
