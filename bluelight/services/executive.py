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

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from bluelight.analysis.summary import busy_candidates, busy_response, summarise_by
from bluelight.etl.ambsys import read_trusts as load_trusts
from bluelight.foundation.standards import DEFAULT_STANDARD, pick_target
from bluelight.foundation.text import mmss
from bluelight.foundation.vocab import EMERGENCY_SERVICES
from bluelight.services.ambulance_national import published_for, trust_of
from bluelight.services.jurisdictions import area_jurisdictions
from bluelight.services.results import Result
from bluelight.services.session import DemandSpec, Evaluation, Session

#: below this share of an area's population on the road network, its figures describe a sliver, not the area
MIN_ASSESSED_SHARE = 0.5
CAVEATS = {"police": "modelled from station buildings; police respond from patrol, so this understates cover"}


def judged(statistic: str, value_share: float, mean_s: float, threshold_s: float,
           goal: float | None) -> bool | None:
    """Whether a target is met: a mean within its threshold, or a share within at least its goal.

    Parameters
    ----------
    statistic
        What the target judges: ``mean`` or ``share_within``.
    value_share
        The share reached within the threshold.
    mean_s
        The mean response.
    threshold_s
        The target's threshold.
    goal
        The share to meet (None: the target sets none).
    """
    if statistic == "mean":
        return None if not np.isfinite(mean_s) else bool(mean_s <= threshold_s)
    if statistic == "share_within" and goal is not None and np.isfinite(value_share):
        return bool(value_share >= goal)
    return None


def jurisdiction_words(jurisdiction: str) -> str:
    """A target's jurisdiction as words: ``london`` -> London, ``fire_authority:leicestershire`` -> Leicestershire
    (fire and rescue service).

    Parameters
    ----------
    jurisdiction
        A target's jurisdiction, ``kind:name`` or a region.
    """
    kind, _, name = jurisdiction.partition(":")
    if not name:
        return kind.replace("_", " ").title()
    what = {"fire_authority": "fire and rescue service", "police_force": "police force",
            "ambulance_trust": "ambulance trust"}.get(kind, kind.replace("_", " "))
    return f"{name.title()} ({what})"


def _service_name(jurisdictions: set[str], service: str) -> str:
    """Whose area it is, in words, for a message: the service's own area if loaded, else London or the country."""
    kind = {"fire": "fire_authority", "police": "police_force", "ambulance": "ambulance_trust"}[service]
    own = [j.split(":", 1)[1].title() for j in jurisdictions if j.startswith(kind + ":")]
    region = [j.title() for j in jurisdictions if j in ("london", "england", "wales", "scotland")]
    return (own or sorted(region, key=len) or ["this area"])[0]


def area_standard(service: str, jurisdictions: set[str], targets: list[dict[str, Any]]) -> dict[str, Any]:
    """The standard that judges ``service`` in an area, whose it is, or a labelled reference where none is set.

    Parameters
    ----------
    service
        The service judged.
    jurisdictions
        The area's jurisdictions.
    targets
        Every loaded target, as records.
    """
    t = pick_target(service, jurisdictions, targets)
    if t is not None:
        return {"target": t["target_id"], "threshold_s": float(t["threshold_s"]), "statistic": t["statistic"],
                "goal": None if pd.isna(t.get("goal")) else float(t["goal"]), "reference": False,
                "judged_by": f"{t['description']} ({str(t['source']).split(',')[0]}; applies to "
                             f"{jurisdiction_words(str(t['jurisdiction']))})"}
    threshold, default_id = DEFAULT_STANDARD[service]
    ref = next((x for x in targets if x["target_id"] == default_id), None)
    whose = ref["description"] if ref is not None else default_id
    return {"target": None, "threshold_s": threshold, "statistic": None, "goal": None, "reference": True,
            "judged_by": f"no standard configured for {service} in {_service_name(jurisdictions, service)}: figures "
                         f"shown against a reference of {mmss(threshold)} ({whose}), not a target of this service; "
                         "add the service's own standard to targets.yaml"}


def service_standard(session: Session, service: str, targets: pd.DataFrame) -> dict[str, Any]:
    """The standard that judges the service where most of the loaded population lives (the Overview's card).

    Parameters
    ----------
    session
        The routing session over the warehouse (network, placed sites and demand, bounded caches).
    service
        The service judged.
    targets
        Every loaded target.
    """
    pop = session.demand(DemandSpec())
    if pop.empty:
        return area_standard(service, set(), targets.to_dict("records") if len(targets) else [])
    biggest = pop.groupby("area")["weight"].sum().idxmax()
    return area_standard(service, area_jurisdictions(session).get(biggest, set()),
                         targets.to_dict("records") if len(targets) else [])


