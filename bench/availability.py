"""The availability simulation against a straightforward SimPy model of the same rules, and the hypercube's speed.

A London-scale synthetic fire service: 100 stations with 150 pumps in a 40 km
square, 5,000 demand zones, a year of about 100,000 calls (three in ten
needing two pumps), log-normal time at the scene. Both simulators get the same
calls, the same travel matrix and the same dispatch rule (fastest free pump,
else wait for the first to clear, first come first served), so their statistics
must agree; the ratio is SimPy's time over ours.
"""

from __future__ import annotations

import time
from collections import deque

import numpy as np

from bench.harness import Record, compare
from bluelight.analysis.durations import LogNormal
from bluelight.analysis.hypercube import approximate_hypercube, preference_order
from bluelight.analysis.simulation import Calls, Fleet, Travel, simulate, summarise_run

YEAR_S = 365.0 * 86400


def instance(*, n_stations=100, n_vehicles=150, n_zones=5000, calls=100_000, seed=0, two_pump_share=0.3):
    rng = np.random.default_rng(seed)
    st = rng.uniform(0, 40_000, (n_stations, 2))
    zones = rng.normal(20_000, 8_000, (n_zones, 2)).clip(0, 40_000)
    drive = 1.3 * np.hypot(zones[:, None, 0] - st[None, :, 0], zones[:, None, 1] - st[None, :, 1]) / 10.0
    station = np.concatenate([np.arange(n_stations), rng.choice(n_stations, n_vehicles - n_stations, replace=False)])
    t = np.sort(rng.uniform(0, YEAR_S, calls))
    need = np.where(rng.random(calls) < two_pump_share, 2, 1)
    scene = LogNormal(13 * 60.0, 0.95).draw(rng, calls * 2).reshape(calls, 2)
    return Calls(t, rng.integers(0, n_zones, calls), need, scene), Fleet(station), Travel(drive, np.full(n_stations, 60.0))


def simpy_run(calls: Calls, fleet: Fleet, travel: Travel):
    """The same rules, written the usual SimPy way: a process per call and per job, a set of free vehicles.

    Dispatch as ours: each zone's vehicles in order of turnout + drive (built when the zone is first called, as
    ours builds them), the first free one taken; a request with none free waits for the first to clear.
    """
    import simpy

    env = simpy.Environment()
    cost = travel.drive_s[:, fleet.station] + travel.turnout_s[0][fleet.station][None, :]
    free = [True] * fleet.n_vehicles
    prefs: dict[int, list[int]] = {}
    waiting: deque = deque()
    response = {}
    busy = np.zeros(fleet.n_vehicles)

    def job(v, call, k, start):
        z = calls.zone[call]
        out = cost[z, v]
        response[(call, k)] = start - calls.time_s[call] + out
        dur = out + calls.on_scene_s[call, k] + travel.drive_s[z, fleet.station[v]]
        busy[v] += dur
        yield env.timeout(dur)
        if waiting:
            c2, k2 = waiting.popleft()
            env.process(job(v, c2, k2, env.now))
        else:
            free[v] = True

    def first_free(z):
        order = prefs.get(z)
        if order is None:
            order = prefs[z] = np.argsort(cost[z], kind="stable").tolist()
        for v in order:
            if free[v]:
                return v
        return -1

    def arrivals():
        for c in range(calls.n_calls):
            yield env.timeout(calls.time_s[c] - env.now)
            for k in range(calls.need[c]):
                v = first_free(calls.zone[c])
                if v >= 0:
                    free[v] = False
                    env.process(job(v, c, k, env.now))
                else:
                    waiting.append((c, k))

    env.process(arrivals())
    env.run()
    first = np.array([response[(c, 0)] for c in range(calls.n_calls)])
    return float(np.mean(first <= 360.0)), float(busy.sum() / (fleet.n_vehicles * YEAR_S))


def versus_simpy(*, calls: int = 100_000) -> Record:
    c, f, tr = instance(calls=calls)
    ours = {}

    def run_ours():
        run = simulate(c, f, tr, period_s=YEAR_S)
        s = summarise_run(run, first_thresholds_s=(360.0,))
        ours["within"], ours["util"] = s.first_within[360.0], float(run.busy_s.sum() / (f.n_vehicles * YEAR_S))
    peer = {}

    def run_peer():
        peer["within"], peer["util"] = simpy_run(c, f, tr)
    rec = compare(f"availability: one year, {calls:,} calls, {f.n_vehicles} pumps", run_ours,
                  "SimPy 4 (same rules: per-zone preference list, first free)",
                  run_peer, n=calls, repeat=1, peer_repeat=1)
    rec.notes = (f"first pump within 6 min {100 * ours['within']:.2f}% (ours) vs {100 * peer['within']:.2f}% "
                 f"(SimPy); utilisation {100 * ours['util']:.2f}% vs {100 * peer['util']:.2f}% "
                 "(committed vehicle time over the year's vehicle time)")
    return rec


