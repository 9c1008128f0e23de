"""Sign-in, roles and request hardening for the Flask server behind the Dash app.

Every request passes one gate (:func:`install`): a state-changing request
must carry the session's CSRF token (Dash's renderer sends it from the
``_csrf_token`` cookie; the sign-in forms carry it as a field) and come from
this origin; once any account exists, every page, callback, layer and asset
needs a signed-in session, and each callback needs the role of the page its
outputs belong to. Sessions are signed cookies (HttpOnly, SameSite, Secure
off loopback) that last ``session_hours``; the account is looked up on every
request, so a removed account or changed role takes effect at once. Every
response carries the security headers. Sign-ins, sign-outs, exports and saved
scenarios are written to the audit log.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from html import escape
from urllib.parse import urlsplit

from flask import Response, g, has_request_context, jsonify, redirect, request, session

from bluelight.access import DisclosureRules, allows, cleared_for, load_rules, tier_for
from bluelight.analysis.disclosure import mask_sites
from bluelight.dashboard.sso import SSO_PATHS, install_sso
from bluelight.services.accounts import SecurityStore, User, authenticate, current_account

log = logging.getLogger(__name__)

CSRF_COOKIE = "_csrf_token"
CSRF_HEADER = "X-CSRFToken"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
#: what anyone may fetch before signing in
PUBLIC_PATHS = {"/login", "/favicon.ico"}
#: who is served when no account exists yet: the person at this machine (the server only binds to loopback then)
LOCAL_USER = User("local", "admin")


@dataclass(frozen=True)
class AuthSettings:
    store: SecurityStore
    rules: DisclosureRules
    secure_cookies: bool
    web_tiles: bool = False


def current_user() -> User:
    """Who this request is for; outside a request (a test calling a view directly) the local user."""
    if has_request_context():
        return g.get("user") or User("anonymous", "none")
    return LOCAL_USER


def current_role() -> str:
    return current_user().role


def current_rules() -> DisclosureRules:
    """The disclosure rules the app was started with (read once, not per request); outside a request, the file's."""
    settings: AuthSettings | None = g.get("auth") if has_request_context() else None
    return settings.rules if settings is not None else load_rules()


def visible_sites(sites):
    """Sites as this request's role may see them: restricted sites rounded unless the role is cleared for them."""
    if cleared_for(current_role(), "official-sensitive") or sites is None or len(sites) == 0:
        return sites
    rules = current_rules()
    return mask_sites(sites, restricted_kinds=rules.restricted_site_kinds, restricted_ids=rules.restricted_sites,
                      rounding_m=rules.site_rounding_m)


def audit_log(*, limit: int = 100) -> list[dict]:
    """The newest audit events (for the admin's panel); none outside a request."""
    settings: AuthSettings | None = g.get("auth") if has_request_context() else None
    return settings.store.events(limit=limit) if settings is not None else []


def note_export(tier: str) -> None:
    """Say which tier the export this request returns carries (the audit log records it)."""
    if has_request_context():
        g.export_tier = tier


def record(action: str, detail: str = "", *, tier: str | None = None) -> None:
    """An audit event for this request's user."""
    settings: AuthSettings | None = g.get("auth") if has_request_context() else None
    if settings is None:
        return
    user = current_user()
    settings.store.record(action, username=user.username, role=user.role, detail=detail, tier=tier,
                          remote_addr=request.remote_addr)


def _outputs(body) -> list[tuple[str, str]]:
    """A callback request's outputs as (id, property); a pattern-matching id by its ``type``, which carries the
    page prefix."""
    outputs = (body or {}).get("outputs") if isinstance(body, dict) else None
    items = outputs if isinstance(outputs, list) else [outputs] if isinstance(outputs, dict) else []
    out = []
    for o in items:
        oid = o.get("id") if isinstance(o, dict) else None
        if isinstance(oid, dict):
            oid = oid.get("type")
        if isinstance(oid, str):
            out.append((oid, str(o.get("property"))))
    return out


