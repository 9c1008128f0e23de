"""Timing and memory of one callable, and the record format of ``bench/results/latest.json``."""

from __future__ import annotations

import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import asdict, dataclass


@dataclass
class Record:
    """One comparison. ``ratio`` = peer_s / ours_s (above 1: ours is faster)."""

    name: str
    ours_s: float
    peer: str
    peer_s: float | None
    ratio: float | None
    n: int
    peak_mb: float
    peer_peak_mb: float | None
    notes: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def measure(fn: Callable[[], object], *, repeat: int = 3) -> tuple[float, float]:
    """Median wall time (s) over ``repeat`` runs and peak traced memory (MB) of one run."""
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), peak / 1e6


def compare(name: str, ours: Callable, peer_name: str, peer: Callable | None, *, n: int, repeat: int = 3,
            peer_repeat: int | None = None, notes: str = "") -> Record:
    ours_s, ours_mb = measure(ours, repeat=repeat)
    if peer is None:
        return Record(name, ours_s, peer_name, None, None, n, ours_mb, None, notes)
    peer_s, peer_mb = measure(peer, repeat=peer_repeat or repeat)
    return Record(name, ours_s, peer_name, peer_s, peer_s / ours_s if ours_s > 0 else None, n, ours_mb, peer_mb, notes)