def standards_in_use(cells: list[dict[str, Any]]) -> list[str]:
    """Which standard judges which areas, per service, in words (beneath the Overview's matrix).

    Parameters
    ----------
    cells
        The matrix's cells (:func:`executive_matrix` records).
    """
    frame = pd.DataFrame(cells)
    if frame.empty:
        return []
    out = []
    for (service, by), grp in frame.groupby(["service", "judged_by"], sort=True):
        areas = sorted(grp["area"])
        out.append(f"{service.title()} in {', '.join(areas[:6])}{' and others' if len(areas) > 6 else ''}: {by}.")
    return out


def published_beside(session: Session, code: str | None, modelled_mean_s: float) -> dict[str, Any]:
    """Trust ``code``'s published Category 1 mean (AmbSYS, where loaded) beside the modelled mean, and whether
    they differ by more than the travel model's measured error.

    Parameters
    ----------
    session
        The routing session over the warehouse (network, placed sites and demand, bounded caches).
    code
        The area's ambulance trust (None: not known).
    modelled_mean_s
        The modelled mean response.
    """
    pub = session.cached(("published", code), lambda: session.read(lambda cur: published_for(cur, code))) \
        if code else None
    published_s = None if pub is None else pub["c1_mean_s"]
    if pub is None or published_s is None:
        return {"published_c1_mean_s": None, "published_note": "no published figure loaded for this area's trust "
                "(bluelight etl ambsys FILE)"}
    error = (session.profile.calibration or {}).get("cv_mae_s")
    gap = modelled_mean_s - published_s if np.isfinite(modelled_mean_s) else float("nan")
    beyond = error is not None and np.isfinite(gap) and abs(gap) > error
    note = (f"published Category 1 mean {mmss(published_s)} (AmbSYS, trust {code}, {pub['from']} to "
            f"{pub['to']}); modelled {mmss(modelled_mean_s)} with vehicles busy part of the time, "
            f"{mmss(abs(gap))} {'faster' if gap < 0 else 'slower'}")
    if error is None:
        note += ": the travel model's error is not measured"
    elif beyond:
        note += (f": more than the travel model's measured error ({mmss(error)}), so the modelled figure is not "
                 "the trust's performance (calls also wait for a vehicle, and crews for hospital handover, which "
                 "the model does not hold): read the published figure")
    else:
        note += f": within the travel model's measured error ({mmss(error)})"
    return {"published_c1_mean_s": pub["c1_mean_s"], "published_note": note, "beyond_measured_error": beyond,
            "published_summary": f"trust {code} published a Category 1 mean of {mmss(pub['c1_mean_s'])} (AmbSYS, "
                                 f"{pub['from']} to {pub['to']}); each ambulance cell says whether its modelled "
                                 f"mean is within the travel model's measured error "
                                 f"({'not measured' if error is None else mmss(error)}) of it"}


def busy_fractions() -> tuple[dict[str, float], str]:
    """The share of time each service's vehicles are busy (``config/executive.yaml``), and its source."""
    from bluelight.foundation.config_files import load_config
    from bluelight.foundation.errors import ConfigError

    doc, path = load_config("executive.yaml")
    try:
        out = {str(k): float(v) for k, v in (doc.get("busy_fraction") or {}).items()}
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{path}: busy_fraction must map services to shares ({exc})") from exc
    bad = {k: v for k, v in out.items() if not 0 <= v < 1}
    if bad:
        raise ConfigError(f"{path}: busy_fraction must be in [0, 1), got {bad}")
    return out, str((doc.get("sources") or {}).get("busy_fraction", path))


def busy_by_area(session: Session, service: str, ev: Evaluation, busy: float, threshold_s: float) -> pd.DataFrame:
    """Per area, with vehicles busy ``busy`` of the time: the mean response of the first free vehicle, the share
    of people it reaches within the standard, and the share of calls that would find every nearby vehicle busy.

    Parameters
    ----------
    session
        The routing session over the warehouse (network, placed sites and demand, bounded caches).
    service
        The service judged.
    ev
        The service's evaluation of the population.
    busy
        Share of time each vehicle is busy.
    threshold_s
        The response standard.
    """
    model = session.model(service, DemandSpec(), k=busy_candidates(busy))     # enough sites that all busy is rare
    mean, within, wait = busy_response(model.cand_time, busy, threshold_s)
    on = np.isfinite(ev.response_s)
    w = ev.points["weight"].to_numpy(float) * on
    frame = pd.DataFrame({"area": ev.points["area"].to_numpy(), "w": w, "wm": np.where(on & np.isfinite(mean),
                          w * np.nan_to_num(mean), 0.0), "wa": np.where(on & np.isfinite(mean), w * (1 - wait), 0.0),
                          "win": w * within, "wait": w * wait})
    g = frame.groupby("area").sum()
    return pd.DataFrame({"busy_mean_s": g["wm"] / g["wa"].where(g["wa"] > 0),
                         "busy_share_within": g["win"] / g["w"].where(g["w"] > 0),
                         "busy_share_waiting": g["wait"] / g["w"].where(g["w"] > 0)})


