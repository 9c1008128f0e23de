"""The executive view: every service's cover of every area against its standard, and how much of it is assessed.

One table for the Overview page and ``bluelight executive``: per area (the
population's local authority or borough, whichever is loaded) and service,
the modelled share of the population within the standard, the mean response,
the published target and whether it is met, and the share of the area's
population inside the road data (an area mostly outside it is flagged, not
ranked). Police cover is modelled from station buildings while police respond
from patrol: each police row says so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bluelight.analysis.coverage import summarise_by
from bluelight.services.session import DemandSpec, Session
from bluelight.standards import DEFAULT_STANDARD
from bluelight.vocab import EMERGENCY_SERVICES

#: below this share of an area's population on the road network, its figures describe a sliver, not the area
MIN_ASSESSED_SHARE = 0.5
CAVEATS = {"police": "modelled from station buildings; police respond from patrol, so this understates cover"}


def judged(statistic: str, value_share: float, mean_s: float, threshold_s: float, goal) -> bool | None:
    """Whether a target is met: a mean within its threshold, or a share within at least its goal."""
    if statistic == "mean":
        return None if not np.isfinite(mean_s) else bool(mean_s <= threshold_s)
    if statistic == "share_within" and goal is not None and np.isfinite(value_share):
        return bool(value_share >= goal)
    return None


def executive_matrix(session: Session, targets: pd.DataFrame) -> pd.DataFrame:
    """One row per area and service (areas with some population on the road network)."""
    targets = targets.set_index("target_id") if len(targets) else targets
    rows = []
    for service in EMERGENCY_SERVICES:
        threshold, target_id = DEFAULT_STANDARD[service]
        if session.sites(service).empty:
            continue
        ev = session.evaluate(service, DemandSpec())
        by = summarise_by(ev.points["area"].to_numpy(), ev.response_s, ev.points["weight"].to_numpy(), threshold,
                          variability=session.variability)
        t = targets.loc[target_id] if len(targets) and target_id in targets.index else None
        for r in by.itertuples(index=False):
            total = r.demand_on_network + r.demand_off_network
            if r.demand_on_network <= 0 or total <= 0:
                continue
            assessed = r.demand_on_network / total
            met = None if t is None else judged(t["statistic"], r.share_within_modelled, r.mean_s,
                                                float(t["threshold_s"]), None if pd.isna(t["goal"]) else float(t["goal"]))
            rows.append({"area": r.area or "(no area)", "service": service, "threshold_s": threshold,
                         "share_within": r.share_within_modelled, "mean_s": r.mean_s,
                         "target": target_id if t is not None else None, "met": met,
                         "population": total, "assessed_share": assessed,
                         "judged": bool(assessed >= MIN_ASSESSED_SHARE),
                         "caveat": CAVEATS.get(service, "")})
    return pd.DataFrame(rows)


def scope(matrix: pd.DataFrame) -> dict:
    """What the matrix covers: areas judged, areas only partly inside the road data, population assessed."""
    if matrix.empty:
        return {"areas": 0, "judged": 0, "population_assessed": 0.0, "population": 0.0}
    per_area = matrix.drop_duplicates("area")
    return {"areas": int(len(per_area)), "judged": int(per_area["judged"].sum()),
            "population_assessed": float((per_area["population"] * per_area["assessed_share"]).sum()),
            "population": float(per_area["population"].sum())}
