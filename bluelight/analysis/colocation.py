"""Co-location candidates: every cross-service pair of sites within a travel time, ranked.

Moving site A (service X) into site B (another service) means X is served
from B's location with A's crew and turnout. For each pair the cover of X is
re-evaluated from cached travel times, the money released is A's running cost
(and its disposal value, once), and the "co-location dividend" is that money
per percentage point of cover lost, or the cover gained at no loss. A move
that would take X below its standard, or that needs more bays than B has, is
flagged, and the ranking puts allowed moves first.

Cover is only judged where the data can judge it: when much of the population
within a site's reach (before or after the move) lies beyond the road data,
the cover lost or gained out there is not seen, and a station near the edge
that moves inwards appears to gain. Such moves are flagged ``judged = False``
and ranked after every move the data can judge (:class:`EdgeCheck`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.spatial import cKDTree

from bluelight.analysis.coverage import CoverageModel, evaluate
from bluelight.analysis.summary import CoverageSummary, Variability, summarise
from bluelight.analysis.traveltime import SiteTimes
from bluelight.foundation.errors import AnalysisError


@dataclass(frozen=True)
class ServiceCover:
    """What is needed to re-evaluate one service: its model, demand weights and standard."""

    model: CoverageModel
    site_ids: list[str]          # order of the model's sites
    weight: np.ndarray
    threshold_s: float
    standard: str                # "mean" (mean within threshold) or "share" (modelled share >= goal)
    goal: float | None = None


def _num(value: Any) -> float | None:
    """An optional estates figure as a float, or None when not recorded."""
    return None if value is None or pd.isna(value) else float(value)


def _meets(summary: CoverageSummary, cover: ServiceCover) -> bool:
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
    """Whether the host can take the service: "ok", a reason it cannot, or "unknown" where nothing is recorded.

    Parameters
    ----------
    service
        The service moving in.
    host
        The host site's row (its bays, floor area ...).
    rules
        The space rules (config/colocation.yaml).
    """
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


@dataclass(frozen=True)
class EdgeCheck:
    """Where the road data ends: network node coordinates and every demand point, on the network or beyond it.

    ``max_unseen_share``: a move is judged only if at most this share of the demand within straight-line reach
    of the moving crew (at its own site, and at the host) lies beyond the road data.
    """

    node_x_m: np.ndarray
    node_y_m: np.ndarray
    demand_x_m: np.ndarray
    demand_y_m: np.ndarray
    weight: np.ndarray
    on_network: np.ndarray
    max_unseen_share: float = 0.05


def reach_radius_m(site_times: SiteTimes, rows: ArrayLike, budget_s: ArrayLike, node_x_m: np.ndarray, node_y_m: np.ndarray) -> np.ndarray:
    """Straight-line distance from each source (``rows`` of ``site_times``) to the furthest node it reaches in
    its drive budget: the radius within which its cover is decided.

    Parameters
    ----------
    site_times
        Drive times from the sources.
    rows
        The rows of ``site_times`` to measure.
    budget_s
        Each source's drive budget.
    node_x_m, node_y_m
        Node coordinates (EPSG:27700).

    Examples
    --------
    >>> from scipy import sparse
    >>> st = SiteTimes(np.array([0]), sparse.csr_matrix(np.array([[1.0, 61.0, 301.0]])), 600, "k")
    >>> reach_radius_m(st, [0], [100.0], np.array([0.0, 300.0, 900.0]), np.array([0.0, 400.0, 0.0])).tolist()
    [500.0]
    """
    rows, budget = np.asarray(rows, int), np.broadcast_to(np.asarray(budget_s, float), (len(rows),))
    stored, out = site_times.stored, np.zeros(len(rows))
    for i, (r, b) in enumerate(zip(rows, budget)):
        lo, hi = stored.indptr[r], stored.indptr[r + 1]
        reached = stored.indices[lo:hi][stored.data[lo:hi] - 1.0 <= b]
        if len(reached):
            src = site_times.source_nodes[r]
            out[i] = float(np.hypot(node_x_m[reached] - node_x_m[src], node_y_m[reached] - node_y_m[src]).max())
    return out


def unseen_share(centre_x_m: Sequence[float] | np.ndarray, centre_y_m: Sequence[float] | np.ndarray,
                 radius_m: Sequence[float] | np.ndarray, edge: EdgeCheck) -> np.ndarray:
    """Share of the demand within ``radius_m`` of each centre that lies beyond the road data (0 where none).

    Parameters
    ----------
    centre_x_m, centre_y_m
        The centres (EPSG:27700).
    radius_m
        Each centre's radius.
    edge
        Where the demand lies and whether the road data reaches it (:class:`EdgeCheck`).

    Examples
    --------
    >>> e = EdgeCheck(np.zeros(1), np.zeros(1), np.array([0.0, 100, 200]), np.zeros(3), np.array([1.0, 1, 2]),
    ...               np.array([True, True, False]))
    >>> unseen_share([0.0, 0.0], [0.0, 0.0], [150.0, 250.0], e).tolist()
    [0.0, 0.5]
    """
    tree = cKDTree(np.column_stack([edge.demand_x_m, edge.demand_y_m]))
    w, off = np.asarray(edge.weight, float), ~np.asarray(edge.on_network, bool)
    out = np.zeros(len(radius_m))
    for i, (x, y, r) in enumerate(zip(centre_x_m, centre_y_m, radius_m)):
        near = tree.query_ball_point([x, y], r)
        total = w[near].sum()
        out[i] = w[near][off[near]].sum() / total if total > 0 else 0.0
    return out


def pair_cover(sites: pd.DataFrame, site_times: SiteTimes, covers: dict[str, ServiceCover], *,
               max_travel_s: float, variability: Variability | None = None, between_s: np.ndarray | None = None,
               edge: EdgeCheck | None = None) -> pd.DataFrame:
    """What moving each site A into each other-service site B within ``max_travel_s`` does to A's service's cover.

    Parameters
    ----------
    sites
        One row per site on the network, in the row order of ``site_times``: site_id, name, service, turnout_s,
        easting, northing.
    site_times
        Drive times from each site (rows) to every node, within a cutoff of at least ``max_travel_s``.
    covers
        Per service, its coverage model over its own sites.
    between_s
        Drive from each site to each other (default: to the other sites' network nodes).
    edge
        Where the road data ends; without it every move counts as judged.
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
            rows.append({
                "move": sa["site_id"], "move_name": sa["name"], "service": sa["service"], "into": sb["site_id"],
                "into_name": sb["name"], "into_service": sb["service"], "drive_s": float(between[a, b]),
                "share_within_before": before.share_within_modelled, "share_within_after": after.share_within_modelled,
                "cover_loss_pp": 100 * (before.share_within_modelled - after.share_within_modelled),
                "mean_s_before": before.mean_s, "mean_s_after": after.mean_s,
                "meets_standard_after": _meets(after, cover), "_a": a, "_b": b})
    out = pd.DataFrame(rows)
    out["unseen_demand_share"] = _unseen(sites, site_times, covers, out, edge) if len(out) else []
    return out.drop(columns=["_a", "_b"], errors="ignore")


def _unseen(sites: pd.DataFrame, site_times: SiteTimes, covers: Mapping[str, ServiceCover], pairs: pd.DataFrame,
            edge: EdgeCheck | None) -> np.ndarray:
    """Per pair, the larger unseen share of the moving crew's reach from its own site and from the host."""
    if edge is None:
        return np.zeros(len(pairs))
    budget = np.array([covers[s].threshold_s for s in pairs["service"]]) - sites["turnout_s"].to_numpy(float)[
        pairs["_a"].to_numpy()]
    out = np.zeros(len(pairs))
    x, y = sites["easting"].to_numpy(float), sites["northing"].to_numpy(float)
    for col in ("_a", "_b"):
        at = pairs[col].to_numpy()
        radius = reach_radius_m(site_times, at, budget, edge.node_x_m, edge.node_y_m)
        out = np.maximum(out, unseen_share(x[at], y[at], radius, edge))
    return out


def appraise(pairs: pd.DataFrame, sites: pd.DataFrame, *, space: SpaceRules | None = None,
             max_unseen_share: float = 0.05) -> pd.DataFrame:
    """Money, capacity and rank of each pair from the sites' estates figures (as recorded or as entered).

    ``sites``: site_id, service, running_cost_gbp_pa, disposal_value_gbp, bays, floor_area_m2. Best first:
    moves the data can judge, then those allowed (standard kept, space not known to lack), then the
    smallest loss of cover and the shortest move.

    Parameters
    ----------
    pairs
        The candidate pairs with their cover (:func:`pair_cover`).
    sites
        site_id, service, running_cost_gbp_pa, disposal_value_gbp, bays, floor_area_m2.
    space
        The space rules.
    max_unseen_share
        The most demand beyond the road data a judged pair may have.
    """
    if pairs.empty:
        return pairs
    by_id = sites.set_index("site_id")
    out = pairs.copy()
    money = [_num(by_id.at[m, "running_cost_gbp_pa"]) if "running_cost_gbp_pa" in by_id else None
             for m in out["move"]]
    out["running_cost_released_gbp_pa"] = money
    out["disposal_value_gbp"] = [_num(by_id.at[m, "disposal_value_gbp"]) if "disposal_value_gbp" in by_id else None
                                 for m in out["move"]]
    out["dividend_gbp_pa_per_pp_lost"] = [m / loss if m is not None and loss > 1e-9 else None
                                          for m, loss in zip(money, out["cover_loss_pp"])]
    out["into_bays"] = [_num(by_id.loc[h].get("bays")) for h in out["into"]]
    out["into_floor_area_m2"] = [_num(by_id.loc[h].get("floor_area_m2")) for h in out["into"]]
    out["capacity"] = [capacity(svc, by_id.loc[host], space) for svc, host in zip(out["service"], out["into"])]
    out["allowed"] = out["meets_standard_after"].astype(bool) & out["capacity"].isin(["ok", "unknown"])
    out["judged"] = out["unseen_demand_share"].to_numpy(float) <= max_unseen_share
    out["_order"] = (~out["judged"]).astype(int) * 2 + (~out["allowed"]).astype(int)
    return out.sort_values(["_order", "cover_loss_pp", "drive_s"]).drop(columns="_order").reset_index(drop=True)


def candidates(sites: pd.DataFrame, site_times: SiteTimes, covers: dict[str, ServiceCover], *,
               max_travel_s: float, variability: Variability | None = None,
               space: SpaceRules | None = None, between_s: np.ndarray | None = None,
               edge: EdgeCheck | None = None) -> pd.DataFrame:
    """Rank every pair (A into B) of sites of different services with B within ``max_travel_s`` of A:
    :func:`pair_cover` then :func:`appraise` (``sites`` also carries the estates figures).

    Parameters
    ----------
    sites
        The sites of every service, with their estates figures.
    site_times
        Drive times from the sites.
    covers
        Each service's coverage model.
    max_travel_s
        The longest move considered.
    variability
        The travel model's spread.
    space
        The space rules.
    between_s
        Drive times between the sites (or None: from ``site_times``).
    edge
        Where the demand lies against the road data (or None).
    """
    pairs = pair_cover(sites, site_times, covers, max_travel_s=max_travel_s, variability=variability,
                       between_s=between_s, edge=edge)
    return appraise(pairs, sites, space=space,
                    max_unseen_share=edge.max_unseen_share if edge is not None else 1.0)
