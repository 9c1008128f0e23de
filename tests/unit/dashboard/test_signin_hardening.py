"""The gate under attack: callbacks judged by what Dash runs, throttled guessing, bounded bodies, safe redirects,
sessions that end, refusals in the audit log, and nothing for the anonymous to read."""

from __future__ import annotations

import json

import pytest

from bluelight.dashboard.app import create_app
from bluelight.services.accounts import add_user, security_store
from tests.dash_requests import callback_body

VIEWER, PLANNER, ADMIN = ("vera", "viewer passphrase"), ("pat", "planner passphrase"), ("ada", "admin passphrase")


class FakeTime:
    """The gate's clock, moved by the test (the lockout window passes without waiting)."""

    def __init__(self):
        self.now = 1_000_000.0

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = FakeTime()
    monkeypatch.setattr("bluelight.dashboard.auth.time", fake)
    return fake


@pytest.fixture
def signed(wh, tmp_path, clock):
    """An app with sign-in required and one account per role used here; the saved-scenario folder to watch."""
    path = tmp_path / "accounts.sqlite"
    store = security_store(path)
    for (name, password), role in ((VIEWER, "viewer"), (PLANNER, "planner"), (ADMIN, "admin")):
        add_user(store, name, password, role)
    saved = tmp_path / "saved"
    app = create_app(wh.path, scenario_dirs=[saved], security_store=path)
    return app, store, saved


from tests.unit.dashboard.test_auth import _csrf as _token  # noqa: E402
from tests.unit.dashboard.test_auth import _sign_in  # noqa: E402


def _client(app, who):
    c = app.server.test_client()
    assert _sign_in(c, *who).status_code == 302
    return c


def _post(c, body):
    return c.post("/_dash-update-component", data=json.dumps(body), content_type="application/json",
                  headers={"X-CSRFToken": c.get_cookie("_csrf_token").value})


def test_a_viewer_cannot_run_a_planner_callback_whatever_outputs_say(signed):
    app, store, saved = signed
    ran = []
    for key, entry in app.callback_map.items():                    # a spy on every callback: none may run
        entry["callback"] = (lambda k: lambda *a, **kw: ran.append(k))(key)
    c = _client(app, VIEWER)
    planner_keys = [k for k in app.callback_map if any(p in k for p in ("scn-", "col-", "hub-", "hq-", "dap-"))]
    assert len(planner_keys) >= 10
    viewer_key = next(k for k in app.callback_map if k.startswith("..cov-map.figure"))
    for key in planner_keys:
        body = callback_body(app, key)
        for outputs in ([], {"id": "cov-map", "property": "figure"}, body["outputs"]):
            r = _post(c, {**body, "outputs": outputs})
            assert r.status_code in (400, 403), (key, outputs, r.status_code)
        # another callback's outputs with this key, and this key's outputs under a viewer's key
        assert _post(c, {**callback_body(app, viewer_key), "output": key}).status_code in (400, 403), key
    assert ran == [] and not saved.exists()
    refused = {e["action"] for e in store.events(limit=1000)}
    assert {"refused_role", "refused_callback"} <= refused


def test_outputs_that_do_not_match_the_callback_are_a_bad_request(signed):
    app, _, _ = signed
    c = _client(app, ADMIN)
    key = next(k for k in app.callback_map if k.startswith("..cov-map.figure"))
    body = callback_body(app, key)
    assert _post(c, {**body, "outputs": []}).status_code == 400
    assert _post(c, {**body, "outputs": body["outputs"][:-1]}).status_code == 400
    assert _post(c, {**body, "output": "no-such.children"}).status_code == 400
    wrong = [dict(o) for o in body["outputs"]]
    wrong[0]["id"] = "scn-map"
    assert _post(c, {**body, "outputs": wrong}).status_code == 400


