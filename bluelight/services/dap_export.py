"""A DAP plan as the table a planner exports: named columns with units, names beside ids, m:ss and %."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from bluelight.foundation.text import mmss, percent
from bluelight.services.dap import MODEL_WORDS, DapRequest, band_words

if TYPE_CHECKING:
    from bluelight.services.dap import DapBandPlan


def plan_export(result: DapBandPlan, request: DapRequest, *, profile: str) -> pd.DataFrame:
    """A plan's fill order as a planner's table: named columns with units, post names beside their site ids,
    shares in % to one decimal, times in m:ss, and the band, model, standard and profile on every row.

    Parameters
    ----------
    result
        A band's plan (:func:`bluelight.services.dap.plan_band`).
    request
        The request that made it.
    profile
        The speed profile's key.
    """
    cands = result.candidates_frame
    rows = []
    for r in result.compliance:
        chosen = cands.iloc[list(r["chosen"])] if len(r["chosen"]) else cands.iloc[[]]
        ci = r.get("simulated_ci95") or [None, None]
        rows.append({
            "ambulances free": r["ambulances_free"], "posts (names)": "; ".join(chosen["name"]),
            "posts (site ids)": "; ".join(chosen["site_id"]),
            f"objective ({result.objective_units})": round(float(r["objective"]), 1),
            "gain over one fewer": round(float(r["gain"]), 1),
            "demand within standard (%)": percent(r["share_within"]),
            "gain in demand within standard (points)": percent(r["share_within_gain"]),
            "mean response (m:ss)": mmss(r["mean_s"]), "90th centile response (m:ss)": mmss(r["p90_s"]),
            "simulated within standard, busy vehicles (%)": percent(r.get("simulated_share_within")),
            "simulated 95% interval (%)": (f"{percent(ci[0])}-{percent(ci[1])}" if ci[0] is not None else ""),
            "solver status": r["status"], "optimality gap (%)": percent(r.get("mip_gap")),
            "time band": band_words(request.band), "model": MODEL_WORDS[request.model],
            "standard (m:ss)": mmss(request.threshold_s), "travel times": (result.travel_times or {}).get(
                "hour_band", "all"), "speed profile": profile})
    return pd.DataFrame(rows)
