"""The server's gate: CSRF and origin, sign-in, a role per page and callback, headers, audit."""

from __future__ import annotations

import pytest

from bluelight.dashboard.app import create_app
from bluelight.services.accounts import add_user, remove_user, security_store
from tests.dash_requests import post_callback

PAGES = ["/", "/coverage", "/scenarios", "/colocation", "/hubs", "/what-matters-most", "/dap", "/coresponding",
         "/availability", "/data"]


@pytest.fixture
def app_and_store(wh, tmp_path):
    """An app started with sign-in required, over a store that has no account yet."""
    path = tmp_path / "accounts.sqlite"
    store = security_store(path)
    store.signing_key()                                          # the store exists (as 'bluelight users' leaves it)
    return create_app(wh.path, scenario_dirs=[tmp_path / "saved"], security_store=path, local_only=False), store


@pytest.fixture
def local_app(wh, tmp_path):
    return create_app(wh.path, scenario_dirs=[tmp_path / "saved"], security_store=tmp_path / "accounts.sqlite",
                      local_only=True)


def _csrf(client) -> str:
    client.get("/login")
    return client.get_cookie("_csrf_token").value


def _sign_in(client, name, password, *, next_path="/"):
    return client.post("/login", data={"username": name, "password": password, "csrf_token": _csrf(client),
                                       "next": next_path})


def test_without_accounts_this_machine_is_served_but_state_changes_need_the_token(local_app):
    app = local_app
    c = app.server.test_client()
    r = c.get("/coverage")
    assert r.status_code == 200
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Frame-Options"] == "DENY" and r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Cache-Control"] == "no-store"
    session_cookie = c.get_cookie("bluelight_session")
    assert session_cookie.http_only and session_cookie.same_site == "Lax"
    key = "..page-content.children...global-alert.style.."
    values = {"url.pathname": "/coverage"}
    assert post_callback(c, app, key, values).status_code == 403                      # no token
    token = c.get_cookie("_csrf_token").value
    assert post_callback(c, app, key, values, csrf="forged").status_code == 403
    assert post_callback(c, app, key, values, csrf=token, headers={"Origin": "http://evil.example"}).status_code == 403
    assert post_callback(c, app, key, values, csrf=token).status_code == 200


def test_once_an_account_exists_nothing_is_served_without_signing_in(app_and_store):
    app, store = app_and_store
    add_user(store, "vera", "viewer passphrase", "viewer")
    c = app.server.test_client()
    token = _csrf(c)
    for path in PAGES:
        r = c.get(path)
        assert r.status_code == 302 and r.headers["Location"].startswith("/login?next="), path
    for path in ("/_dash-layout", "/_dash-dependencies", "/layers/roads/12/2046/1362.pbf", "/assets/style.css"):
        assert c.get(path).status_code == 401, path
    for key in app.callback_map:                               # every callback of every page
        assert post_callback(c, app, key, csrf=token).status_code == 401, key


def test_each_callback_needs_the_role_of_its_page(app_and_store):
    app, store = app_and_store
    add_user(store, "vera", "viewer passphrase", "viewer")
    add_user(store, "pat", "planner passphrase", "planner")
    c = app.server.test_client()
    assert _sign_in(c, "vera", "wrong").status_code == 401
    r = _sign_in(c, "vera", "viewer passphrase", next_path="//evil.example/x")
    assert r.status_code == 302 and r.headers["Location"] == "/"                 # never an open redirect
    token = c.get_cookie("_csrf_token").value
    scenario_keys = [k for k in app.callback_map if "scn-" in k]
    assert scenario_keys
    for key in scenario_keys:
        r = post_callback(c, app, key, csrf=token)
        assert r.status_code == 403 and "needs planner" in r.get_json()["error"], key
    page = post_callback(c, app, "..page-content.children...global-alert.style..", {"url.pathname": "/scenarios"},
                         csrf=token)
    assert page.status_code == 200 and b"Not available to your role" in page.data
    layout = c.get("/_dash-layout").get_data(as_text=True)
    assert "vera (viewer)" in layout and "Coverage explorer" in layout and "Scenarios" not in layout
    p = app.server.test_client()
    _sign_in(p, "pat", "planner passphrase")
    page = post_callback(p, app, "..page-content.children...global-alert.style..", {"url.pathname": "/scenarios"},
                         csrf=p.get_cookie("_csrf_token").value)
    assert page.status_code == 200 and b"Not available" not in page.data
    remove_user(store, "pat")                                    # a removed account is out at its next request
    assert p.get("/coverage").status_code == 302


def test_sign_in_starts_a_new_session_and_sign_out_ends_it(app_and_store):
    app, store = app_and_store
    add_user(store, "ann", "analyst passphrase", "analyst")
    c = app.server.test_client()
    _csrf(c)
    before = c.get_cookie("bluelight_session").value
    _sign_in(c, "ann", "analyst passphrase")
    assert c.get_cookie("bluelight_session").value != before
    assert c.get("/coverage").status_code == 200
    assert c.post("/logout", data={"csrf_token": "forged"}).status_code == 403
    assert c.post("/logout", data={"csrf_token": c.get_cookie("_csrf_token").value}).status_code == 302
    assert c.get("/coverage").status_code == 302
    assert [e["action"] for e in store.events()][:4] == ["sign_out", "refused_csrf", "sign_in", "user_added"]


def test_exports_are_audited_with_their_tier(app_and_store):
    app, store = app_and_store
    add_user(store, "vera", "viewer passphrase", "viewer")
    add_user(store, "ann", "analyst passphrase", "analyst")
    values = {"cov-csv-btn.n_clicks": 1, "cov-service.value": "fire", "cov-threshold.value": 6,
              "cov-demand.value": "incidents", "cov-age.value": "all", "cov-categories.value": [],
              "cov-hours.value": [0, 23], "cov-snap.value": 250, "cov-traffic-period.value": "all"}
    for name, password, tier in (("vera", "viewer passphrase", "open"), ("ann", "analyst passphrase",
                                                                         "official-sensitive")):
        c = app.server.test_client()
        _sign_in(c, name, password)
        r = post_callback(c, app, "cov-download.data", values, csrf=c.get_cookie("_csrf_token").value)
        assert r.status_code == 200
        csv = r.get_json()["response"]["cov-download"]["data"]["content"]
        header = csv.splitlines()[0]
        assert ("cell_id" in header) == (tier == "open") and ("zone" in header.split(",")) == (tier != "open")
        event = store.events(action="export")[0]
        assert (event["username"], event["tier"]) == (name, tier) and "coverage_fire.csv" in event["detail"]
