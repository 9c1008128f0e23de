"""Location models: ours (HiGHS, merged coverage patterns) against spopt with HiGHS on the same instance."""

from __future__ import annotations

import numpy as np

from analysis.location_models import coverage_matrix, mclp
from bench.harness import Record, compare


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


def mclp_vs_spopt(n_demand: int = 5000, n_cand: int = 300, k: int = 20, threshold_s: float = 480.0) -> Record:
    import pulp
    from spopt.locate import MCLP

    times, weight = instance(n_demand, n_cand)
    got = {}

    def ours():
        got["ours"] = mclp(coverage_matrix(times, threshold_s), weight, k)

    def peer():
        model = MCLP.from_cost_matrix(times, weight, threshold_s, k).solve(pulp.HiGHS(msg=False))
        got["peer"] = pulp.value(model.problem.objective)

    rec = compare(f"MCLP {n_demand} x {n_cand}, k={k} (build + solve)", ours, "spopt MCLP with HiGHS (pulp)", peer,
                  n=n_demand, repeat=1)
    same = bool(np.isclose(got["ours"].objective, got["peer"], rtol=1e-9))
    rec.notes = (f"objective ours {got['ours'].objective:.0f} ({got['ours'].status}, gap {got['ours'].mip_gap:.1e}),"
                 f" spopt {got['peer']:.0f}: {'same optimum' if same else 'DIFFERENT'}; "
                 f"{got['ours'].n_demand_rows} merged demand rows")
    return rec
