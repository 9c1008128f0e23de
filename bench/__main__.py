"""``python -m bench``: run the benchmarks, write bench/results/latest.json, print a table."""

from __future__ import annotations

import argparse
import json
import logging
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from bench import availability, dashboard, location, scale, serving, travel
from bluelight.foundation.environment import configured_data_dir

RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"


def run(*, synthetic_nodes: int, quick: bool) -> list[dict]:
    records = []
    source = configured_data_dir()
    if source is not None and (source.path / "london").is_dir():
        net, geoms = travel.london_network(source.path)
        G = travel.to_networkx(net)
        rng = np.random.default_rng(1)
        sites = rng.choice(net.n_nodes, 40, replace=False)
        records += travel.nearest_field(net, G, sites, f"London, {net.n_nodes} nodes")
        records += travel.per_site(net, G, sites, 600.0, "London", peer_sites=10)
        records += travel.isochrones(net, geoms, G, sites[: 3 if quick else 10], [300.0, 480.0, 600.0])
        del G
        records.append(travel.junctions(source.path))
        records.append(travel.turns(source.path))
        demo = dashboard.demo_warehouse(source.path)
        records += dashboard.interactions(demo, n=10 if quick else 40)
        records += dashboard.national(demo, source.path, years=2 if quick else 4)
        records += serving.records(demo, quick=quick)
    else:
        logging.warning("no real data directory: London benchmarks skipped")
    big = travel.synthetic_network(synthetic_nodes)
    G = travel.to_networkx(big)
    rng = np.random.default_rng(2)
    sites = rng.choice(big.n_nodes, 500, replace=False)
    records += travel.nearest_field(big, G, sites[:200], f"synthetic, {big.n_nodes} nodes")
    records += (travel.per_site(big, G, sites[: 100 if quick else 500], 600.0, f"synthetic {big.n_nodes} nodes",
                                   peer_sites=3 if quick else 10))
    del G
    demand = np.random.default_rng(3).choice(big.n_nodes, 500 if quick else 5000, replace=False)
    records += travel.matrix(big, sites[: 50 if quick else 300], demand, 1200.0, f"synthetic {big.n_nodes} nodes")
    records += travel.scenario(big, 500, 10_000 if quick else 100_000, 900.0)
    records.append(location.versus_spopt("mclp", *((1000, 100, 10) if quick else (5000, 300, 20))))
    records.append(location.versus_spopt("pmedian", *((500, 60, 5) if quick else (2000, 150, 10))))
    records.append(location.time_limited_pmedian(900, 10, limit_s=3.0 if quick else 10.0))
    if not quick:        # the size of OR-Library pmed36 (its file is not in the offline data): the budget kept?
        records.append(location.time_limited_pmedian(800, 5, limit_s=30.0))
    if not quick:
        records.append(location.versus_spopt("pmedian", 5000, 300, 20, with_peer=False))
    records += scale.records(quick=quick)
    records.append(scale.road_load_vs_duckdb(30_000 if quick else 300_000))
    records.append(availability.versus_simpy(calls=20_000 if quick else 100_000))
    records.append(availability.hypercube())
    records.append(availability.replay(incidents=20_000 if quick else 100_000))
    records.append(availability.closure_sweep(incidents=20_000 if quick else 100_000, stations=5 if quick else 20))
    return [r.as_dict() for r in records]


def table(records: list[dict]) -> str:
    lines = [f"{'benchmark':<58} {'ours s':>9} {'peer s':>9} {'ratio':>8} {'peak MB':>8}  peer"]
    for r in records:
        peer_s = f"{r['peer_s']:.4f}" if r["peer_s"] is not None else "-"
        ratio = f"{r['ratio']:.1f}x" if r["ratio"] is not None else "-"
        lines.append(f"{r['name'][:58]:<58} {r['ours_s']:>9.4f} {peer_s:>9} {ratio:>8} {r['peak_mb']:>8.1f}  "
                     f"{r['peer']}")
        if r["notes"]:
            lines.append(f"    {r['notes']}")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--synthetic-nodes", type=int, default=200_000)
    parser.add_argument("--quick", action="store_true", help="Smaller instances (for a smoke run).")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    records = run(synthetic_nodes=args.synthetic_nodes, quick=args.quick)
    doc = {"created": datetime.now(UTC).isoformat(timespec="seconds"), "python": platform.python_version(),
           "machine": platform.machine(), "records": records}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=2))
    sys.stdout.write(table(records) + f"\n\nwritten to {args.out}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
