"""Sign-in, roles and request hardening for the Flask server behind the Dash app.

Whether sign-in is required is decided once, when the app is built
(:class:`AuthSettings`): ``local_only`` serves the person at this machine (a
request from anywhere else, or relayed by a proxy, is refused), otherwise
every page, callback, layer and download needs a signed-in session, whatever
later happens to the accounts: a removed last account leaves nobody able to
sign in, and a missing or unreadable security store refuses every request
with 503. Every request passes one gate (:func:`install`): bodies are bounded
(413) and JSON depth too (400); a state-changing request must carry the
session's CSRF token and come from this origin; a callback request is judged
by the callback Dash will run (:mod:`bluelight.dashboard.callback_gate`),
before it runs. Sessions are signed cookies (HttpOnly, SameSite, Secure off
loopback or behind a proxy) carrying the account's session version, so
signing out, a new password or a new role ends every older session. Failed
sign-ins are throttled per account and address. Refusals, sign-ins,
sign-outs, exports and saved scenarios are written to the audit log.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from flask import Response, g, has_request_context, jsonify, redirect, request, session
from werkzeug.wrappers import Response as BaseResponse

from bluelight.analysis.disclosure import mask_sites
from bluelight.dashboard.callback_gate import CallbackAccess, outputs_mismatch, resolve
from bluelight.dashboard.login_page import login_page, logout_page
from bluelight.dashboard.request_limits import BodyError, parse_json_body, safe_next
from bluelight.dashboard.sso import SSO_PATHS, install_sso
from bluelight.foundation.access import DisclosureRules, allows, cleared_for, load_rules, tier_for
from bluelight.foundation.errors import SignInThrottled, WarehouseError
from bluelight.services.accounts import (
    SecurityStore,
    User,
    authenticate,
    current_account,
    session_version,
    sign_out_everywhere,
)

if TYPE_CHECKING:
    import pandas as pd
    from flask import Flask
    from flask.typing import ResponseReturnValue

log = logging.getLogger(__name__)

CSRF_COOKIE = "_csrf_token"
CSRF_HEADER = "X-CSRFToken"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
#: what anyone may fetch before signing in
PUBLIC_PATHS = {"/login", "/favicon.ico"}
#: who a local-only server serves: the person at this machine
LOCAL_USER = User("local", "admin")
#: headers a proxy adds: a local-only server refuses relayed requests, which come from elsewhere
FORWARDING_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Real-IP")
#: refusals of one kind from one address are audited at most this often (the rest are counted)
AUDIT_REFUSALS_EVERY_S = 60.0


@dataclass(frozen=True)
class AuthSettings:
    """How the server decides who may do what, fixed when the app is built.

    ``local_only``: serve the person at this machine without sign-in (no
    accounts); otherwise sign-in is required for as long as the server runs.
    """

    store: SecurityStore
    rules: DisclosureRules
    secure_cookies: bool
    web_tiles: bool = False
    local_only: bool = False
    clock: Callable[[], float] = field(default=lambda: time.time())   # read through the module, so tests can move it


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


def visible_sites(sites: pd.DataFrame | None) -> pd.DataFrame | None:
    """Sites as this request's role may see them: restricted sites rounded unless the role is cleared for them."""
    if cleared_for(current_role(), "official-sensitive") or sites is None or len(sites) == 0:
        return sites
    rules = current_rules()
    return mask_sites(sites, restricted_kinds=rules.restricted_site_kinds, restricted_ids=rules.restricted_sites,
                      rounding_m=rules.site_rounding_m)


def audit_log(*, limit: int = 100) -> list[dict[str, Any]]:
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
    if settings is None or settings.local_only:
        return
    user = current_user()
    settings.store.record(action, username=user.username, role=user.role, detail=detail, tier=tier,
                          remote_addr=request.remote_addr)


def _same_origin() -> bool:
    origin = request.headers.get("Origin") or request.headers.get("Referer")
    if not origin:
        return True
    return urlsplit(origin).netloc == request.host


def _token_ok(sent: str | None) -> bool:
    want = session.get("csrf")
    return bool(want and sent and hmac.compare_digest(str(sent), str(want)))


def _refuse(status: int, message: str, *, headers: dict[str, str] | None = None) -> Response:
    resp = jsonify({"error": message})
    resp.status_code = status
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def _from_this_machine() -> bool:
    """Whether the request came straight from this machine (not relayed by a proxy)."""
    try:
        loopback = ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        loopback = False
    return loopback and not any(h in request.headers for h in FORWARDING_HEADERS)


