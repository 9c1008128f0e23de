"""Sweeps: one system run under many variants on the same calls (common random numbers).

A sweep asks the same question of many estates at once: every station
closed in turn, every co-location, a grid of parameters. Each variant is a
:class:`Variant` of a built :class:`~bluelight.analysis.replications.System`
(stations kept, vehicles per station, a turnout change, a demand growth);
:func:`run_variant` replays replication ``r`` of seed ``s`` for it, drawing
exactly the calls that ``bluelight simulate`` draws for the same seed, so a
variant's figures equal a simulation of the changed estate and differences
between variants are measured on the same calls, not on noise. Pure: arrays
and frames in, figures out; the services build the system and schedule the
variants (serially or on a Dask cluster).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from bluelight.analysis.replications import System, allocate_vehicles, make_calls, mean_ci
from bluelight.analysis.simulation import DAY_S, Fleet, Travel, simulate, summarise_run
from bluelight.foundation.errors import AnalysisError


@dataclass(frozen=True)
class Variant:
    """One estate and set of parameters to run the system's calls through.

    ``closed``: site ids of the system's stations taken out (their vehicles
    with them; the fleet is re-allocated over the stations left, as a
    simulation of the changed estate allocates it); ``opened``: site ids of
    candidate stations brought in (a system's stations with ``candidate`` true
    are out unless a variant opens them: a co-location is the moving site
    closed and its copy at the host opened); ``vehicles_per_station``:
    the average to allocate (None: as the system was built); ``turnout_add_s``:
    seconds added to every station's turnout; ``demand_growth``: the share by
    which calls grow (0.1: ten per cent more calls, drawn at the higher rate).
    """

    key: str
    closed: tuple[str, ...] = ()
    opened: tuple[str, ...] = ()
    vehicles_per_station: float | None = None
    turnout_add_s: float = 0.0
    demand_growth: float = 0.0


def first_loads(drive_s: np.ndarray, zone: np.ndarray, weight: np.ndarray | None = None) -> np.ndarray:
    """Per station, the demand (incidents, or their weights) to which it is the nearest by drive.

    Parameters
    ----------
    drive_s
        Drive times, zones by stations (``inf`` where unreached).
    zone
        Each incident's zone (a row of ``drive_s``).
    weight
        Each incident's weight (None: one each).

    Returns
    -------
    numpy.ndarray
        Per station, the weight of the incidents it is nearest to.

    Examples
    --------
    >>> first_loads(np.array([[60.0, 120.0], [300.0, 90.0]]), np.array([0, 0, 1])).tolist()
    [2.0, 1.0]
    """
    nearest = np.argmin(np.where(np.isfinite(drive_s), drive_s, np.inf)[zone], axis=1)
    return np.bincount(nearest, weights=weight, minlength=drive_s.shape[1]).astype(float)


def variant_system(system: System, variant: Variant, *, base_per_station: float) -> System:
    """The system with the variant's stations closed, its fleet re-allocated and its turnout and demand changed.

    ``base_per_station`` is the average the system was built with (the
    request's or the settings'); vehicles are allocated by
    :func:`~bluelight.analysis.replications.allocate_vehicles` over the stations
    left, to the stations first to the most demand, as building the changed
    estate afresh would.

    Parameters
    ----------
    system
        The built system (candidate stations, if any, marked in ``stations["candidate"]``).
    variant
        The stations to close and open and the parameters to change.
    base_per_station
        Vehicles per station when the variant does not say.

    Returns
    -------
    System
        The changed system; its calls are drawn as the original's are.

    Raises
    ------
    AnalysisError
        A station not in the system, every station closed, a negative turnout or growth of -100% or less.
    """
    ids = system.stations["site_id"].to_numpy()
    candidate = system.stations["candidate"].to_numpy(bool) if "candidate" in system.stations.columns \
        else np.zeros(len(ids), dtype=bool)
    unknown = sorted(set(variant.closed) - set(ids[~candidate].tolist())) + \
        sorted(set(variant.opened) - set(ids[candidate].tolist()))
    if unknown:
        raise AnalysisError(f"variant {variant.key!r}: no station {', '.join(unknown)} among the simulated stations")
    if variant.demand_growth <= -1:
        raise AnalysisError(f"variant {variant.key!r}: demand growth must be above -100%, got "
                            f"{100 * variant.demand_growth:g}%")
    keep = ~np.isin(ids, list(variant.closed)) & (~candidate | np.isin(ids, list(variant.opened)))
    if not keep.any():
        raise AnalysisError(f"variant {variant.key!r} closes every station: there is nothing left to respond")
    tr = system.travel
    drive = tr.drive_s[:, keep]
    turnout = tr.turnout_s[:, keep] + float(variant.turnout_add_s)
    if turnout.size and turnout.min() < 0:
        raise AnalysisError(f"variant {variant.key!r}: a turnout change of {variant.turnout_add_s:g} s leaves a "
                            f"station a negative turnout")
    return_s = None if tr.return_s is None else tr.return_s[:, keep]
    inc = system.incidents
    weight = inc["rate_per_year"].to_numpy(float) if "rate_per_year" in inc.columns else None
    per = base_per_station if variant.vehicles_per_station is None else float(variant.vehicles_per_station)
    counts = allocate_vehicles(first_loads(drive, inc["zone"].to_numpy(), weight), per)
    stations = system.stations[keep].reset_index(drop=True).assign(vehicles=counts)
    out = replace(system, stations=stations, fleet=Fleet(np.repeat(np.arange(len(stations)), counts)),
                  travel=Travel(drive, turnout, return_s=return_s))
    if variant.demand_growth:
        if "rate_per_year" in inc.columns:
            out = replace(out, incidents=inc.assign(rate_per_year=inc["rate_per_year"] * (1 + variant.demand_growth)))
        else:
            out = replace(out, sample_share=system.sample_share / (1 + variant.demand_growth))
    return out


def run_variant(system: System, variant: Variant, *, base_per_station: float, threshold_s: float, replications: int,
                seed: int, arrivals: str) -> dict[str, Any]:
    """Each replication of one variant: calls, first within the standard, mean first response, first calls by site.

    Replication ``r`` draws its calls from ``numpy.random.default_rng([seed, r])``
    as :func:`~bluelight.analysis.replications.run_replications` does, so the
    figures equal a simulation of the changed estate with the same seed.

    Parameters
    ----------
    system
        The baseline system (every station open).
    variant
        What to change.
    base_per_station
        Vehicles per station the baseline was built with.
    threshold_s
        The first vehicle's standard.
    replications, seed, arrivals
        As for :func:`~bluelight.analysis.replications.run_replications`.

    Returns
    -------
    dict
        ``key``; per replication lists ``calls``, ``first_within``, ``first_mean_s``, ``beyond`` (calls whose
        first vehicle arrived after the standard, or never); ``first_calls`` (per site id, calls it answered
        first, summed over replications); ``years`` (the period in years) and ``vehicles``.
    """
    if arrivals == "replay" and variant.demand_growth:
        raise AnalysisError(f"variant {variant.key!r}: replayed incidents happened as they did and cannot grow; "
                            f"use resampled arrivals for demand growth")
    sub = variant_system(system, variant, base_per_station=base_per_station)
    calls_n, within, mean_s, beyond = [], [], [], []
    ids = sub.stations["site_id"].to_numpy()
    first_calls = np.zeros(len(ids))
    for r in range(replications):
        calls, _ = make_calls(sub, np.random.default_rng([seed, r]), arrivals=arrivals)
        run = simulate(calls, sub.fleet, sub.travel, period_s=sub.period_s)
        s = summarise_run(run, first_thresholds_s=(float(threshold_s),), second_thresholds_s=())
        calls_n.append(s.calls)
        within.append(s.first_within[float(threshold_s)])
        mean_s.append(s.first_mean_s)
        beyond.append(s.calls * (1.0 - s.first_within[float(threshold_s)]))
        station = run.station[run.first()]
        first_calls += np.bincount(station[station >= 0], minlength=len(ids))
    return {"key": variant.key, "calls": calls_n, "first_within": within, "first_mean_s": mean_s, "beyond": beyond,
            "first_calls": dict(zip(ids.tolist(), first_calls.tolist())),
            "years": sub.period_s / (365.25 * DAY_S), "vehicles": int(sub.fleet.n_vehicles)}


def paired_change(before: dict[str, Any], after: dict[str, Any], *, key: str) -> dict[str, Any]:
    """The mean change of figure ``key`` from ``before`` to ``after``, replication by replication, with its interval.

    Both runs used the same calls in each replication, so the interval is that
    of the paired differences, far narrower than the levels' intervals.

    Parameters
    ----------
    before, after
        :func:`run_variant` results of the same replications.
    key
        The per-replication figure (``first_mean_s``, ``beyond``...).

    Returns
    -------
    dict
        ``{"mean", "ci95"}`` of after minus before.

    Examples
    --------
    >>> paired_change({"m": [300.0, 310.0]}, {"m": [330.0, 338.0]}, key="m")["mean"]
    29.0
    """
    a = np.asarray(before[key], float)
    b = np.asarray(after[key], float)
    if len(a) != len(b):
        raise AnalysisError(f"paired change of {key}: {len(a)} replications before, {len(b)} after")
    return mean_ci((b - a).tolist())


def spearman(x: np.ndarray, y: np.ndarray) -> float | None:
    """Spearman's rank correlation (average ranks for ties); None with fewer than three pairs or no spread.

    Parameters
    ----------
    x, y
        Paired values (pairs with a non-finite value are left out).

    Returns
    -------
    float or None
        The correlation, from -1 to 1.

    Examples
    --------
    >>> round(spearman(np.array([1.0, 2, 3, 4]), np.array([10.0, 30, 20, 40])), 9)
    0.8
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 3:
        return None
    rx, ry = _ranks(x[ok]), _ranks(y[ok])
    if rx.std() == 0 or ry.std() == 0:
        return None
    return float(np.corrcoef(rx, ry)[0, 1])


def _ranks(v: np.ndarray) -> np.ndarray:
    order = np.argsort(v, kind="stable")
    ranks = np.empty(len(v))
    ranks[order] = np.arange(1, len(v) + 1)
    for value in np.unique(v):
        tie = v == value
        ranks[tie] = ranks[tie].mean()
    return ranks
