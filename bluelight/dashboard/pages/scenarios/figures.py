"""The scenarios page's own figures and tables: plain functions of data, testable without a server."""

from __future__ import annotations

import numpy as np
import pandas as pd

from bluelight.analysis.summary import CoverageSummary


def summary_table(summaries: dict[str, CoverageSummary], threshold_s: float) -> pd.DataFrame:
    """KPI rows (one per label) from coverage summaries, in planner's units, naming the standard."""
    minutes = f"{threshold_s / 60:g} min"
    rows = []
    for label, s in summaries.items():
        rows.append({"scenario": label, f"% within {minutes} (modelled)": round(100 * s.share_within_modelled, 2),
                     f"% within {minutes} (single time)": round(100 * s.share_within, 2),
                     "mean min": round(s.mean_s / 60, 2) if np.isfinite(s.mean_s) else None,
                     "p90 min": round(s.p90_s / 60, 2) if np.isfinite(s.p90_s) else None,
                     "demand on network": round(s.demand_on_network), "unreached": round(s.demand_unreached)})
    return pd.DataFrame(rows)