def service_busy(session: Session, service: str, threshold_s: float) -> dict[str, Any] | None:
    """The whole area's response with vehicles busy (None for a service judged on its nearest station).

    Parameters
    ----------
    session
        The routing session over the warehouse (network, placed sites and demand, bounded caches).
    service
        The service judged.
    threshold_s
        The response standard.
    """
    busy, source = busy_fractions()
    if service not in busy:
        return None
    ev = session.evaluate(service, DemandSpec())
    b = busy_by_area(session, service, _as_one_area(ev), busy[service], threshold_s)
    row = b.iloc[0]
    return {"busy_fraction": busy[service], "mean_s": float(row["busy_mean_s"]),
            "share_within": float(row["busy_share_within"]), "source": source}


def _as_one_area(ev: Evaluation) -> Evaluation:
    return replace(ev, points=ev.points.assign(area="all"))


def executive_matrix(session: Session, targets: pd.DataFrame) -> pd.DataFrame:
    """One row per area and service (areas with some population on the road network), each judged by the
    standard of the service that covers it (:func:`area_standard`); ambulance and police with their vehicles busy
    part of the time (:func:`busy_by_area`), fire on its nearest station.

    Parameters
    ----------
    session
        The routing session over the warehouse (network, placed sites and demand, bounded caches).
    targets
        Every loaded target.
    """
    records = targets.to_dict("records") if len(targets) else []
    where = area_jurisdictions(session)
    busy, busy_source = busy_fractions()
    trusts = load_trusts()[0]
    rows: list[dict[str, Any]] = []
    for service in EMERGENCY_SERVICES:
        if session.sites(service).empty:
            continue
        ev = session.evaluate(service, DemandSpec())
        areas = ev.points["area"].to_numpy()
        standards = {a: area_standard(service, where.get(a, set()), records) for a in set(areas)}
        by_threshold: dict[float, tuple[pd.DataFrame, dict[str, dict[str, Any]], pd.DataFrame | None]] = {}
        for threshold in {st["threshold_s"] for st in standards.values()}:
            by_threshold[threshold] = (
                summarise_by(areas, ev.response_s, ev.points["weight"].to_numpy(), threshold,
                             variability=session.variability).set_index("area"),
                actual_by_area(session, service, threshold),
                busy_by_area(session, service, ev, busy[service], threshold) if service in busy else None)
        for area, st in sorted(standards.items(), key=lambda kv: str(kv[0])):
            by, checked, busy_area = by_threshold[st["threshold_s"]]
            if area not in by.index:
                continue
            r = by.loc[area]
            total = r.demand_on_network + r.demand_off_network
            if r.demand_on_network <= 0 or total <= 0:
                continue
            assessed = r.demand_on_network / total
            b = busy_area.loc[area] if busy_area is not None and area in busy_area.index else None
            share, mean = (r.share_within_modelled, r.mean_s) if b is None else (b["busy_share_within"],
                                                                               b["busy_mean_s"])
            met = None if st["reference"] else judged(st["statistic"], share, mean, st["threshold_s"], st["goal"])
            rows.append({"area": area or "(no area)", "service": service, "threshold_s": st["threshold_s"],
                         "share_within": share, "mean_s": mean,
                         "free_share_within": r.share_within_modelled, "free_mean_s": r.mean_s,
                         "busy_fraction": None if b is None else busy[service],
                         "busy_share_waiting": None if b is None else float(b["busy_share_waiting"]),
                         "busy_source": None if b is None else busy_source,
                         "target": st["target"], "met": met, "statistic": st["statistic"], "goal": st["goal"],
                         "judged_by": st["judged_by"], "reference_only": st["reference"],
                         "population": total, "assessed_share": assessed,
                         "judged": bool(assessed >= MIN_ASSESSED_SHARE),
                         **checked.get(area, NO_INCIDENTS),
                         **(published_beside(session, trust_of(where.get(area, set()), trusts), float(mean))
                            if service == "ambulance" else {}),
                         "caveat": CAVEATS.get(service, "")})
    return pd.DataFrame(rows)


