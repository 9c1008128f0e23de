"""The served dashboard under load: signed-in clients calling callbacks at once, as browsers would.

The production server (``bluelight.dashboard.serve``: gunicorn) runs in its own
process over a warehouse with sign-in configured; client threads each sign
in, then call the coverage explorer's main callback with distinct inputs
(standard and hours, so every request is a different question) and a cheap
callback between them. Reported: errors, p50 and p95 per callback, and the
server's resident memory before and after against the caches' limits.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

PASSWORD = "load test passphrase"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (the server's workers, Linux), in MB."""
    total = 0.0
    for p in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            continue
    return total


def _children(pid: int) -> list[int]:
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    out = [int(k) for k in kids]
    for k in list(out):
        out += _children(k)
    return out


def callback_body(dep: dict, values: dict) -> dict:
    """A callback request built from the app's ``/_dash-dependencies`` entry, as the renderer sends it."""
    def outputs(key):
        parts = [p for p in key.strip(".").split("...") if p]
        return [dict(zip(("id", "property"), p.rsplit(".", 1))) for p in parts]

    def entries(items):
        return [{"id": i["id"], "property": i["property"], "value": values.get(f"{i['id']}.{i['property']}")}
                for i in items]
    outs = outputs(dep["output"])
    inputs = entries(dep["inputs"])
    return {"output": dep["output"], "outputs": outs if len(outs) > 1 else outs[0], "inputs": inputs,
            "state": entries(dep.get("state") or []),
            "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"] if inputs else []}


@dataclass
class LoadResult:
    clients: int
    requests: int
    errors: list[str] = field(default_factory=list)
    times_s: dict[str, list[float]] = field(default_factory=dict)
    rss_before_mb: float = float("nan")
    rss_after_mb: float = float("nan")
    distinct_inputs: int = 0
    wall_s: float = 0.0
    workers_replaced: int = 0     # workers that died (crash, memory, timeout) and were restarted during the run
    server_log: str = ""          # the end of the server's log, kept when anything failed

    def percentile(self, name: str, q: float) -> float:
        t = self.times_s.get(name) or [float("nan")]
        return float(np.percentile(t, q))


class Server:
    """``bluelight.dashboard.serve`` in a child process, with accounts for the clients."""

    def __init__(self, warehouse: Path, *, accounts: int):
        from bluelight.services.accounts import add_user, security_store

        self.dir = Path(tempfile.mkdtemp(prefix="bluelight-load-"))
        self.store = self.dir / "accounts.sqlite"
        for i in range(accounts):
            add_user(security_store(self.store), f"client{i:02d}", PASSWORD, "analyst")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = self.dir / "server.log"
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bluelight.dashboard.serve", "--port", str(self.port), "--warehouse",
                 str(warehouse), "--store", str(self.store)], stdout=log, stderr=subprocess.STDOUT)
        self._wait()

    def workers(self) -> set[int]:
        """The worker processes' ids: a worker that died and was replaced shows as a changed set."""
        return set(_children(self.proc.pid))

    def log_tail(self, lines: int = 20) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def _wait(self, timeout_s: float = 120.0) -> None:
        import requests

        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited with {self.proc.returncode}")
            try:
                if requests.get(self.url + "/login", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.3)
        raise RuntimeError("the server did not start")

    def close(self) -> None:
        self.proc.send_signal(signal.SIGINT)          # gunicorn's quick shutdown (TERM waits for the workers)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=30)


def signed_in(url: str, name: str):
    import requests

    s = requests.Session()
    s.get(url + "/login", timeout=30)
    r = s.post(url + "/login", data={"username": name, "password": PASSWORD,
                                     "csrf_token": s.cookies.get("_csrf_token")}, timeout=30, allow_redirects=False)
    if r.status_code != 302:
        raise RuntimeError(f"sign-in of {name} failed: {r.status_code}")
    s.get(url + "/", timeout=30)
    s.headers["X-CSRFToken"] = s.cookies.get("_csrf_token")
    return s


def _drop_idle_connections(sessions) -> None:
    """Close the clients' kept-alive connections after they have sat idle (signing in, waiting for the others).

    The server closes a connection idle for its keep-alive time (gunicorn: 2 s); a request sent on it at that
    moment is reset. A browser retries such a request on a new connection; ``requests`` does not, so the
    harness starts each phase on fresh connections rather than count the race as the server's failure.
    """
    for s in sessions:
        s.close()


