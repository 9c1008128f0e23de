"""The production server (gunicorn, as `make run` starts it) with accounts, attacked as the penetration test did:
remove the last account, then move the store away; every anonymous request stays refused at each step."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import requests

from bench.serving import PASSWORD, Server, callback_body, signed_in

pytestmark = pytest.mark.integration


def _dependencies(url: str, session: requests.Session) -> dict:
    return {d["output"]: d for d in session.get(url + "/_dash-dependencies", timeout=30).json()}


def _anonymous_answers(url: str, deps: dict) -> dict[str, int]:
    """What a stranger gets for a page, the layout, a callback, a road tile and a coverage download."""
    anon = requests.Session()
    anon.get(url + "/login", timeout=30)
    token = anon.cookies.get("_csrf_token")
    headers = {"X-CSRFToken": token} if token else {}
    download = next(k for k in deps if k == "cov-download.data")
    body = callback_body(deps[download], {"cov-csv-btn.n_clicks": 1, "cov-service.value": "fire",
                                          "cov-threshold.value": 6, "cov-demand.value": "incidents",
                                          "cov-hours.value": [0, 23], "cov-traffic-period.value": "all"})
    overview = next(k for k in deps if "overview-" in k)
    return {
        "page": anon.get(url + "/coverage", timeout=30, allow_redirects=False).status_code,
        "layout": anon.get(url + "/_dash-layout", timeout=30).status_code,
        "callback": anon.post(url + "/_dash-update-component", data=json.dumps(callback_body(deps[overview], {})),
                              headers={**headers, "Content-Type": "application/json"}, timeout=60).status_code,
        "tile": anon.get(url + "/layers/roads/12/2046/1362.pbf", timeout=30).status_code,
        "download": anon.post(url + "/_dash-update-component", data=json.dumps(body),
                              headers={**headers, "Content-Type": "application/json"}, timeout=60).status_code,
    }


def test_sign_in_never_stops_being_required(demo_warehouse):
    server = Server(demo_warehouse, accounts=1)
    try:
        deps = _dependencies(server.url, signed_in(server.url, "client00"))
        before = _anonymous_answers(server.url, deps)
        assert before["page"] == 302 and all(v in (401, 403) for k, v in before.items() if k != "page"), before
        done = subprocess.run([sys.executable, "-m", "bluelight", "users", "remove", "client00", "--store",
                               str(server.store)], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        after_removal = _anonymous_answers(server.url, deps)
        assert after_removal["page"] == 302 and all(v in (401, 403) for k, v in after_removal.items()
                                                    if k != "page"), after_removal
        moved = server.store.with_name("moved-away.sqlite")
        server.store.rename(moved)
        for suffix in ("-wal", "-shm"):
            side = server.store.with_name(server.store.name + suffix)
            if side.exists():
                side.rename(moved.with_name(moved.name + suffix))
        gone = _anonymous_answers(server.url, deps)
        assert set(gone.values()) == {503}, gone
        assert not server.store.exists()                    # the server did not make an empty store in its place
        login = requests.post(server.url + "/login", data={"username": "client00", "password": PASSWORD},
                              timeout=30)
        assert login.status_code == 503 and "cannot be read" in login.text
    finally:
        server.close()