def _output_ids(body) -> list[str]:
    return [oid for oid, _ in _outputs(body)]


def callback_role(body, prefixes: dict[str, str]) -> str | None:
    """The least role the callback's outputs need: the strictest page any of them belongs to."""
    need = None
    for oid in _output_ids(body):
        for prefix, role in prefixes.items():
            if oid.startswith(prefix) and (need is None or allows(role, need)):
                need = role
    return need


def _same_origin() -> bool:
    origin = request.headers.get("Origin") or request.headers.get("Referer")
    if not origin:
        return True
    return urlsplit(origin).netloc == request.host


def _token_ok(sent: str | None) -> bool:
    want = session.get("csrf")
    return bool(want and sent and hmac.compare_digest(str(sent), str(want)))


def _refuse(status: int, message: str) -> Response:
    resp = jsonify({"error": message})
    resp.status_code = status
    return resp


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never ``//host`` or a full URL (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def login_page(*, message: str = "", next_path: str = "/", sso_label: str | None = None) -> str:
    token = session.get("csrf", "")
    note = f'<p class="err" role="alert">{escape(message)}</p>' if message else ""
    sso = (f'<p><a id="sign-in-sso" href="/login/sso">Sign in with {escape(sso_label)}</a></p><p>or with a local '
           'account:</p>') if sso_label else ""
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in – Blue Light Atlas</title>
<style>a{{color:#10243e}}body{{font-family:system-ui,sans-serif;background:#f4f6f8;margin:0}}main{{max-width:360px;margin:12vh auto;
background:#fff;padding:28px;border-radius:8px;box-shadow:0 1px 4px #0002}}label{{display:block;margin-top:12px}}
input{{width:100%;padding:8px;box-sizing:border-box}}button{{margin-top:18px;padding:8px 18px}}.err{{color:#a00}}
</style></head><body><main><h1>Blue Light Atlas</h1><p>Sign in to continue.</p>{note}{sso}
<form method="post" action="/login"><input type="hidden" name="csrf_token" value="{escape(token)}">
<input type="hidden" name="next" value="{escape(next_path)}">
<label for="username">User name</label><input id="username" name="username" autocomplete="username" required>
<label for="password">Password</label><input id="password" name="password" type="password"
autocomplete="current-password" required><button type="submit" id="sign-in">Sign in</button></form></main></body></html>"""


def logout_page() -> str:
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign out – Blue Light Atlas</title>
</head><body><form method="post" action="/logout"><input type="hidden" name="csrf_token"
value="{escape(session.get('csrf', ''))}"><p>Signed in as {escape(current_user().username)}.</p>
<button type="submit" id="sign-out">Sign out</button></form></body></html>"""


def content_security_policy(*, web_tiles: bool) -> str:
    tiles = " https://*.tile.openstreetmap.org https://tile.openstreetmap.org" if web_tiles else ""
    return ("default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
            f"img-src 'self' data: blob:{tiles}; worker-src 'self' blob:; child-src 'self' blob:; "
            f"connect-src 'self'{tiles}; font-src 'self' data:; frame-ancestors 'none'; base-uri 'self'; "
            "form-action 'self'; object-src 'none'")


def install(server, settings: AuthSettings, *, page_prefixes: dict[str, str]) -> None:
    """Put the gate, the sign-in routes and the security headers on the Flask ``server``.

    ``page_prefixes`` maps each page's component-id prefix to the least role
    that may run its callbacks.
    """
    store, rules = settings.store, settings.rules
    server.secret_key = store.signing_key()
    server.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                         SESSION_COOKIE_SECURE=settings.secure_cookies, SESSION_COOKIE_NAME="bluelight_session",
                         PERMANENT_SESSION_LIFETIME=timedelta(hours=rules.session_hours))
    csp = content_security_policy(web_tiles=settings.web_tiles)
    sso_on = rules.sso.enabled
    if sso_on:
        install_sso(server, rules.sso, store, refuse=_refuse)

    @server.before_request
    def gate():
        g.auth = settings
        if "csrf" not in session:
            session["csrf"] = secrets.token_urlsafe(32)
        if request.method not in SAFE_METHODS:
            if not _same_origin():
                return _refuse(403, "cross-origin request refused")
            sent = request.form.get("csrf_token") if request.path in ("/login", "/logout") \
                else request.headers.get(CSRF_HEADER)
            if not _token_ok(sent):
                return _refuse(403, "missing or wrong CSRF token: reload the page")
        if not sso_on and not store.has_accounts():
            g.user = LOCAL_USER
            return None
        if request.path in PUBLIC_PATHS or (sso_on and request.path in SSO_PATHS):
            return None
        user = current_account(store, session["user"]) if session.get("user") else None
        if user is None:
            session.pop("user", None)
            if request.method == "GET" and not request.path.startswith(("/_dash", "/layers", "/assets")):
                return redirect(f"/login?next={request.full_path.rstrip('?')}")
            return _refuse(401, "sign in first")
        g.user = user
        if request.path == "/_dash-update-component":
            need = callback_role(request.get_json(silent=True), page_prefixes)
            if need is not None and not allows(user.role, need):
                return _refuse(403, f"the {user.role} role may not use this page (needs {need})")
        return None

    @server.route("/login", methods=["GET", "POST"])
    def login():
        if request.method == "GET":
            return login_page(next_path=_safe_next(request.args.get("next")), sso_label=rules.sso.label if sso_on else None)
        user = authenticate(store, request.form.get("username", ""), request.form.get("password", ""),
                            remote_addr=request.remote_addr)
        if user is None:
            return login_page(message="Wrong user name or password.", next_path=_safe_next(request.form.get("next")),
                              sso_label=rules.sso.label if sso_on else None), 401
        session.clear()                                  # a new session: no fixation
        session.permanent = True
        session["user"] = user.username
        session["csrf"] = secrets.token_urlsafe(32)
        return redirect(_safe_next(request.form.get("next")))

    @server.route("/logout", methods=["GET", "POST"])
    def logout():
        if request.method == "GET":
            return logout_page()
        if session.get("user"):
            g.user = current_account(store, session["user"]) or g.get("user")
            record("sign_out")
        session.clear()
        return redirect("/login")

    @server.after_request
    def harden(resp: Response) -> Response:
        if request.path == "/_dash-update-component" and resp.status_code == 200:
            _audit_exports(resp)
        token = session.get("csrf")
        if token and request.cookies.get(CSRF_COOKIE) != token:
            resp.set_cookie(CSRF_COOKIE, token, samesite="Strict", secure=settings.secure_cookies, httponly=False,
                            path="/")
        resp.headers["Content-Security-Policy"] = csp
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["X-Frame-Options"] = "DENY"
        resp.headers["Referrer-Policy"] = "same-origin"
        resp.headers["Permissions-Policy"] = "geolocation=(), camera=(), microphone=()"
        resp.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if settings.secure_cookies:
            resp.headers["Strict-Transport-Security"] = "max-age=31536000"
        if not request.path.startswith(("/_dash-component-suites", "/assets", "/layers")):
            resp.headers["Cache-Control"] = "no-store"
        return resp


def _audit_exports(resp: Response) -> None:
    """Each download a callback returned (a ``data`` output holding a file name): its name, page and tier."""
    downloads = [oid for oid, prop in _outputs(request.get_json(silent=True)) if prop == "data"]
    if not downloads:
        return
    try:
        payload = resp.get_json(silent=True) or {}
    except (ValueError, RuntimeError):
        return
    for oid in downloads:
        data = ((payload.get("response") or {}).get(oid) or {}).get("data")
        if isinstance(data, dict) and data.get("filename"):
            record("export", f"{data['filename']} ({oid})", tier=g.get("export_tier") or tier_for(current_role()))
