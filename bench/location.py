"""Location models: ours (HiGHS via highspy) against spopt with HiGHS (via pulp) on the same instance.

Each solver runs in a fresh process, so that its time and its peak resident
memory (native HiGHS memory included, which tracemalloc cannot see) are its
own: memory is the peak resident set above the process's baseline after the
instance is built (the high-water mark is reset first where Linux allows, so
that imports do not hide the solve).
"""

from __future__ import annotations

import multiprocessing
import resource
import time

import numpy as np

from bench.harness import Record


def instance(n_demand: int, n_cand: int, *, seed: int = 0, speed_mps: float = 12.0):
    """Clustered demand and candidate points in a 30 km square; straight-line times at ``speed_mps``."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(0, 30_000, size=(12, 2))
    pick = rng.integers(0, len(centres), n_demand)
    demand = centres[pick] + rng.normal(0, 2_500, size=(n_demand, 2))
    cand = rng.uniform(0, 30_000, size=(n_cand, 2))
    times = np.hypot(demand[:, None, 0] - cand[None, :, 0], demand[:, None, 1] - cand[None, :, 1]) / speed_mps
    weight = rng.integers(1, 100, n_demand).astype(float)
    return times, weight


def _status_kb(field: str) -> float | None:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return float(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak() -> float:
    """Reset the resident-set high-water mark where Linux allows it; return the baseline (kB)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
        return _status_kb("VmRSS") or 0.0
    except OSError:
        return float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _peak_kb() -> float:
    return _status_kb("VmHWM") or float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _solve(model: str, who: str, n_demand: int, n_cand: int, k: int, threshold_s: float) -> dict:
    """Build the instance, then build and solve one model; return objective, time and peak memory."""
    times, weight = instance(n_demand, n_cand)
    base_kb = _reset_peak()
    t0 = time.perf_counter()
    if who == "ours":
        from bluelight.analysis.location_models import coverage_matrix, mclp, pmedian
        r = mclp(coverage_matrix(times, threshold_s), weight, k) if model == "mclp" else pmedian(times, weight, k)
        out = {"objective": r.objective, "status": r.status, "gap": r.mip_gap, "rows": r.n_demand_rows}
    else:
        import pulp
        from spopt.locate import MCLP, PMedian
        solver = pulp.HiGHS(msg=False)
        m = MCLP.from_cost_matrix(times, weight, threshold_s, k).solve(solver) if model == "mclp" else \
            PMedian.from_cost_matrix(times, weight, k).solve(solver)
        out = {"objective": pulp.value(m.problem.objective), "status": pulp.LpStatus[m.problem.status]}
    out["seconds"] = time.perf_counter() - t0
    out["peak_mb"] = max(0.0, _peak_kb() - base_kb) / 1024
    return out


def _child(queue, *args) -> None:
    queue.put(_solve(*args))


def _in_process(*args) -> dict:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(queue, *args))
    proc.start()
    out = queue.get()
    proc.join()
    return out


def versus_spopt(model: str, n_demand: int, n_cand: int, k: int, *, threshold_s: float = 480.0,
                 with_peer: bool = True) -> Record:
    """One record: our ``model`` ("mclp" or "pmedian") and, if ``with_peer``, spopt's on the same instance."""
    label = {"mclp": "MCLP", "pmedian": "p-median"}[model]
    ours = _in_process(model, "ours", n_demand, n_cand, k, threshold_s)
    note = f"ours {ours['objective']:.0f} ({ours['status']}, gap {ours['gap']:.1e}, {ours['rows']} model rows)"
    peer = None
    if with_peer:
        peer = _in_process(model, "peer", n_demand, n_cand, k, threshold_s)
        same = bool(np.isclose(ours["objective"], peer["objective"], rtol=1e-6))
        note += f", spopt {peer['objective']:.0f} ({peer['status']}): {'same optimum' if same else 'DIFFERENT'}"
    note += "; each solver in its own process; memory = peak resident set above baseline"
    return Record(f"{label} {n_demand} x {n_cand}, k={k} (build + solve)", ours["seconds"],
                  "spopt with HiGHS (pulp)" if with_peer else "none (ours alone)",
                  peer["seconds"] if peer else None, peer["seconds"] / ours["seconds"] if peer else None,
                  n_demand, ours["peak_mb"], peer["peak_mb"] if peer else None, note)


def _limited(n_nodes: int, p: int, limit_s: float) -> dict:
    times, weight = instance(n_nodes, n_nodes, seed=7)
    np.fill_diagonal(times, 0.0)                 # every node is a candidate, as in the OR-Library p-median sets
    base_kb = _reset_peak()
    from bluelight.analysis.location_models import pmedian

    t0 = time.perf_counter()
    r = pmedian(times, weight, p, time_limit_s=limit_s)
    seconds = time.perf_counter() - t0
    true = float((weight * times[:, r.chosen].min(axis=1)).sum())
    return {"seconds": seconds, "status": r.status, "gap": r.mip_gap, "posts": len(r.chosen),
            "objective": r.objective, "recomputed": true, "bound": r.bound,
            "peak_mb": max(0.0, _peak_kb() - base_kb) / 1024}


def _limited_child(queue, *args) -> None:
    queue.put(_limited(*args))


def time_limited_pmedian(n_nodes: int = 900, p: int = 10, *, limit_s: float = 10.0) -> Record:
    """A p-median stopped by its budget: elapsed against the budget, the posts, objective and gap it returns."""
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_limited_child, args=(queue, n_nodes, p, limit_s))
    proc.start()
    out = queue.get()
    proc.join()
    gap = "unknown" if out["gap"] != out["gap"] else f"{out['gap']:.2%}"
    note = (f"{out['posts']} posts (asked {p}); status {out['status']}; objective {out['objective']:.0f} "
            f"(recomputed from the posts {out['recomputed']:.0f}), bound {out['bound'] or float('nan'):.0f}, gap {gap};"
            f" budget {limit_s:g} s for the whole solve, elapsed {out['seconds']:.2f} s")
    return Record(f"p-median {n_nodes} nodes, p={p}, time-limited ({limit_s:g} s budget)", out["seconds"],
                  "its own time budget", limit_s, limit_s / out["seconds"], n_nodes, out["peak_mb"], None, note)