def hypercube(*, n_units: int = 100, n_zones: int = 5000) -> Record:
    """The approximate hypercube on 100 units and 5,000 zones, and its utilisations against the simulation's."""
    c, f, tr = instance(n_stations=n_units, n_vehicles=n_units, n_zones=n_zones, calls=60_000, two_pump_share=0.0)
    rates = np.bincount(c.zone, minlength=n_zones) / YEAR_S
    cost = tr.drive_s + 60.0
    service = 60.0 + 2 * tr.drive_s + LogNormal(13 * 60.0, 0.95).mean_s
    out = {}

    def run():
        out["r"] = approximate_hypercube(rates, preference_order(cost), service_s=service)
    t0 = time.perf_counter()
    run_sim = simulate(c, f, tr, period_s=YEAR_S)
    sim_s = time.perf_counter() - t0
    rec = compare(f"hypercube: {n_units} units, {n_zones:,} zones", run, "availability simulation (same system)",
                  None, n=n_zones, repeat=3)
    hc = out["r"]
    util_sim = run_sim.busy_s / YEAR_S
    rec.notes = (f"{hc.iterations} iterations; mean utilisation {100 * hc.utilisation.mean():.2f}% vs simulated "
                 f"{100 * util_sim.mean():.2f}%; mean abs difference per unit {100 * np.abs(hc.utilisation - util_sim).mean():.2f}"
                 f" points; the simulation took {sim_s:.2f} s")
    return rec


def replay_system(*, incidents: int = 100_000, seed: int = 3):
    """A year of incidents as a warehouse would hold them (times, places, pumps sent, minutes at the scene), built
    into the simulation's system for the London-scale instance."""
    import pandas as pd

    from bluelight.analysis.replications import System

    calls, fleet, travel = instance(calls=incidents, seed=seed)
    inc = pd.DataFrame({"zone": calls.zone, "offset_s": calls.time_s, "need": calls.need,
                        "scene_exact_s": calls.on_scene_s[:, 0], "scene_max_s": np.inf, "vehicles_sent": calls.need,
                        "station_ground": None, "first_site_id": None})
    zones = pd.DataFrame({"zone": np.arange(travel.drive_s.shape[0])})
    n = travel.n_stations
    stations = pd.DataFrame({"site_id": [f"s{i}" for i in range(n)], "name": [f"S{i}" for i in range(n)],
                             "vehicles": np.bincount(fleet.station, minlength=n)})
    turnout = np.broadcast_to(travel.turnout_s, (24, n)).copy()
    return System(stations, fleet, Travel(travel.drive_s, turnout), inc, zones, pd.Timestamp("2024-01-01"), YEAR_S,
                  LogNormal(13 * 60.0, 0.95), "bench", 1.0, None)


def replay(*, incidents: int = 100_000) -> Record:
    """Replaying a year of loaded incidents (calls built from the records, then dispatched), against SimPy
    replaying the same calls under the same rules; the rate in incidents a second is the figure a sweep needs."""
    from bluelight.analysis.replications import make_calls

    system = replay_system(incidents=incidents)
    ours, peer = {}, {}

    def run_ours():
        calls, _ = make_calls(system, np.random.default_rng(0), arrivals="replay")
        run = simulate(calls, system.fleet, system.travel, period_s=YEAR_S)
        ours["calls"] = calls
        ours["within"] = summarise_run(run, first_thresholds_s=(360.0,)).first_within[360.0]

    run_ours()
    same = ours["calls"]
    one_turnout = Travel(system.travel.drive_s, system.travel.turnout_s[0])

    def run_peer():
        peer["within"], _ = simpy_run(same, system.fleet, one_turnout)
    rec = compare(f"replay: a year of {incidents:,} incidents, {system.fleet.n_vehicles} pumps", run_ours,
                  "SimPy 4 replaying the same calls (same rules)", run_peer, n=incidents, repeat=3, peer_repeat=1)
    rec.notes = (f"{incidents / rec.ours_s:,.0f} incidents/s replayed (calls built from the records inside the "
                 f"timer); first pump within 6 min {100 * ours['within']:.2f}% (ours) vs {100 * peer['within']:.2f}% "
                 "(SimPy)")
    return rec


def closure_sweep(*, incidents: int = 100_000, stations: int = 20) -> Record:
    """Every one of ``stations`` stations closed in turn over a year of replayed incidents (one replication each),
    against the same sweep run closure by closure through SimPy."""
    from bluelight.analysis.sweep import Variant, run_variant, variant_system

    system = replay_system(incidents=incidents)
    ids = system.stations["site_id"].tolist()[:stations]
    per = system.fleet.n_vehicles / len(system.stations)
    ours, peer = {}, {}

    def run_ours():
        ours["mean"] = [run_variant(system, Variant(i, closed=(i,)), base_per_station=per, threshold_s=360.0,
                                    replications=1, seed=0, arrivals="replay")["first_within"][0] for i in ids]

    def run_peer():
        from bluelight.analysis.replications import make_calls

        out = []
        for i in ids:
            sub = variant_system(system, Variant(i, closed=(i,)), base_per_station=per)
            calls, _ = make_calls(sub, np.random.default_rng([0, 0]), arrivals="replay")
            out.append(simpy_run(calls, sub.fleet, Travel(sub.travel.drive_s, sub.travel.turnout_s[0]))[0])
        peer["mean"] = out
    rec = compare(f"closure sweep: {stations} stations closed in turn, {incidents:,} incidents each", run_ours,
                  "SimPy 4, closure by closure (same calls and rules)", run_peer, n=stations * incidents, repeat=1,
                  peer_repeat=1)
    gap = max(abs(a - b) for a, b in zip(ours["mean"], peer["mean"]))
    rec.notes = (f"{stations * incidents / rec.ours_s:,.0f} incidents/s across the sweep; largest difference in "
                 f"the share within 6 min between ours and SimPy over the closures {100 * gap:.3f} points")
    return rec