def content_security_policy(*, web_tiles: bool, script_hashes: Sequence[str] = ()) -> str:
    """No inline script but the app's own (by hash) and no ``eval``; styles inline (Dash's components set them);
    ``data:`` fetched (a map's response surface is an inline image MapLibre reads by fetch)."""
    tiles = " https://*.tile.openstreetmap.org https://tile.openstreetmap.org" if web_tiles else ""
    hashes = "".join(f" {h}" for h in script_hashes)          # already quoted: 'sha256-...'
    return (f"default-src 'self'; script-src 'self'{hashes}; style-src 'self' 'unsafe-inline'; "
            f"img-src 'self' data: blob:{tiles}; worker-src 'self' blob:; child-src 'self' blob:; "
            f"connect-src 'self' data:{tiles}; font-src 'self' data:; frame-ancestors 'none'; base-uri 'self'; "
            "form-action 'self'; object-src 'none'")


@dataclass
class _Gate:
    """The per-request checks, with what they need from the app."""

    settings: AuthSettings
    callback_map: dict[str, Any]
    page_prefixes: dict[str, str]
    shell_ids: frozenset[str]
    hashing: threading.BoundedSemaphore

    def audit_refusal(self, kind: str, detail: str) -> None:
        """A refusal in the audit log, at most once a minute per kind and address (the rest counted)."""
        if self.settings.local_only:
            return
        user = g.get("user")
        try:
            self.settings.store.record_limited(
                kind, key=f"{kind}:{request.remote_addr}", now=self.settings.clock(), every_s=AUDIT_REFUSALS_EVERY_S,
                username=user.username if user else None, role=user.role if user else None,
                detail=f"{request.method} {request.path}: {detail}"[:500], remote_addr=request.remote_addr)
        except WarehouseError:
            log.warning("audit log not written: %s %s", kind, detail)

    def refuse(self, status: int, message: str, *, kind: str = "refused") -> Response:
        self.audit_refusal(kind, message)
        return _refuse(status, message)

    def body_limit(self) -> int:
        limits = self.settings.rules.requests
        if request.path in ("/login", "/logout"):
            return int(limits.max_form_body_kb * 1024)
        if request.path == "/_dash-update-component":
            return int(limits.max_callback_body_mb * 1024 * 1024)
        return int(limits.max_form_body_kb * 1024)

    def callback(self, user: User) -> Response | None:
        """A callback request: its body bounded and parsed, the callback Dash will run resolved and judged."""
        limits = self.settings.rules.requests
        try:
            body = parse_json_body(request.get_data(cache=True), max_bytes=self.body_limit(),
                                   max_depth=limits.max_json_depth)
        except BodyError as exc:
            return self.refuse(exc.status, str(exc), kind="refused_body")
        if not isinstance(body, dict):
            return self.refuse(400, "a callback request is a JSON object", kind="refused_body")
        access: CallbackAccess | None = resolve(self.callback_map, body.get("output"), self.page_prefixes,
                                                self.shell_ids)
        if access is None:
            return self.refuse(400, "no such callback", kind="refused_callback")
        mismatch = outputs_mismatch(access, body)
        if mismatch:
            return self.refuse(400, mismatch, kind="refused_callback")
        if not allows(user.role, access.role):
            return self.refuse(403, f"the {user.role} role may not use this page (needs {access.role})",
                               kind="refused_role")
        return None

    def signed_in(self) -> User | None:
        if not session.get("user") or not isinstance(session.get("ver"), int):
            return None
        return current_account(self.settings.store, session["user"], session["ver"])

    def __call__(self) -> BaseResponse | None:
        settings = self.settings
        g.auth = settings
        limit = self.body_limit()
        if request.content_length is not None and request.content_length > limit:
            return self.refuse(413, f"request body of {request.content_length:,} bytes; at most {limit:,} are "
                                    "accepted", kind="refused_body")
        request.max_content_length = limit           # a body without a length is cut off at the same bound
        if settings.local_only:
            if not _from_this_machine():
                return _refuse(403, "this server serves only the person at this machine (started with "
                                    "--local-only): sign-in must be configured to serve anyone else")
        elif not settings.store.readable():
            log.error("security store %s missing or unreadable: refusing every request", settings.store.path)
            return _refuse(503, "sign-in is unavailable (the accounts store cannot be read); nothing is served "
                                "until an administrator restores it")
        if "csrf" not in session:
            session["csrf"] = secrets.token_urlsafe(32)
        if request.method not in SAFE_METHODS:
            if not _same_origin():
                return self.refuse(403, "cross-origin request refused", kind="refused_csrf")
            sent = request.form.get("csrf_token") if request.path in ("/login", "/logout") \
                else request.headers.get(CSRF_HEADER)
            if not _token_ok(sent):
                return self.refuse(403, "missing or wrong CSRF token: reload the page", kind="refused_csrf")
        if settings.local_only:
            g.user = LOCAL_USER
            return self.callback(LOCAL_USER) if request.path == "/_dash-update-component" else None
        if request.path in PUBLIC_PATHS or (settings.rules.sso.enabled and request.path in SSO_PATHS):
            return None
        user = self.signed_in()
        if user is None:
            session.pop("user", None)
            if request.method == "GET" and not request.path.startswith(("/_dash", "/layers", "/glyphs", "/assets")):
                return redirect("/login?next=" + quote(safe_next(request.full_path.rstrip("?")), safe=""))
            return _refuse(401, "sign in first")
        g.user = user
        if request.path == "/_dash-update-component":
            return self.callback(user)
        return None