def test_the_41st_guess_is_refused_even_with_the_right_password_until_the_window_passes(signed, clock):
    app, store, _ = signed
    c = app.server.test_client()
    answers = []
    for _ in range(40):                                               # a patient guesser: waits out each back-off
        r = _sign_in(c, VIEWER[0], "a wrong guess")
        answers.append(r.status_code)
        wait = int(r.headers.get("Retry-After", 0))
        clock.now += wait if 0 < wait <= 60 else 0.5
    assert answers.count(401) == 10 and answers[-1] == 429             # ten failures lock the account
    r = _sign_in(c, *VIEWER)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0 and b"Too many failed sign-ins" in r.data
    clock.now += 901                                                  # the lockout window (900 s) has passed
    assert _sign_in(c, *VIEWER).status_code == 302
    actions = [e["action"] for e in store.events(limit=500)]
    assert "sign_in_locked" in actions
    assert 1 <= actions.count("sign_in_throttled") <= 3               # audited, but not once per attempt


def test_guessing_from_one_address_across_accounts_is_throttled_too(signed, clock):
    app, _, _ = signed
    c = app.server.test_client()
    codes = []
    for i in range(60):
        codes.append(_sign_in(c, f"nobody{i}", "a wrong guess").status_code)
        clock.now += 61                                               # past each account's back-off
    assert codes[:40].count(401) == 40 and codes[-1] == 429            # the address is locked after 50


def test_bodies_and_passwords_are_bounded(signed):
    app, _, _ = signed
    c = app.server.test_client()
    token = _token(c)
    big = c.post("/login", data={"username": "vera", "password": "x" * (50 * 1024 * 1024), "csrf_token": token})
    assert big.status_code == 413
    long_pw = c.post("/login", data={"username": "vera", "password": "x" * 2000, "csrf_token": token})
    assert long_pw.status_code == 400 and b"at most 1024" in long_pw.data
    s = _client(app, ADMIN)
    huge = s.post("/_dash-update-component", data=b"[" * (20 * 1024 * 1024), content_type="application/json",
                  headers={"X-CSRFToken": s.get_cookie("_csrf_token").value})
    assert huge.status_code == 413
    deep = s.post("/_dash-update-component", data=b"[" * 200_000 + b"]" * 200_000, content_type="application/json",
                  headers={"X-CSRFToken": s.get_cookie("_csrf_token").value})
    assert deep.status_code == 400 and "deeper" in deep.get_json()["error"]


@pytest.mark.parametrize("target", ["/%09/evil.example", "//evil.example", "/\\evil.example", "https://evil.example",
                                    "/%0d%0aSet-Cookie:%20x=y", "/%2F/evil.example", "javascript:alert(1)"])
def test_next_only_goes_to_a_path_on_this_site(signed, target):
    app, _, _ = signed
    c = app.server.test_client()
    page = c.get(f"/login?next={target}")
    assert page.status_code == 200 and 'name="next" value="/"' in page.get_data(as_text=True)
    r = c.post("/login", data={"username": VIEWER[0], "password": VIEWER[1], "csrf_token": _token(c),
                               "next": target.replace("%09", "\t").replace("%0d%0a", "\r\n")})
    assert r.status_code == 302 and r.headers["Location"] == "/"


def test_sign_out_a_new_password_or_a_new_role_end_every_older_session(signed):
    app, store, _ = signed
    first, second = _client(app, VIEWER), _client(app, VIEWER)
    assert first.get("/coverage").status_code == 200 and second.get("/coverage").status_code == 200
    first.post("/logout", data={"csrf_token": first.get_cookie("_csrf_token").value})
    assert second.get("/coverage").status_code == 302                  # signed out everywhere
    again = _client(app, VIEWER)
    add_user(store, VIEWER[0], "a new viewer passphrase", "viewer", replace=True)
    assert again.get("/coverage").status_code == 302
    planner = _client(app, PLANNER)
    add_user(store, PLANNER[0], PLANNER[1], "viewer", replace=True)   # same password, lower role
    assert planner.get("/coverage").status_code == 302


