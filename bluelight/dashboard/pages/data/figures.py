"""The data page's own figures and tables: plain functions of data, testable without a server."""

from __future__ import annotations

from typing import Any
from bluelight.analysis.speeds import SpeedProfile


import pandas as pd
from dash import html

from bluelight.dashboard.components.charts import model_error_text
from bluelight.dashboard.components.tables import frame_table
from bluelight.dashboard.controls import TRAFFIC_PERIOD_LABELS
from bluelight.foundation.text import profile_words


def travel_model_panel(profile: SpeedProfile) -> html.Div:
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
    bands = pd.DataFrame([{"distance or traffic period": TRAFFIC_PERIOD_LABELS.get(r["band"], r["band"]),
                           "incidents": r["n"], "mean abs error s": round(r["mae_s"], 1),
                           "bias s": round(r["bias_s"], 1),
                           "modelled within 6 min": f"{100 * r['modelled_share_within']:.1f}%",
                           "actual within 6 min": f"{100 * r['actual_share_within']:.1f}%",
                           "judged": "yes" if r.get("enough", True) else "too few calls"}
                          for r in cv.get("by_distance", []) + cv.get("by_hour_band", [])])
    hours = pd.DataFrame([{"traffic period": TRAFFIC_PERIOD_LABELS.get(b, b), "turnout s": round(v["turnout_s"]),
                           "drive x": round(v["drive_factor"], 3),
                           "calls fitted": int(v.get("calls", 0))} for b, v in (profile.traffic_periods or {}).items()])
    return html.Div(className="panel", id="travel-model", children=[
        html.H3(f"Travel model: {profile_words(profile.key)}"),
        html.P(headline),
        html.P(className="note", children=(
            "Response time = turnout + drive time on the road network. Compliance shares are reported from the "
            "spread of actual around modelled times (a single deterministic time overstates compliance).")),
        frame_table(pd.DataFrame(rows), table_id="travel-model-error", page_size=5) if rows else html.Div(),
        *([html.H4("Cross-validated error by distance (straight line) and traffic period"),
           frame_table(bands, table_id="travel-model-bands", page_size=10)] if len(bands) else []),
        *([html.P(className="note", children=(
            "Turnout and drive by traffic period (night 22:00-07:00; peak: weekdays 07-10 and 16-19; off-peak the "
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
