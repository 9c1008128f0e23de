"""Single sign-on: the whole OpenID Connect code flow against a small identity provider on 127.0.0.1.

The provider publishes its discovery document and signing key, hands out a
code and signs an ID token (RS256) naming the user and their groups; the app
must check the state and the token, map the groups to a role, and refuse a
user whose groups map to none.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from flask import Flask, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server

from bluelight.dashboard.app import create_app
from bluelight.services.accounts import list_users, security_store
from tests.integration.conftest import free_port

CLIENT_ID = "bluelight-test"


@pytest.fixture
def provider():
    key = RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig", "alg": "RS256"})
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    idp = Flask("idp")
    state = {"groups": ["bl-planners"], "email": "Pat.Planner@fire.example", "nonce": {}}

    @idp.get("/.well-known/openid-configuration")
    def discovery():
        return jsonify({"issuer": base, "authorization_endpoint": base + "/authorize",
                        "token_endpoint": base + "/token", "jwks_uri": base + "/jwks",
                        "response_types_supported": ["code"], "subject_types_supported": ["public"],
                        "id_token_signing_alg_values_supported": ["RS256"]})

    @idp.get("/jwks")
    def jwks():
        return jsonify({"keys": [key.as_dict(private=False)]})

    @idp.get("/authorize")
    def authorize():
        a = request.args
        assert a["client_id"] == CLIENT_ID and a["response_type"] == "code"
        state["nonce"]["code-1"] = a.get("nonce")
        return redirect(f"{a['redirect_uri']}?code=code-1&state={a['state']}")

    @idp.post("/token")
    def token():
        now = int(time.time())
        claims = {"iss": base, "sub": "user-1", "aud": CLIENT_ID, "iat": now, "exp": now + 300,
                  "nonce": state["nonce"][request.form["code"]], "email": state["email"], "roles": state["groups"]}
        return jsonify({"access_token": "at", "token_type": "Bearer", "expires_in": 300,
                        "id_token": jwt.encode({"alg": "RS256", "kid": "k1"}, claims, key)})

    server = make_server("127.0.0.1", port, idp, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base, state
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def sso_app(wh, tmp_path, monkeypatch, provider):
    from bluelight.foundation.access import load_rules

    base, _ = provider
    shipped = Path(load_rules().path).read_text()
    conf = tmp_path / "config"
    conf.mkdir()
    (conf / "security.yaml").write_text(shipped.replace("  enabled: false", "  enabled: true").replace(
        '  issuer: ""', f"  issuer: {base}").replace('  client_id: ""', f"  client_id: {CLIENT_ID}").replace(
        "  role_map: {}", "  role_map: {bl-planners: planner, bl-analysts: analyst}"))
    monkeypatch.setenv("BLUELIGHT_CONFIG_DIR", str(conf))
    monkeypatch.setenv("BLUELIGHT_SSO_CLIENT_SECRET", "s3cret")
    store = tmp_path / "accounts.sqlite"
    return create_app(wh.path, scenario_dirs=[tmp_path / "saved"], security_store=store), security_store(store)


def _sso_sign_in(client):
    start = client.get("/login/sso")
    assert start.status_code == 302
    at_idp = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
    back = urlsplit(at_idp.headers["Location"])
    assert parse_qs(back.query)["code"] == ["code-1"]
    return client.get(f"{back.path}?{back.query}")


def test_sso_signs_in_with_the_mapped_role(sso_app, provider):
    app, store = sso_app
    c = app.server.test_client()
    assert c.get("/coverage").status_code == 302                      # sign-in is required with no local account
    assert b"Sign in with your organisation" in c.get("/login").data
    done = _sso_sign_in(c)
    assert done.status_code == 302 and done.headers["Location"] == "/"
    assert c.get("/coverage").status_code == 200
    assert [(u["username"], u["role"], u["origin"]) for u in list_users(store)] == [
        ("pat.planner@fire.example", "planner", "oidc")]
    assert store.events(action="sign_in")[0]["detail"] == "sso"


def test_a_user_whose_groups_map_to_no_role_is_refused(sso_app, provider):
    app, store = sso_app
    provider[1]["groups"] = ["everyone"]
    c = app.server.test_client()
    r = _sso_sign_in(c)
    assert r.status_code == 403 and "none of their groups maps to a role" in r.get_json()["error"]
    assert c.get("/coverage").status_code == 302
    assert store.events(action="sign_in_refused")


def test_a_forged_callback_is_refused(sso_app):
    app, store = sso_app
    c = app.server.test_client()
    c.get("/login/sso")                                                # a state is issued
    r = c.get("/login/sso/callback?code=code-1&state=forged")
    assert r.status_code == 401 and c.get("/coverage").status_code == 302
    assert "sso" in store.events(action="sign_in_failed")[0]["detail"]
