"""Replications of the availability simulation: calls drawn, fleets run, figures with 95% intervals.

The numeric core under ``bluelight simulate``, the Availability page, DAP
plans and co-responding: a :class:`System` (stations, vehicles, travel
matrices, the incidents of the period) built once by the services, and pure
functions of it and a random generator. Common random numbers: replication
``r`` of seed ``s`` draws the same calls whatever fleet answers them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from bluelight.analysis.demand_bands import DemandRates
from bluelight.analysis.durations import LogNormal
from bluelight.analysis.hypercube import approximate_hypercube, preference_order
from bluelight.analysis.simulation import (
    DAY_S,
    Calls,
    Fleet,
    RunSummary,
    SimulationRun,
    Travel,
    confidence_interval,
    simulate,
    summarise_run,
)
from bluelight.analysis.summary import Variability, compare_targets
from bluelight.foundation.errors import AnalysisError
from bluelight.foundation.vocab import station_key


@dataclass
class System:
    """Everything one simulation needs, built once per request and reused by every replication."""

    stations: pd.DataFrame          # on the network, in travel-matrix column order
    fleet: Fleet
    travel: Travel
    incidents: pd.DataFrame         # in the period and on the network, with column ``zone``
    zones: pd.DataFrame
    period_start: pd.Timestamp
    period_s: float
    on_scene: LogNormal
    on_scene_source: str
    sample_share: float
    conveyance: dict[str, Any] | None   # ambulance: conveyed share, handover, per-zone drive to hospital, hospital rows
    variability: Variability | None = None   # the profile's spread of actual around modelled response (None: none)
    demand_rates: DemandRates | None = None   # population arrivals: the per-person rates and weekly profile
    second_threshold_s: float | None = None   # the request's, else the loaded second-vehicle target's
    targets: pd.DataFrame | None = None       # first-response targets of the service (loaded)



def allocate_vehicles(first_load: np.ndarray, per_station: float) -> np.ndarray:
    """Vehicles per station: one each, the rest (to ``per_station`` on average) to the stations first to most demand.

    Parameters
    ----------
    first_load
        Per station, the demand it is first to.
    per_station
        The average number of vehicles a station holds.

    Returns
    -------
    numpy.ndarray
        Vehicles at each station (at least one).
    """
    n = len(first_load)
    total = max(n, int(round(per_station * n)))
    counts = np.ones(n, dtype=np.int64)
    extra = total - n
    order = np.argsort(-first_load, kind="stable")
    while extra > 0:
        take = order[:min(extra, n)]
        counts[take] += 1
        extra -= len(take)
    return counts

# -- calls --------------------------------------------------------------------------------------------------------

def make_calls(system: System, rng: np.random.Generator, *, arrivals: str) -> tuple[Calls, np.ndarray]:
    """One replication's calls and, per call, the row of ``system.incidents`` it stands for.

    Parameters
    ----------
    system
        The incidents, zones and time at the scene.
    rng
        The replication's generator.
    arrivals
        ``resample`` (the incidents drawn at the full rate), ``replay`` (as they happened) or ``population``
        (expected calls from the zones' rates).

    Returns
    -------
    tuple
        The :class:`~bluelight.analysis.simulation.Calls` and, per call, its incident row.
    """
    inc = system.incidents
    if arrivals == "population":
        rows, t = _population_arrivals(system, rng)
    elif arrivals == "replay":
        rows = np.arange(len(inc))
        t = inc["offset_s"].to_numpy()
    else:
        offset = inc["offset_s"].to_numpy()
        n = rng.poisson(len(inc) / system.sample_share)
        rows = rng.integers(0, len(inc), n)
        day = rng.integers(0, max(1, int(system.period_s // DAY_S)), n)
        t = day * DAY_S + np.mod(offset[rows], DAY_S) + rng.uniform(0, 60.0, n)
        order = np.argsort(t, kind="stable")
        rows, t = rows[order], t[order]
    need = inc["need"].to_numpy()[rows]
    scene = _scene_times(system, rows, need, rng)
    after, back = None, None
    if system.conveyance is not None:
        conv = system.conveyance
        z = inc["zone"].to_numpy()[rows]
        go = (rng.random(len(rows)) < conv["conveyed_share"]) & np.isfinite(conv["convey_s"][z])
        after = np.where(go, np.nan_to_num(conv["convey_s"][z]) + conv["handover_s"], 0.0)
        back = np.where(go, conv["hospital_row"][z], z)
    factor = None
    if system.variability is not None:
        factor = np.exp(system.variability.draw_log_ratio(rng, scene.size)).reshape(scene.shape)
    return Calls(t, inc["zone"].to_numpy()[rows], need, scene, after_scene_s=after, return_from=back,
                 response_factor=factor), rows


def _population_arrivals(system: System, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Poisson calls from the zones' expected rates, spread over the week by the hour and day profiles.

    Without profiles (``system.demand_rates`` None) the rates are steady and the calls even over the period.
    """
    rates = system.demand_rates
    per_year = system.incidents["rate_per_year"].to_numpy(float)
    days = max(1, int(system.period_s // DAY_S))
    n = rng.poisson(per_year.sum() * days / 365.25)
    rows = rng.choice(len(per_year), size=n, p=per_year / per_year.sum())
    if rates is None:                 # a steady rate (one time band's, held): even over the period
        return rows, np.sort(rng.uniform(0.0, system.period_s, n))
    weekday0 = system.period_start.day_of_week
    day_w = rates.day_profile[(weekday0 + np.arange(days)) % 7]
    day = rng.choice(days, size=n, p=day_w / day_w.sum())
    hour = rng.choice(24, size=n, p=rates.hour_profile / rates.hour_profile.sum())
    t = day * DAY_S + hour * 3600.0 + rng.uniform(0, 3600.0, n)
    order = np.argsort(t, kind="stable")
    return rows[order], t[order]


def _scene_times(system: System, rows: np.ndarray, need: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Per call and vehicle, seconds at the scene: the record's own where exact, else drawn (below any floor)."""
    inc = system.incidents
    width = int(need.max()) if len(need) else 1
    exact = inc["scene_exact_s"].to_numpy()[rows]
    upper = inc["scene_max_s"].to_numpy()[rows]
    out = system.on_scene.draw(rng, len(rows) * width, upper_s=np.repeat(upper, width)).reshape(len(rows), width)
    known = np.isfinite(exact)
    out[known] = exact[known][:, None]
    return out


# -- running --------------------------------------------------------------------------------------------------------

def _range_of(hours: np.ndarray, ranges: Sequence[tuple[int, int]]) -> np.ndarray:
    out = np.full(len(hours), -1)
    for i, (lo, hi) in enumerate(ranges):
        out[(hours >= lo) & (hours < hi)] = i
    return out


def mean_ci(values: Sequence[float] | np.ndarray) -> dict[str, Any]:
    """Mean and 95% interval; a share's interval is kept within 0 and 1.

    Parameters
    ----------
    values
        One figure per replication.

    Returns
    -------
    dict
        ``{"mean", "ci95": [low, high]}``.
    """
    mean, lo, hi = confidence_interval(values)
    vals = [v for v in values if np.isfinite(v)]
    if vals and min(vals) >= 0 and max(vals) <= 1:
        lo, hi = max(lo, 0.0), min(hi, 1.0)
    return {"mean": mean, "ci95": [lo, hi]}


def run_replications(system: System, *, threshold_s: float, replications: int, seed: int, arrivals: str,
                     hour_ranges: Sequence[tuple[int, int]],
                     progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Replications of the system; means with 95% intervals of every headline figure.

    Parameters
    ----------
    system
        The stations, fleet, travel and incidents (built once by the caller).
    threshold_s
        The first vehicle's standard.
    replications, seed
        Replication ``r`` draws its calls from ``numpy.random.default_rng([seed, r])``.
    arrivals
        ``resample``, ``replay`` or ``population`` (see :func:`make_calls`).
    hour_ranges
        ``(from_hour, to_hour)`` pairs the figures are also given for.
    progress
        Called with (done, total) after each replication.

    Returns
    -------
    dict
        Every figure as ``{"mean", "ci95"}``, per station, per hour range and per demand zone.
    """
    t1, t2 = float(threshold_s), system.second_threshold_s
    seconds = () if t2 is None else (t2,)
    runs, per_station, per_range, ground, targets = [], [], [], [], []
    n_ranges = len(hour_ranges)
    zone_calls = np.zeros((len(system.zones), n_ranges))
    zone_within = np.zeros((len(system.zones), n_ranges))
    zone_sum_s = np.zeros((len(system.zones), 2))            # seconds and calls reached
    names = system.stations["site_id"].to_numpy()
    ground_ids = ground_sites(system.incidents, system.stations).to_numpy()
    for r in range(replications):
        rng = np.random.default_rng([seed, r])
        calls, rows = make_calls(system, rng, arrivals=arrivals)
        run = simulate(calls, system.fleet, system.travel, period_s=system.period_s)
        s = summarise_run(run, first_thresholds_s=(t1,), second_thresholds_s=seconds)
        runs.append(s)
        if system.targets is not None and not system.targets.empty:
            first = run.response_s[run.first()]
            targets.append(compare_targets(np.where(np.isnan(first), np.inf, first), np.ones(len(first)),
                                           system.targets))
        veh_station = system.fleet.station
        util = np.bincount(veh_station, weights=s.utilisation, minlength=len(names)) / system.stations["vehicles"].to_numpy()
        per_station.append((util, s.no_free_share, np.bincount(run.station[run.station >= 0], minlength=len(names))))
        hour_range = _range_of(run.calls_hour, hour_ranges)
        _add_zone_counts(run, calls, hour_range, t1, zone_calls, zone_within, zone_sum_s)
        per_range.append([summarise_run(run, first_thresholds_s=(t1,), second_thresholds_s=seconds,
                                        mask=hour_range == b)
                      for b in range(len(hour_ranges))])
        ground.append(_ground_share(run, rows, ground_ids, names))
        if progress:
            progress(r + 1, replications)
    util = np.mean([u for u, _, _ in per_station], axis=0)
    nofree = np.mean([n for _, n, _ in per_station], axis=0)
    jobs = np.mean([j for _, _, j in per_station], axis=0)
    years = system.period_s / (365.25 * DAY_S)
    stations = pd.DataFrame({"site_id": names, "name": system.stations["name"].to_numpy(),
                             "vehicles": system.stations["vehicles"].to_numpy(),
                             "utilisation": util, "no_vehicle_free_share": nofree,
                             "vehicle_jobs_per_year": jobs / years})
    warnings = []
    busiest = float(np.max(util)) if len(util) else 0.0
    if busiest > 0.9 or np.mean([s.queued_share for s in runs]) > 0.2:
        warnings.append(f"the fleet is overloaded (busiest station's vehicles busy {100 * busiest:.0f}% of the time, "
                        f"{100 * np.mean([s.queued_share for s in runs]):.0f}% of calls wait for a vehicle to clear): "
                        "the figures describe a queue, not cover; add vehicles (vehicles per station) or check the "
                        "demand rate")
    return {
        "warnings": warnings,
        "calls_per_replication": mean_ci([s.calls for s in runs]),
        "first_within": mean_ci([s.first_within[t1] for s in runs]),
        "first_within_static": mean_ci([s.static_first_within[t1] for s in runs]),
        "second_within": None if t2 is None else mean_ci([s.second_within[t2] for s in runs]),
        "second_threshold_s": t2,
        "targets": _target_rows(targets),
        "first_mean_s": mean_ci([s.first_mean_s for s in runs]),
        "first_p90_s": mean_ci([s.first_p90_s for s in runs]),
        "not_nearest_share": mean_ci([s.not_nearest_share for s in runs]),
        "not_station_ground_share": mean_ci([g for g in ground if g is not None]) if any(g is not None for g in ground) else None,
        "queued_share": mean_ci([s.queued_share for s in runs]),
        "unreached_share": mean_ci([s.unreached_share for s in runs]),
        "mean_utilisation": mean_ci([float(np.mean(s.utilisation)) for s in runs]),
        "by_hour_band": [{"hours": f"{lo:02d}:00-{hi:02d}:00",
                          "calls": mean_ci([b[i].calls for b in per_range]),
                          "first_within": mean_ci([b[i].first_within[t1] for b in per_range]),
                          "first_within_static": mean_ci([b[i].static_first_within[t1] for b in per_range]),
                          "not_nearest_share": mean_ci([b[i].not_nearest_share for b in per_range])}
                         for i, (lo, hi) in enumerate(hour_ranges)],
        "stations": stations.sort_values("utilisation", ascending=False).to_dict("records"),
        "by_zone": _zone_rows(system, hour_ranges, zone_calls, zone_within, zone_sum_s, years * replications),
    }


def _add_zone_counts(run: SimulationRun, calls: Calls, hour_range: np.ndarray, threshold_s: float,
                     zone_calls: np.ndarray, zone_within: np.ndarray, zone_sum_s: np.ndarray) -> None:
    """Pool one replication's first responses into per zone and hour range counts (unreached: never within)."""
    first = run.first()
    z = calls.zone[run.call[first]]
    b = hour_range[run.call[first]]
    ok = b >= 0
    resp = run.response_s[first]
    np.add.at(zone_calls, (z[ok], b[ok]), 1.0)
    np.add.at(zone_within, (z[ok], b[ok]), (np.nan_to_num(resp, nan=np.inf) <= threshold_s)[ok].astype(float))
    reached = np.isfinite(resp)
    np.add.at(zone_sum_s, (z[reached], 0), resp[reached])
    np.add.at(zone_sum_s, (z[reached], 1), 1.0)


def _zone_rows(system: System, hour_ranges: Sequence[tuple[int, int]], calls: np.ndarray, within: np.ndarray,
               sum_s: np.ndarray, years_run: float) -> list[dict[str, Any]]:
    """Per demand zone (incident location): calls a year, first-vehicle share within the standard overall and by
    hour range, and mean first response, pooled over the replications."""
    total = calls.sum(axis=1)
    zones = system.zones
    rows = []
    for i in np.flatnonzero(total > 0):
        rows.append({"zone": int(i), "easting": float(zones["easting"].iloc[i]),
                     "northing": float(zones["northing"].iloc[i]), "calls_per_year": float(total[i] / years_run),
                     "first_within": float(within[i].sum() / total[i]),
                     "first_mean_s": float(sum_s[i, 0] / sum_s[i, 1]) if sum_s[i, 1] else None,
                     "first_within_by_hour_band": {f"{lo:02d}-{hi:02d}": (float(within[i, k] / calls[i, k])
                                                                          if calls[i, k] else None)
                                                   for k, (lo, hi) in enumerate(hour_ranges)}})
    return rows


def _target_rows(per_replication: list[pd.DataFrame]) -> list[dict[str, Any]]:
    """Each loaded target judged on the simulated first responses: mean over replications with its interval."""
    if not per_replication:
        return []
    first = per_replication[0]
    rows = []
    for i, t in enumerate(first.itertuples(index=False)):
        value = mean_ci([float(r["value"].iloc[i]) for r in per_replication])
        goal = t.goal if pd.notna(t.goal) else None
        met = (value["mean"] >= goal) if t.statistic == "share_within" else (value["mean"] <= t.threshold_s)
        rows.append({"target_id": t.target_id, "statistic": t.statistic, "threshold_s": t.threshold_s, "goal": goal,
                     "value": value, "met": bool(met) if np.isfinite(value["mean"]) else None})
    return rows


def ground_sites(incidents: pd.DataFrame, stations: pd.DataFrame) -> pd.Series:
    """Each incident's station ground as one of ``stations`` (matched by name), or None.

    Parameters
    ----------
    incidents
        With ``station_ground`` (a station's name as the incident records give it).
    stations
        With ``site_id`` and ``name``.

    Returns
    -------
    pandas.Series
        The station's site id per incident, or None.
    """
    by_name = {station_key(n): i for n, i in zip(stations["name"], stations["site_id"])}
    return incidents["station_ground"].map(lambda g: by_name.get(station_key(g)) if isinstance(g, str) and g else None)


def _ground_share(run: SimulationRun, rows: np.ndarray, ground_ids: np.ndarray,
                  station_ids: np.ndarray) -> float | None:
    """Share of calls (with a known station ground among the stations) whose first vehicle came from elsewhere."""
    first = run.first()
    g = ground_ids[rows]
    known = np.array([x is not None for x in g]) & (run.station[first] >= 0)
    ids = set(station_ids.tolist())
    known &= np.array([x in ids for x in g])
    if not known.any():
        return None
    came = station_ids[run.station[first][known]]
    return float(np.mean(came != g[known]))


def hypercube_screen(system: System) -> dict[str, Any]:
    """The approximate hypercube of the same system: utilisation and the nearest vehicle's share, in milliseconds.

    Parameters
    ----------
    system
        The system the simulation runs.

    Returns
    -------
    dict
        Method, iterations, mean utilisation, the nearest vehicle's share and the queued share (or ``error``).
    """
    inc = system.incidents
    weight = inc["rate_per_year"].to_numpy(float) / (365.25 * DAY_S) * system.period_s \
        if "rate_per_year" in inc.columns else None
    rates = np.bincount(inc["zone"], weights=weight, minlength=len(system.zones)) / system.sample_share / system.period_s
    veh = system.fleet.station
    drive = system.travel.drive_s[:, veh]
    cap = np.nanmax(np.where(np.isfinite(drive), drive, np.nan)) * 2 if np.isfinite(drive).any() else 3600.0
    drive = np.where(np.isfinite(drive), drive, cap)
    turnout = system.travel.turnout_s.mean(axis=0)[veh]
    sent = inc["vehicles_sent"].to_numpy(float)
    mean_need = float(np.nanmean(np.where(np.isfinite(sent) & (sent >= 1), sent, 1.0)))
    service_s = turnout[None, :] + 2 * drive + system.on_scene.mean_s
    try:
        hc = approximate_hypercube(rates * mean_need, preference_order(drive + turnout[None, :]), service_s=service_s)
    except AnalysisError as exc:
        return {"error": str(exc)}
    w = rates / rates.sum()
    return {"method": hc.method, "iterations": hc.iterations, "mean_utilisation": float(hc.utilisation.mean()),
            "nearest_vehicle_share": float(w @ hc.first_choice_share), "queued_share": hc.queued_share,
            "note": "calls needing several vehicles are counted as that many single-vehicle calls"}


def run_fleets(system: System, fleets: list[Fleet], *, threshold_s: float, replications: int,
               seed: int) -> list[dict[str, Any]]:
    """Each placement of the vehicles simulated on the same calls (common random numbers), with 95% intervals.

    The same seeds give every fleet the same calls, so the differences between
    fleets are measured with far less noise than their levels.

    Parameters
    ----------
    system
        The steady system (population arrivals) the fleets answer.
    fleets
        Each placement of the vehicles.
    threshold_s
        The standard.
    replications, seed
        Replication ``r`` draws from ``numpy.random.default_rng([seed, r])``.

    Returns
    -------
    list of dict
        Per fleet: share within, mean response, queued share, mean utilisation and calls, each with its interval.
    """
    per: list[list[RunSummary]] = [[] for _ in fleets]
    for r in range(replications):
        rng = np.random.default_rng([seed, r])
        calls, _ = make_calls(system, rng, arrivals="population")
        for i, fleet in enumerate(fleets):
            run = simulate(calls, fleet, system.travel, period_s=system.period_s)
            per[i].append(summarise_run(run, first_thresholds_s=(threshold_s,), second_thresholds_s=()))
    return [{"share_within": mean_ci([s.first_within[threshold_s] for s in runs]),
             "mean_s": mean_ci([s.first_mean_s for s in runs]),
             "queued_share": mean_ci([s.queued_share for s in runs]),
             "mean_utilisation": mean_ci([float(np.mean(s.utilisation)) for s in runs]),
             "calls": mean_ci([s.calls for s in runs])} for runs in per]
