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
from bluelight.analysis.hypercube import approximate_hypercube, preference_order
from bluelight.analysis.simulation import Calls, Fleet, LogNormal, Travel, simulate, summarise_run

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
    """The same rules, written the usual SimPy way: a process per call and per job, a set of free vehicles."""
    import simpy

    env = simpy.Environment()
    cost = travel.drive_s[:, fleet.station] + travel.turnout_s[0][fleet.station][None, :]
    free = set(range(fleet.n_vehicles))
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
            free.add(v)

    def arrivals():
        for c in range(calls.n_calls):
            yield env.timeout(calls.time_s[c] - env.now)
            for k in range(calls.need[c]):
                if free:
                    z = calls.zone[c]
                    v = min(free, key=lambda u: (cost[z, u], u))
                    free.discard(v)
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
    rec = compare(f"availability: one year, {calls:,} calls, {f.n_vehicles} pumps", run_ours, "SimPy 4 (same rules)",
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
