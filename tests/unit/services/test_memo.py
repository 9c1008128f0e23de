"""services.memo, the session's memo: bounded in entries and bytes, and each key computed once however many ask at once."""

import threading
import time

import numpy as np
import pandas as pd

from bluelight.services.memo import BoundedMemo, approx_bytes


def test_sizes_count_the_buffers():
    a = np.zeros(1000)
    assert 8000 <= approx_bytes(a) < 8300
    frame = pd.DataFrame({"x": np.zeros(1000), "y": np.zeros(1000, dtype=np.int64)})
    assert 16000 <= approx_bytes(frame) < 17000
    assert approx_bytes({"k": [a, a]}) >= 16000


def test_a_long_container_is_sized_from_an_even_sample():
    import sys

    records = [{"name": f"area {i}", "values": [float(i)] * (1 + i % 7)} for i in range(20_000)]
    walked = sum(approx_bytes(r, 1) for r in records)                # every record, one by one
    sampled = approx_bytes(records) - sys.getsizeof(records)
    assert sampled != walked and abs(sampled - walked) < 0.05 * walked   # estimated, within 5% of the walk
    short = records[:100]                                            # a short list is walked item by item
    assert approx_bytes(short) == sys.getsizeof(short) + sum(approx_bytes(r, 1) for r in short)


def test_entries_and_bytes_are_both_bounded():
    memo = BoundedMemo(max_entries=10, max_bytes=50_000)
    for i in range(20):
        memo.get(i, lambda: np.zeros(1000))          # 8 kB each: six fit in 50 kB
    assert len(memo) == 6 and memo.bytes <= 50_000
    memo.get("huge", lambda: np.zeros(100_000))      # larger than the budget: returned, not kept
    assert "huge" not in memo._data and memo.bytes <= 50_000
    small = BoundedMemo(max_entries=3, max_bytes=10 ** 9)
    for i in range(5):
        small.get(i, lambda i=i: i)
    assert list(small._data) == [2, 3, 4]


def test_concurrent_requests_for_one_key_compute_it_once():
    memo = BoundedMemo(max_entries=10, max_bytes=10 ** 6)
    calls = []

    def build():
        calls.append(1)
        time.sleep(0.2)
        return "answer"
    out = []
    threads = [threading.Thread(target=lambda: out.append(memo.get("k", build))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert out == ["answer"] * 8 and len(calls) == 1


def test_a_failed_computation_is_not_kept_and_the_next_request_retries():
    memo = BoundedMemo(max_entries=10, max_bytes=10 ** 6)

    def fail():
        raise ValueError("no")
    try:
        memo.get("k", fail)
    except ValueError:
        pass
    assert memo.get("k", lambda: 5) == 5
