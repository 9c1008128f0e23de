"""Single sign-on through OpenID Connect (authlib), an option beside local accounts.

The identity provider (the organisation's Entra ID, Okta, Keycloak...) signs the
user in; its ID token names the user (``username_claim``) and their groups or
roles (``role_claim``), which ``role_map`` in ``security.yaml`` turns into a
Blue Light Atlas role, the highest mapped one winning. A user none of whose
values maps to a role is refused. The account is recorded in the security
store (origin ``oidc``, no password) so that the gate, the audit log and
``bluelight users list`` treat it like any other; its role is refreshed at
each sign-in. The client secret is read from the environment variable the
settings name, never from the file.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING

from flask import redirect, session, url_for

from bluelight.foundation.access import SsoSettings, role_from_claims
from bluelight.foundation.errors import ConfigError, ValidationError
from bluelight.services.accounts import SecurityStore, session_version, sso_account

if TYPE_CHECKING:
    from flask import Flask, Response
    from flask.typing import ResponseReturnValue

log = logging.getLogger(__name__)

SSO_PATHS = {"/login/sso", "/login/sso/callback"}


def install_sso(server: Flask, settings: SsoSettings, store: SecurityStore, *,
                refuse: Callable[[int, str], Response]) -> None:
    """Register the provider and the two routes: start a sign-in, and take the provider's answer."""
    from authlib.integrations.base_client import OAuthError
    from authlib.integrations.flask_client import OAuth

    secret = os.environ.get(settings.client_secret_env)
    if not secret:
        raise ConfigError(f"single sign-on is enabled but {settings.client_secret_env} (the client secret) is not set")
    oauth = OAuth(server)
    oauth.register("sso", client_id=settings.client_id, client_secret=secret,
                   server_metadata_url=settings.issuer.rstrip("/") + "/.well-known/openid-configuration",
                   client_kwargs={"scope": settings.scopes})

    @server.route("/login/sso")
    def sso_start() -> ResponseReturnValue:
        to_provider: Response = oauth.sso.authorize_redirect(url_for("sso_callback", _external=True))
        return to_provider

    @server.route("/login/sso/callback")
    def sso_callback() -> ResponseReturnValue:
        from flask import request

        try:
            token = oauth.sso.authorize_access_token()
        except OAuthError as exc:
            store.record("sign_in_failed", username=None, role=None, detail=f"sso: {exc.error}",
                         remote_addr=request.remote_addr)
            return refuse(401, f"single sign-on failed: {exc.error}")
        claims = dict(token.get("userinfo") or {})
        role = role_from_claims(claims, settings)
        name = claims.get(settings.username_claim)
        try:
            user = sso_account(store, str(name or ""), role, remote_addr=request.remote_addr)
        except (ConfigError, ValidationError) as exc:
            return refuse(403, str(exc))
        session.clear()
        session.permanent = True
        session["user"] = user.username
        session["ver"] = session_version(store, user.username)
        session["csrf"] = secrets.token_urlsafe(32)
        return redirect("/")
