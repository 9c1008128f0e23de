"""The executive view: every service's cover of every area against its standard, and how much of it is assessed.

One table for the Overview page and ``bluelight executive``: per area (the
population's local authority or borough, whichever is loaded) and service,
the modelled share of the population within the standard, the mean response,
the published target and whether it is met, and the share of the area's
population inside the road data (an area mostly outside it is flagged, not
ranked). Where the service's incidents carry their actual first arrival, the
cell also gives the actual share of those incidents reached within the standard
beside the modelled share of the same incidents, so the model can be judged
where it can be checked. Police cover is modelled from station buildings while
police respond from patrol: each police row says so.
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
        checked = actual_by_area(session, service, threshold)
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
                         "statistic": None if t is None else t["statistic"],
                         "goal": None if t is None or pd.isna(t["goal"]) else float(t["goal"]),
                         "population": total, "assessed_share": assessed,
                         "judged": bool(assessed >= MIN_ASSESSED_SHARE),
                         **checked.get(r.area, NO_INCIDENTS),
                         "caveat": CAVEATS.get(service, "")})
    return pd.DataFrame(rows)


NO_INCIDENTS = {"incidents_checked": 0, "actual_share_within": None, "modelled_incident_share_within": None}


def actual_by_area(session: Session, service: str, threshold_s: float) -> dict[str, dict]:
    """Per area, incidents on the network with a recorded first arrival: the actual share within the standard
    and the modelled share of the same incidents (turnout, drive and variability)."""
    ev = session.evaluate(service, DemandSpec("incidents"))
    if ev.points.empty or "first_arrival_s" not in ev.points:
        return {}
    actual = ev.points["first_arrival_s"].to_numpy(float)
    keep = np.isfinite(actual) & np.isfinite(ev.response_s)
    if not keep.any():
        return {}
    area = ev.points["area"].to_numpy(object)[keep]
    by = summarise_by(area, ev.response_s[keep], np.ones(int(keep.sum())), threshold_s,
                      variability=session.variability).set_index("area")
    within = pd.Series(actual[keep] <= threshold_s).groupby(area)
    return {a or "(no area)": {"incidents_checked": int(n), "actual_share_within": float(within.mean()[a]),
                               "modelled_incident_share_within": float(by.at[a, "share_within_modelled"])}
            for a, n in within.size().items()}


def scope(matrix: pd.DataFrame) -> dict:
    """What the matrix covers: areas judged, areas only partly inside the road data, population assessed."""
    if matrix.empty:
        return {"areas": 0, "judged": 0, "population_assessed": 0.0, "population": 0.0}
    per_area = matrix.drop_duplicates("area")
    return {"areas": int(len(per_area)), "judged": int(per_area["judged"].sum()),
            "population_assessed": float((per_area["population"] * per_area["assessed_share"]).sum()),
            "population": float(per_area["population"].sum())}


def cell_text(r: dict) -> str:
    """One cell in words: the statistic its target judges first, met or not, then what it rests on."""
    mark = {True: "met", False: "not met", None: "no target"}[r["met"]]
    minutes, share = r["threshold_s"] / 60, f"{100 * r['share_within']:.1f}% within {r['threshold_s'] / 60:g} min"
    if r.get("statistic") == "mean":
        text = f"mean {r['mean_s'] / 60:.1f} min against {minutes:g} min, {mark}; {share}"
    elif r.get("statistic") == "share_within" and r.get("goal") is not None:
        text = f"{share} against {100 * r['goal']:.0f}%, {mark}"
    else:
        text = f"{share}, {mark}"
    if not r["judged"]:
        text += f" ({100 * r['assessed_share']:.0f}% assessed)"
    if r.get("incidents_checked"):
        text += (f"; {r['incidents_checked']:,} incidents: {100 * r['actual_share_within']:.0f}% actual, "
                 f"{100 * r['modelled_incident_share_within']:.0f}% modelled")
    return text


def run_executive(session: Session) -> dict:
    """``bluelight executive`` and the Overview page: the matrix, what it covers and its caveats."""
    def build():
        targets = session.read(lambda cur: cur.execute("SELECT * FROM targets").df())
        matrix = executive_matrix(session, targets)
        return {"profile": session.profile.key, "scope": scope(matrix), "min_assessed_share": MIN_ASSESSED_SHARE,
                "standards": {s: {"threshold_s": t, "target": tid} for s, (t, tid) in DEFAULT_STANDARD.items()},
                "caveats": {s: c for s, c in CAVEATS.items() if not matrix.empty and s in set(matrix["service"])},
                "cells": matrix.astype(object).where(matrix.notna(), None).to_dict("records")}
    return session.cached(("executive",), build)