def test_nothing_anonymous_carries_versions_and_the_policy_allows_no_eval(signed):
    app, _, _ = signed
    c = app.server.test_client()
    for path in ("/favicon.ico", "/login", "/_dash-layout", "/"):
        r = c.get(path)
        text = r.get_data(as_text=True)
        assert r.status_code in (204, 200, 401, 302), path
        assert "dash_renderer" not in text and "v=4." not in text and "Werkzeug" not in r.headers.get("Server", "")
    assert c.get("/favicon.ico").status_code == 204
    csp = c.get("/login").headers["Content-Security-Policy"]
    script = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
    assert "unsafe-eval" not in script and "unsafe-inline" not in script and "'sha256-" in script


def test_a_local_only_server_refuses_relayed_and_remote_requests(wh, tmp_path):
    app = create_app(wh.path, scenario_dirs=[tmp_path / "saved"], security_store=tmp_path / "a.sqlite",
                     local_only=True)
    c = app.server.test_client()
    assert c.get("/coverage").status_code == 200
    assert c.get("/coverage", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 403
    assert c.get("/coverage", environ_base={"REMOTE_ADDR": "192.0.2.10"}).status_code == 403


def _page(app, client, path):
    from tests.dash_requests import post_callback

    r = post_callback(client, app, "..page-content.children...global-alert.style..", {"url.pathname": path},
                      csrf=client.get_cookie("_csrf_token").value)
    assert r.status_code == 200
    return r.get_data(as_text=True)


def test_rejected_values_are_shown_to_analysts_only(wh, tmp_path, clock):
    import shutil
    import subprocess
    import sys

    copy = tmp_path / "atlas.duckdb"
    shutil.copy(wh.path, copy)
    bad = tmp_path / "incidents.csv"
    bad.write_text("incident_id,call_time,service,category,priority,easting,northing\n"
                   "ok-1,2023-05-01 10:00:00,fire,Fire,1,440500,260500\n"
                   "bad-2,2023-13-45 22:50:07,fire,Fire,1,440600,260600\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "bluelight", "etl", "incidents", str(bad), "--accept-partial",
                           "--warehouse", str(copy)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    store = tmp_path / "accounts.sqlite"
    add_user(security_store(store), "vera", VIEWER[1], "viewer")
    add_user(security_store(store), "ann", "analyst passphrase", "analyst")
    app = create_app(copy, scenario_dirs=[tmp_path / "saved"], security_store=store)
    viewer = _page(app, _client(app, VIEWER), "/data")
    analyst = _page(app, _client(app, ("ann", "analyst passphrase")), "/data")
    assert "2023-13-45" in analyst and "2023-13-45" not in viewer
    assert "shown to analysts only" in viewer


def test_a_viewer_cannot_ask_for_incident_hours_that_could_be_subtracted(signed):
    app, _, _ = signed
    c = _client(app, VIEWER)
    key = next(k for k in app.callback_map if k.startswith("..cov-map.figure"))
    values = {"cov-service.value": "fire", "cov-threshold.value": 6, "cov-demand.value": "incidents",
              "cov-age.value": "all", "cov-categories.value": [], "cov-hours.value": [1, 23], "cov-site.data": None,
              "cov-snap.value": 250, "cov-traffic-period.value": "all"}
    out = _post(c, callback_body(app, key, values)).get_json()["response"]
    assert "one block" in str(out["cov-hours-error"]["children"])
    values["cov-hours.value"] = [6, 11]
    out = _post(c, callback_body(app, key, values)).get_json()["response"]
    assert out["cov-hours-error"]["children"] == ""


def test_a_duplicate_output_is_matched_as_the_renderer_names_it(signed):
    """Outputs declared with allow_duplicate carry '@hash' in the key and in the renderer's property name."""
    app, _, _ = signed
    c = _client(app, ADMIN)
    key = next(k for k in app.callback_map if "@" in k)
    body = callback_body(app, key)
    sent = body["outputs"] if isinstance(body["outputs"], list) else [body["outputs"]]
    assert any("@" in o["property"] for o in sent)
    assert _post(c, body).status_code not in (400, 403)
