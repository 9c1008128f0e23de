"""Co-location candidates: every cross-service pair of sites within a travel time, ranked.

Moving site A (service X) into site B (another service) means X is served
from B's location with A's crew and turnout. For each pair the cover of X is
re-evaluated from cached travel times, the money released is A's running cost
(and its disposal value, once), and the "co-location dividend" is that money
per percentage point of cover lost, or the cover gained at no loss. A move
that would take X below its standard, or that needs more bays than B has, is
flagged, and the ranking puts allowed moves first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from bluelight.analysis.coverage import CoverageModel, Variability, evaluate, summarise
from bluelight.analysis.traveltime import SiteTimes
from bluelight.errors import AnalysisError


@dataclass(frozen=True)
class ServiceCover:
    """What is needed to re-evaluate one service: its model, demand weights and standard."""

    model: CoverageModel
    site_ids: list[str]          # order of the model's sites
    weight: np.ndarray
    threshold_s: float
    standard: str                # "mean" (mean within threshold) or "share" (modelled share >= goal)
    goal: float | None = None


def _num(value) -> float | None:
    """An optional estates figure as a float, or None when not recorded."""
    return None if value is None or pd.isna(value) else float(value)


def _meets(summary, cover: ServiceCover) -> bool:
    if cover.standard == "mean":
        return bool(summary.mean_s <= cover.threshold_s)
    return bool(summary.share_within_modelled >= (cover.goal or 0.0))


@dataclass(frozen=True)
class SpaceRules:
    """What a moving service needs from its host: floor area and vehicle bays."""

    space_needed_m2: dict[str, float]
    bays_needed: dict[str, int]
    host_share_of_floor_area: float = 0.25


def capacity(service: str, host: pd.Series, rules: SpaceRules | None) -> str:
    """Whether the host can take the service: "ok", a reason it cannot, or "unknown" where nothing is recorded."""
    if rules is None:
        return "unknown"
    bays, area = _num(host.get("bays")), _num(host.get("floor_area_m2"))
    need_bays, need_m2 = rules.bays_needed.get(service, 0), rules.space_needed_m2.get(service)
    if bays is not None and need_bays and bays < need_bays:
        return f"no bay free (needs {need_bays})"
    if area is not None and need_m2 is not None:
        offer = area * rules.host_share_of_floor_area
        if offer < need_m2:
            return f"too small (needs {need_m2:.0f} m², {offer:.0f} m² available)"
        return "ok"
    return "ok" if bays is not None and need_bays else "unknown"


def candidates(sites: pd.DataFrame, site_times: SiteTimes, covers: dict[str, ServiceCover], *,
               max_travel_s: float, variability: Variability | None = None,
               space: SpaceRules | None = None, between_s: np.ndarray | None = None) -> pd.DataFrame:
    """Rank every pair (A into B) of sites of different services with B within ``max_travel_s`` of A.

    Parameters
    ----------
    sites
        One row per site on the network, in the row order of ``site_times``: site_id, name, service,
        turnout_s, running_cost_gbp_pa, disposal_value_gbp, bays, floor_area_m2.
    site_times
        Drive times from each site (rows) to every node, within a cutoff of at least ``max_travel_s``.
    covers
        Per service, its coverage model over its own sites.
    between_s
        Drive from each site to each other (default: to the other sites' network nodes).
    """
    if site_times.cutoff_s < max_travel_s:
        raise AnalysisError(f"site_times were computed to {site_times.cutoff_s:.0f} s, less than max_travel_s")
    if len(sites) != site_times.stored.shape[0]:
        raise AnalysisError("sites and site_times must have the same rows")
    nodes = site_times.source_nodes
    between = site_times.dense(nodes) if between_s is None else np.asarray(between_s, float)   # a to b
    base = {s: summarise(evaluate(c.model), c.weight, c.threshold_s, variability=variability)
            for s, c in covers.items()}
    rows = []
    for a in range(len(sites)):
        sa = sites.iloc[a]
        cover = covers.get(sa["service"])
        if cover is None or sa["site_id"] not in cover.site_ids:
            continue
        active = np.array([sid != sa["site_id"] for sid in cover.site_ids])
        for b in np.flatnonzero(between[a] <= max_travel_s):
            sb = sites.iloc[b]
            if sb["service"] == sa["service"]:
                continue
            moved = SiteTimes(nodes[[b]], site_times.stored[[b]], site_times.cutoff_s, site_times.network_key)
            r = evaluate(cover.model, active, extra=moved, extra_turnout_s=[float(sa["turnout_s"])])
            after = summarise(r, cover.weight, cover.threshold_s, variability=variability)
            before = base[sa["service"]]
            loss_pp = 100 * (before.share_within_modelled - after.share_within_modelled)
            money = _num(sa.get("running_cost_gbp_pa"))
            fits = capacity(sa["service"], sb, space)
            rows.append({
                "move": sa["site_id"], "move_name": sa["name"], "service": sa["service"], "into": sb["site_id"],
                "into_name": sb["name"], "into_service": sb["service"], "drive_s": float(between[a, b]),
                "share_within_before": before.share_within_modelled, "share_within_after": after.share_within_modelled,
                "cover_loss_pp": loss_pp, "mean_s_before": before.mean_s, "mean_s_after": after.mean_s,
                "running_cost_released_gbp_pa": money,
                "disposal_value_gbp": _num(sa.get("disposal_value_gbp")),
                "dividend_gbp_pa_per_pp_lost": (money / loss_pp if money is not None and loss_pp > 1e-9 else None),
                "meets_standard_after": _meets(after, cover),
                "capacity": fits,
                "allowed": bool(_meets(after, cover) and (fits == "ok" or fits == "unknown")),
            })
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    # best first: moves allowed (standard kept, space not known to lack), then the smallest loss, the shortest move
    out["_keeps"] = ~out["allowed"]
    return out.sort_values(["_keeps", "cover_loss_pp", "drive_s"]).drop(columns="_keeps").reset_index(drop=True)
