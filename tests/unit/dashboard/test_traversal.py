"""No value from a request reaches the file system as a path: traversal into every callback and route.

An audit hook records every file the process opens while the requests run;
the secret file outside the scenario store (reached by absolute path,
``../``, URL-encoded forms and a symlink planted inside the store) must
never be among them, nor its contents in any response.
"""

from __future__ import annotations

import os
import sys
import threading

import pytest

from bluelight.dashboard.app import create_app
from tests.dash_requests import post_callback

SECRET = "name: secret-outside-the-store\nchanges: []\n"
_OPENED: list[str] = []
_WATCH = threading.Event()


def _hook(event, args):
    if _WATCH.is_set() and event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)):
        _OPENED.append(os.fsdecode(args[0]))


sys.addaudithook(_hook)            # audit hooks cannot be removed: it records only while _WATCH is set


@pytest.fixture
def setting(wh, tmp_path):
    store = tmp_path / "store"
    store.mkdir()
    (store / "kept.yaml").write_text("name: kept\nchanges: []\n")
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.yaml"
    secret.write_text(SECRET)
    (store / "planted.yaml").symlink_to(secret)                 # a symlink out of the store
    app = create_app(wh.path, scenario_dirs=[store], security_store=tmp_path / "accounts.sqlite")
    rel = os.path.relpath(secret, store)
    values = [str(secret), str(secret.with_suffix("")), rel, rel.removesuffix(".yaml"), rel.replace("/", "%2F"),
              "..%2F..%2F..%2Fetc%2Fpasswd", "/etc/passwd", "file:///etc/passwd", "planted", "planted.yaml",
              "../" * 12 + "etc/passwd", "\x00/etc/passwd", "kept"]
    return app, secret, values


def _leaked(secret) -> list[str]:
    bad = {str(secret), os.path.realpath(secret), "/etc/passwd"}
    return [p for p in _OPENED if p in bad or os.path.realpath(p) in bad]


def test_traversal_values_in_every_callback_open_nothing_outside_the_store(setting):
    app, secret, values = setting
    client = app.server.test_client()
    client.get("/")
    token = client.get_cookie("_csrf_token").value
    _OPENED.clear()
    _WATCH.set()
    try:
        for key, spec in app.callback_map.items():
            names = [f"{i['id']}.{i['property']}" for i in spec["inputs"] + spec.get("state", [])]
            for value in values:
                r = post_callback(client, app, key, {n: value for n in names}, csrf=token)
                assert r.status_code in (200, 204, 400, 500), (key, value, r.status_code)
                assert b"secret-outside-the-store" not in r.data and b"root:x:0:0" not in r.data, (key, value)
    finally:
        _WATCH.clear()
    assert _leaked(secret) == []
    assert any(p.endswith("kept.yaml") for p in _OPENED)     # the hook saw the store's own file opened by id


@pytest.mark.parametrize("path", ["/assets/../../../../etc/passwd", "/assets/..%2f..%2f..%2fetc%2fpasswd",
                                  "/_dash-component-suites/dash/../../../../../etc/passwd",
                                  "/_dash-component-suites/dash/..%2f..%2f..%2f..%2fetc%2fpasswd",
                                  "/layers/..%2f..%2fetc%2fpasswd.geojson", "/layers/../../etc/passwd",
                                  "//etc/passwd", "/%2e%2e/%2e%2e/etc/passwd"])
def test_traversal_in_routes_opens_nothing(setting, path):
    app, secret, _ = setting
    client = app.server.test_client()
    _OPENED.clear()
    _WATCH.set()
    try:
        r = client.get(path)
    finally:
        _WATCH.clear()
    # refused, or the app's own page (Dash answers unknown paths with its shell): never the file
    assert r.status_code in (200, 301, 302, 308, 400, 404) and b"root:x:0:0" not in r.data
    assert r.status_code != 200 or b"_dash-config" in r.data
    assert _leaked(secret) == []