def install(server: Flask, settings: AuthSettings, *, page_prefixes: dict[str, str], callback_map: dict[str, Any],
            shell_ids: frozenset[str] = frozenset(), script_hashes: Callable[[], Sequence[str]] = list) -> None:
    """Put the gate, the sign-in routes and the security headers on the Flask ``server``.

    ``page_prefixes`` maps each page's component-id prefix to the least role
    that may run its callbacks; ``callback_map`` is the Dash app's (read at
    request time, so callbacks registered later count); ``shell_ids`` are the
    ids of the frame around the pages (navigation, alert), open to every
    signed-in role; ``script_hashes`` gives the CSP hashes of the app's own
    inline scripts once every callback is registered.
    """
    store, rules = settings.store, settings.rules
    server.secret_key = store.signing_key()          # shared by every worker process and restart
    server.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                         SESSION_COOKIE_SECURE=settings.secure_cookies, SESSION_COOKIE_NAME="bluelight_session",
                         PERMANENT_SESSION_LIFETIME=timedelta(hours=rules.session_hours),
                         MAX_CONTENT_LENGTH=int(rules.requests.max_callback_body_mb * 1024 * 1024),
                         MAX_FORM_MEMORY_SIZE=int(rules.requests.max_form_body_kb * 1024))
    sso_on = rules.sso.enabled and not settings.local_only
    gate = _Gate(settings, callback_map, page_prefixes, shell_ids,
                 threading.BoundedSemaphore(rules.sign_in.max_concurrent_hashes))
    csp: list[str] = []
    if sso_on:
        install_sso(server, rules.sso, store, refuse=_refuse)
    server.before_request(gate)

    @server.route("/favicon.ico")
    def favicon() -> ResponseReturnValue:
        return Response(status=204)

    @server.route("/login", methods=["GET", "POST"])
    def login() -> ResponseReturnValue:
        sso_label = rules.sso.label if sso_on else None
        if settings.local_only:
            return redirect("/")
        if request.method == "GET":
            return login_page(next_path=safe_next(request.args.get("next")), sso_label=sso_label)
        password = request.form.get("password", "")
        if len(password) > rules.sign_in.max_password_chars:
            return gate.refuse(400, f"a password has at most {rules.sign_in.max_password_chars} characters",
                               kind="refused_body")
        if not gate.hashing.acquire(timeout=10):
            return _refuse(503, "too many sign-ins at once: try again in a few seconds", headers={"Retry-After": "5"})
        try:
            user = authenticate(store, request.form.get("username", ""), password, remote_addr=request.remote_addr,
                                limits=rules.sign_in, now=settings.clock())
        except SignInThrottled as exc:
            gate.audit_refusal("sign_in_throttled", f"{request.form.get('username', '')[:64]}: {exc}")
            return login_page(message=f"Too many failed sign-ins: try again in {exc.retry_after_s} s.",
                              next_path=safe_next(request.form.get("next")), sso_label=sso_label), 429, \
                {"Retry-After": str(exc.retry_after_s)}
        finally:
            gate.hashing.release()
        if user is None:
            return login_page(message="Wrong user name or password.", next_path=safe_next(request.form.get("next")),
                              sso_label=sso_label), 401
        session.clear()                                  # a new session: no fixation
        session.permanent = True
        session["user"] = user.username
        session["ver"] = session_version(store, user.username)
        session["csrf"] = secrets.token_urlsafe(32)
        return redirect(safe_next(request.form.get("next")))

    @server.route("/logout", methods=["GET", "POST"])
    def logout() -> ResponseReturnValue:
        if settings.local_only:
            return redirect("/")
        if request.method == "GET":
            return logout_page(current_user().username)
        user = gate.signed_in()
        if user is not None:
            g.user = user
            sign_out_everywhere(store, user.username)     # every session of this account ends, not only this one
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
        if not csp:
            csp.append(content_security_policy(web_tiles=settings.web_tiles, script_hashes=script_hashes()))
        resp.headers["Content-Security-Policy"] = csp[0]
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["X-Frame-Options"] = "DENY"
        resp.headers["Referrer-Policy"] = "same-origin"
        resp.headers["Permissions-Policy"] = "geolocation=(), camera=(), microphone=()"
        resp.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        resp.headers["Server"] = "bluelight"
        if settings.secure_cookies:
            resp.headers["Strict-Transport-Security"] = "max-age=31536000"
        if not request.path.startswith(("/_dash-component-suites", "/assets", "/layers")):
            resp.headers["Cache-Control"] = "no-store"
        return resp


def _outputs(body: object) -> list[tuple[str, str]]:
    """A callback request's outputs as (id, property); a pattern-matching id by its ``type``."""
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
