"""A bounded memo for a session's answers: least recently used out first, bounded in entries and in bytes.

A dashboard serves many users from one session per process; what one request computed, the next reads. The
bytes are reckoned roughly (:func:`approx_bytes`) from arrays' and frames' buffers, so a county's large
answers push out old ones instead of growing without end.
"""

from __future__ import annotations

import dataclasses
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from scipy import sparse

T = TypeVar("T")


def approx_bytes(value: object, _depth: int = 0) -> int:
    """Roughly how much memory ``value`` holds: arrays and frames by their buffers, containers by their items.

    Parameters
    ----------
    value
        Anything a cache holds.
    _depth
        How deep the walk has gone (past 6 levels an object counts by its own size).
    """
    if _depth > 6:
        return sys.getsizeof(value)
    if isinstance(value, np.ndarray):
        return int(value.nbytes) + 112
    if isinstance(value, (pd.DataFrame, pd.Series)):
        return int(value.memory_usage(index=True, deep=False).sum() if isinstance(value, pd.DataFrame)
                   else value.memory_usage(index=True, deep=False)) + 64 * (len(value.columns)
                                                                          if isinstance(value, pd.DataFrame) else 1)
    if sparse.issparse(value):
        return int(sum(getattr(value, a).nbytes for a in ("data", "indices", "indptr") if hasattr(value, a)))
    if isinstance(value, (str, bytes)):
        return sys.getsizeof(value)
    if isinstance(value, dict):
        return sys.getsizeof(value) + _items_bytes(list(value.items()), _depth)
    if isinstance(value, (list, tuple)):
        return sys.getsizeof(value) + _items_bytes(value, _depth)
    if isinstance(value, (set, frozenset)):
        return sys.getsizeof(value) + _items_bytes(list(value), _depth)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return 64 + sum(approx_bytes(getattr(value, f.name), _depth + 1) for f in dataclasses.fields(value))
    if hasattr(value, "__dict__") and not isinstance(value, type):
        return 64 + sum(approx_bytes(v, _depth + 1) for v in vars(value).values())
    return sys.getsizeof(value)


#: items of a container measured one by one; a longer one is measured on this many, evenly spaced, and scaled
SAMPLE_ITEMS = 256


def _items_bytes(items: Sequence[object], depth: int) -> int:
    """The items' bytes: every item of a short container, an even sample of a long one scaled to its length (a
    national result's 32,000 records are sized in microseconds, not by walking a million objects)."""
    n = len(items)
    if n <= SAMPLE_ITEMS:
        return sum(approx_bytes(v, depth + 1) for v in items)
    step = n / SAMPLE_ITEMS
    sample = sum(approx_bytes(items[int(i * step)], depth + 1) for i in range(SAMPLE_ITEMS))
    return int(sample * n / SAMPLE_ITEMS)


class BoundedMemo:
    """A thread-safe least-recently-used memo, bounded in entries and in bytes, computing each key once.

    A key asked for while another request is computing it waits for that
    result instead of computing it again (many users, one computation). An
    entry larger than the whole byte budget is returned but not kept.
    """

    def __init__(self, max_entries: int, max_bytes: int):
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._sizes: dict[Hashable, int] = {}
        self._bytes = 0
        self._pending: dict[Hashable, threading.Event] = {}
        self._lock = threading.RLock()

    @property
    def bytes(self) -> int:
        return self._bytes

    def get(self, key: Hashable, build: Callable[[], T]) -> T:
        while True:
            with self._lock:
                if key in self._data:
                    self._data.move_to_end(key)
                    found: T = self._data[key]
                    return found
                waiting = self._pending.get(key)
                if waiting is None:
                    self._pending[key] = threading.Event()
                    break
            waiting.wait()                 # another request is computing it: take its result (or retry on failure)
        try:
            value = build()
        finally:
            with self._lock:
                self._pending.pop(key).set()
        size = approx_bytes(value)
        with self._lock:
            if size > self.max_bytes:
                return value
            self._data[key] = value
            self._sizes[key] = size
            self._bytes += size
            while len(self._data) > self.max_entries or self._bytes > self.max_bytes:
                old, _ = self._data.popitem(last=False)
                self._bytes -= self._sizes.pop(old)
            return value

    def __len__(self) -> int:
        return len(self._data)
