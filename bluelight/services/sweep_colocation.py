"""``bluelight sweep colocation``: every cross-service co-location pair run as a full scenario, ranked.

The pairs are the co-location candidates' (sites of two services within a
drive of each other, with the candidates' "judged" rule for sites near the
edge of the road data). Each pair is run as the scenario "this site moves into
that one": both services' cover before and after by the static model and the
finance where the estates figures are known (``bluelight scenario run``), and
the moving service's fleet simulated on the same calls before and after
(common random numbers), the moving site's vehicles answering from the host.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from bluelight.analysis.scenario import Scenario, apply_scenario
from bluelight.analysis.sweep import Variant, paired_change
from bluelight.foundation.errors import AnalysisError
from bluelight.foundation.vocab import EMERGENCY_SERVICES
from bluelight.services.colocation import CandidatesRequest, run_candidates
from bluelight.services.fleet_system import load_settings
from bluelight.services.requests import Field
from bluelight.services.results import Result
from bluelight.services.scenarios import AppraisalRequest, run_scenario
from bluelight.services.session import Session
from bluelight.services.sweeps import SweepRun, run_fields, run_variants, sweep_system


@dataclass(frozen=True)
class ColocationSweepRequest(SweepRun):
    """Which pairs (the candidates' rule), how to simulate them and where to run."""

    max_travel_s: float = 300.0
    services: tuple[str, ...] = EMERGENCY_SERVICES
    judged_only: bool = False
    limit: int | None = None

    FIELDS = (
        CandidatesRequest.field("max_travel_s"),
        CandidatesRequest.field("services"),
        Field("judged_only", "Judged pairs only", bool, False,
              help="Only pairs the candidates' edge rule judges (inside the road data)."),
        Field("limit", "At most", int, None, 1, 10_000, optional=True,
              help="Only the first N pairs in the candidates' ranking."),
        *run_fields(5),
    )


@dataclass(frozen=True)
class ColocationSweep(Result):
    """Every co-location pair as a full scenario, judged pairs first, least harm first."""

    profile: str
    max_travel_s: float
    pairs: int
    pairs_judged: int
    replications: int
    seed: int
    scheduler: str
    wall_s: float
    simulated: dict[str, str]
    not_simulated: dict[str, str]
    ranked: list[dict[str, Any]]
    notes: list[str]


def pair_scenario(pair: dict[str, Any]) -> Scenario:
    """The scenario of one candidate pair: the moving site into its host.

    Parameters
    ----------
    pair
        A candidate row (``move``, ``into`` and their names).

    Returns
    -------
    Scenario
        One ``co_locate`` change.
    """
    return Scenario(f"{pair['move_name']} into {pair['into_name']}",
                    changes=[{"action": "co_locate", "site": pair["move"], "into": pair["into"]}])


def run_colocation_sweep(session: Session, request: ColocationSweepRequest, *,
                         progress: Callable[[int, int], None] | None = None) -> ColocationSweep:
    """Run every candidate pair as a scenario, simulate the moving services, rank.

    Parameters
    ----------
    session
        The warehouse's session.
    request
        Which pairs and how to simulate them.
    progress
        Called with (done, total) as simulated pairs finish.

    Returns
    -------
    ColocationSweep
        One row per pair: both services' cover before and after, the moving service's simulated added response,
        the finance where known; judged pairs first, then by least simulated harm.
    """
    t0 = time.perf_counter()
    session = session.for_period(request.traffic_period)
    cands = run_candidates(session, CandidatesRequest(max_travel_s=request.max_travel_s, services=request.services,
                                                      traffic_period=request.traffic_period))
    pairs = [p for p in cands.candidates if p["judged"] or not request.judged_only][: request.limit or None]
    rows = [_static_row(session, p, request) for p in pairs]
    simulated, not_simulated = {}, {}
    for service in sorted({p["service"] for p in pairs}):
        own = [r for r in rows if r["service"] == service]
        try:
            note = _simulate_moves(session, service, own, request, progress)
        except AnalysisError as exc:
            not_simulated[service] = str(exc)
            continue
        simulated[service] = note
    rows.sort(key=lambda r: (not r["judged"], r["added_mean_response_s"] is None,
                             r["added_mean_response_s"] or 0.0, r["cover_loss_pp"], r["pair"]))
    for rank, r in enumerate(rows, start=1):
        r["rank"] = rank
    return ColocationSweep.of({
        "profile": session.profile.key, "max_travel_s": request.max_travel_s, "pairs": len(rows),
        "pairs_judged": sum(r["judged"] for r in rows), "replications": request.replications, "seed": request.seed,
        "scheduler": request.scheduler, "wall_s": time.perf_counter() - t0, "simulated": simulated,
        "not_simulated": not_simulated, "ranked": rows,
        "notes": [cands.caveat,
                  ("cover: each pair run as a scenario (bluelight scenario run): both services' population within "
                   "their standards before and after, by the static model (every vehicle free)"),
                  (f"simulated: the moving service's fleet on the same calls before and after ({request.replications} "
                   f"replications, seed {request.seed}); its vehicles answer from the host"),
                  "finance: the appraisal's net present value where every figure is known, else the missing items"]})


def _static_row(session: Session, pair: dict[str, Any], request: ColocationSweepRequest) -> dict[str, Any]:
    """One pair's scenario: both services' cover before and after, and its finance."""
    result = run_scenario(session, pair_scenario(pair), AppraisalRequest(traffic_period=request.traffic_period))
    cover = {}
    for service, e in result.services.items():
        b, a = e["population"]["before"], e["population"]["after"]
        cover[service] = {"share_within_before": b["summary"]["share_within"],
                          "share_within_after": a["summary"]["share_within"],
                          "mean_s_before": b["summary"]["mean_s"], "mean_s_after": a["summary"]["mean_s"],
                          "people_within_change": a["demand_within"] - b["demand_within"]}
    fin = result.finance
    return {"rank": 0, "pair": f"{pair['move']}@{pair['into']}", "move": pair["move"], "move_name": pair["move_name"],
            "service": pair["service"], "into": pair["into"], "into_name": pair["into_name"],
            "into_service": pair["into_service"], "drive_s": pair["drive_s"], "judged": bool(pair["judged"]),
            "capacity": pair["capacity"], "cover_loss_pp": pair["cover_loss_pp"], "cover": cover,
            "added_mean_response_s": None, "added_mean_response_ci95": None, "incidents_beyond_standard_pa": None,
            "npv_gbp": fin["npv_gbp"] if fin["complete"] else None, "finance_missing": fin["missing"]}


def _simulate_moves(session: Session, service: str, rows: list[dict[str, Any]], request: ColocationSweepRequest,
                    progress: Callable[[int, int], None] | None) -> str:
    """Simulate each pair of one moving service on the same calls; fill the rows' simulated figures."""
    base = session.estate(None)
    own = base[base["service"] == service].assign(candidate=False)
    moved = []
    for r in rows:
        after = apply_scenario(base, pair_scenario(r))
        moved.append(after[after["site_id"] == r["pair"]].assign(candidate=True))
    sites = pd.concat([own, *moved], ignore_index=True)
    sim = request.simulation(service)
    built = sweep_system(session, sim, load_settings(), arrivals=request.arrivals, sites=sites)
    ids = set(built.system.stations["site_id"])
    doable = [r for r in rows if r["pair"] in ids and r["move"] in ids]
    variants = [Variant("baseline")] + [Variant(r["pair"], closed=(r["move"],), opened=(r["pair"],)) for r in doable]
    runs, _ = run_variants(built, variants, scheduler=request.scheduler, progress=progress)
    base_run = runs["baseline"]
    for r in doable:
        added = paired_change(base_run, runs[r["pair"]], key="first_mean_s")
        beyond = paired_change(base_run, runs[r["pair"]], key="beyond")
        r.update({"added_mean_response_s": added["mean"], "added_mean_response_ci95": added["ci95"],
                  "incidents_beyond_standard_pa": beyond["mean"] / base_run["years"]})
    return built.arrivals_note