def run_load(warehouse: Path, *, clients: int = 20, per_client: int = 30, time_cap_s: float = 600.0) -> LoadResult:
    """``clients`` signed-in threads, ``per_client`` requests each (coverage and cheap callbacks alternating)."""
    server = Server(warehouse, accounts=clients)
    try:
        sessions = [signed_in(server.url, f"client{i:02d}") for i in range(clients)]
        deps = sessions[0].get(server.url + "/_dash-dependencies", timeout=30).json()
        cover = next(d for d in deps if "cov-map.figure" in d["output"])
        cheap = next(d for d in deps if d["output"].startswith("cov-site.data"))
        # warm every worker (each loads the network and routes the stations once, as a served app has after its
        # first visitors): concurrent requests for one question spread over the workers
        _drop_idle_connections(sessions)
        with ThreadPoolExecutor(clients) as pool:
            list(pool.map(lambda s: s.post(server.url + "/_dash-update-component", timeout=300,
                                           json=callback_body(cover, _inputs(0))), sessions))
        result = LoadResult(clients, clients * per_client, rss_before_mb=rss_mb(server.proc.pid))
        workers = server.workers()
        _drop_idle_connections(sessions)
        lock = threading.Lock()
        asked: set[int] = set()
        start = time.monotonic()

        def work(c: int) -> None:
            s = sessions[c]
            for j in range(per_client):
                if time.monotonic() - start > time_cap_s:
                    with lock:
                        result.errors.append(f"client {c}: time cap reached")
                    return
                n = (c * per_client + j) // 2 + 1
                if j % 2 == 0:
                    with lock:
                        asked.add(n)
                name, dep, values = (("coverage", cover, _inputs(n)) if j % 2 == 0 else
                                     ("cheap", cheap, {"cov-service.value": "fire", "cov-map.clickData": None}))
                t0 = time.perf_counter()
                try:
                    r = s.post(server.url + "/_dash-update-component", json=callback_body(dep, values), timeout=120)
                    refused = _refused_fields(r) if r.status_code == 200 else []
                    ok = r.status_code == 200 and not refused
                    why = f"{name}: HTTP {r.status_code}" + (f", refused {refused}" if refused else "")
                except Exception as exc:  # noqa: BLE001 - a load test counts every failure, whatever it is
                    ok, why = False, f"{name}: {type(exc).__name__}"
                with lock:
                    result.times_s.setdefault(name, []).append(time.perf_counter() - t0)
                    if not ok:
                        result.errors.append(why)

        with ThreadPoolExecutor(clients) as pool:
            list(pool.map(work, range(clients)))
        result.wall_s = time.monotonic() - start
        result.distinct_inputs = len({str(_inputs(n)) for n in asked})
        result.rss_after_mb = rss_mb(server.proc.pid)
        result.workers_replaced = len(workers - server.workers())
        if result.errors or result.workers_replaced:
            result.server_log = server.log_tail()
        return result
    finally:
        server.close()


def _inputs(i: int) -> dict:
    """The i-th distinct question for the coverage explorer: incident demand over an hour range, a standard."""
    lo = i % 12
    hi = 12 + (i // 12) % 12
    minutes = 4 + (i // 144) % 8 + 0.5 * ((i // 1152) % 2)
    return {"cov-service.value": "fire", "cov-threshold.value": minutes, "cov-demand.value": "incidents",
            "cov-age.value": "all", "cov-categories.value": [], "cov-hours.value": [lo, hi], "cov-site.data": None,
            "cov-snap.value": 250, "cov-traffic-period.value": "all"}


def _refused_fields(response) -> list[str]:
    """The controls a callback's answer marks invalid (a blocked answer is not an answer to the question)."""
    try:
        out = response.json().get("response", {})
    except ValueError:
        return ["(not JSON)"]
    return [k for k, v in out.items() if k.endswith("-error") and v.get("children")]


def records(warehouse: Path, *, quick: bool) -> list:
    """``make bench`` rows: p95 of each callback under load at 20 and at 50 signed-in clients, errors and memory in
    the notes (every coverage request a distinct question)."""
    from bench.harness import Record
    from bluelight.foundation.environment import session_cache_bytes, travel_cache_bytes

    limit_mb = (session_cache_bytes() + travel_cache_bytes()) / 2 ** 20
    out = []
    for clients in ((20,) if quick else (20, 50)):
        r = run_load(warehouse, clients=clients, per_client=10 if quick else 50)
        notes = (f"{r.clients} signed-in clients, {r.requests} requests in {r.wall_s:.1f} s, {len(r.errors)} errors, "
                 f"{r.workers_replaced} workers replaced, {r.distinct_inputs} distinct coverage inputs; server RSS "
                 f"{r.rss_before_mb:.0f} -> {r.rss_after_mb:.0f} MB (cache limits {limit_mb:.0f} MB)")
        out += [Record(f"served: coverage callback under load, {clients} clients, p95", r.percentile("coverage", 95),
                       "goal 1 s", 1.0, 1.0 / r.percentile("coverage", 95), len(r.times_s.get("coverage", [])),
                       r.rss_after_mb, None, notes + f"; p50 {r.percentile('coverage', 50):.3f} s"),
                Record(f"served: cheap callback under load, {clients} clients, p95", r.percentile("cheap", 95),
                       "goal 0.25 s", 0.25, 0.25 / r.percentile("cheap", 95), len(r.times_s.get("cheap", [])),
                       r.rss_after_mb, None, f"p50 {r.percentile('cheap', 50):.3f} s")]
    return out