NO_INCIDENTS = {"incidents_checked": 0, "actual_share_within": None, "modelled_incident_share_within": None}


def actual_by_area(session: Session, service: str, threshold_s: float) -> dict[str, dict[str, Any]]:
    """Per area, incidents on the network with a recorded first arrival: the actual share within the standard
    and the modelled share of the same incidents (turnout, drive and variability).

    Parameters
    ----------
    session
        The routing session over the warehouse (network, placed sites and demand, bounded caches).
    service
        The service whose incidents are checked.
    threshold_s
        The response standard.
    """
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


def scope(matrix: pd.DataFrame) -> dict[str, Any]:
    """What the matrix covers: areas judged, areas only partly inside the road data, population assessed.

    Parameters
    ----------
    matrix
        The matrix (:func:`executive_matrix`).
    """
    if matrix.empty:
        return {"areas": 0, "judged": 0, "population_assessed": 0.0, "population": 0.0}
    per_area = matrix.drop_duplicates("area")
    return {"areas": int(len(per_area)), "judged": int(per_area["judged"].sum()),
            "population_assessed": float((per_area["population"] * per_area["assessed_share"]).sum()),
            "population": float(per_area["population"].sum())}


def cell_text(r: dict[str, Any]) -> str:
    """One cell in words: the statistic its target judges first, met or not, then what it rests on.

    Parameters
    ----------
    r
        One cell of the matrix.
    """
    mark = {True: "met", False: "not met", None: "no target"}[r["met"]]
    if r.get("reference_only"):
        mark = "no standard configured"
    elif r["met"] is None and r.get("target"):
        mark = "the standard sets no share to meet"
    standard = mmss(r["threshold_s"])                          # times as m:ss, as every page writes them
    share = f"{100 * r['share_within']:.1f}% within {standard}"
    if r.get("statistic") == "mean":
        text = f"mean {mmss(r['mean_s'])} against {standard}, {mark}; {share}"
    elif r.get("statistic") == "share_within" and r.get("goal") is not None:
        text = f"{share} against {100 * r['goal']:.0f}%, {mark}"
    else:
        text = f"{share}, {mark}"
    if not r["judged"]:
        text += f" ({100 * r['assessed_share']:.0f}% assessed)"
    if r.get("busy_fraction") is not None:                    # the assumption is said once, under the matrix
        text += f" (vehicles busy; all free: {100 * r['free_share_within']:.0f}%)"
    if r.get("published_c1_mean_s") is not None:
        text += (f"; published C1 mean {mmss(r['published_c1_mean_s'])}, "
                 + ("beyond the model's measured error" if r.get("beyond_measured_error") else "within the model's "
                    "measured error"))
    if r.get("incidents_checked"):
        text += (f"; {r['incidents_checked']:,} incidents: {100 * r['actual_share_within']:.0f}% actual, "
                 f"{100 * r['modelled_incident_share_within']:.0f}% modelled")
    return text


@dataclass(frozen=True)
class ExecutiveResult(Result):
    """Every service's cover of every area against its standard, and what the matrix covers."""

    profile: str
    scope: dict[str, Any]
    min_assessed_share: float
    standards: dict[str, Any]
    standards_in_use: list[str]
    caveats: dict[str, str]
    cells: list[dict[str, Any]]


def run_executive(session: Session) -> ExecutiveResult:
    """``bluelight executive`` and the Overview page: the matrix, what it covers and its caveats.

    Parameters
    ----------
    session
        The routing session over the warehouse (network, placed sites and demand, bounded caches).
    """
    def build() -> dict[str, Any]:
        targets = session.read(lambda cur: cur.execute("SELECT * FROM targets").df())
        matrix = executive_matrix(session, targets)
        return {"profile": session.profile.key, "scope": scope(matrix), "min_assessed_share": MIN_ASSESSED_SHARE,
                "standards": {s: {"threshold_s": t, "target": tid} for s, (t, tid) in DEFAULT_STANDARD.items()},
                "standards_in_use": standards_in_use(matrix.to_dict("records")),
                "caveats": {s: c for s, c in CAVEATS.items() if not matrix.empty and s in set(matrix["service"])},
                "cells": matrix.astype(object).where(matrix.notna(), None).to_dict("records")}
    return ExecutiveResult.of(session.cached(("executive",), build))
