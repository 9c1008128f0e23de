"""Running tasks (services.cluster): in order, with what they share and their progress, whatever the scheduler."""

from __future__ import annotations

from bluelight.services.cluster import run_tasks


def _scaled(shared: int, task: int) -> int:
    return shared * task


def test_serial_tasks_come_back_in_order_with_what_they_share_and_progress():
    seen = []
    ran = run_tasks(_scaled, [3, 1, 2], scheduler="serial", shared=10, progress=lambda d, t: seen.append((d, t)))
    assert ran.results == [30, 10, 20] and ran.workers == 1 and seen == [(1, 3), (2, 3), (3, 3)]
    assert run_tasks(abs, [-2, 5], scheduler="serial").results == [2, 5]
