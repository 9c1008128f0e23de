"""The production server under a bounded load: signed-in clients at once, no errors, memory within the caches.

Speed is measured by ``make bench`` (bench/serving.py, 20 clients x 50 requests); this runs a smaller load
for correctness only: every request answered, nothing refused, no worker lost, and the server's memory growth
within the caches' limits.
"""

from __future__ import annotations

import pytest

from bench.serving import run_load
from bluelight.dashboard.serve import WORKERS
from bluelight.foundation.environment import session_cache_bytes, travel_cache_bytes

pytestmark = pytest.mark.integration


def test_twenty_signed_in_clients_get_every_answer_within_the_memory_limits(demo_warehouse):
    r = run_load(demo_warehouse, clients=20, per_client=6, time_cap_s=600)
    assert r.errors == [], r.server_log
    assert r.workers_replaced == 0, r.server_log
    assert len(r.times_s["coverage"]) == len(r.times_s["cheap"]) == 60 and r.distinct_inputs == 60
    limit_mb = WORKERS * (session_cache_bytes() + travel_cache_bytes()) / 2 ** 20
    assert r.rss_after_mb - r.rss_before_mb < limit_mb
