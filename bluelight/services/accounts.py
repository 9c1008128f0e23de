"""Accounts and the audit trail: ``bluelight users``, ``bluelight audit`` and the dashboard's sign-in.

Passwords are hashed with Argon2id (argon2-cffi's defaults, RFC 9106's
recommended parameters) and rehashed on sign-in when those defaults change.
A sign-in for an unknown name costs the same as a wrong password, so timing
does not tell which names exist.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from bluelight.etl.security_store import SecurityStore as SecurityStore  # the store the dashboard is given
from bluelight.foundation.access import SignInLimits, check_role, load_rules, sign_in_wait_s
from bluelight.foundation.environment import security_store_path
from bluelight.foundation.errors import ConfigError, SignInThrottled, ValidationError

_NAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")
_HASHER = PasswordHasher()
#: verified against when the name is unknown, so that a miss takes as long as a wrong password
_DUMMY_HASH = _HASHER.hash("not a password of anyone")


@dataclass(frozen=True)
class User:
    """Who is signed in, and with which role."""

    username: str
    role: str


def security_store(path: str | Path | None = None, *, create: bool = True) -> SecurityStore:
    """The accounts and audit store: ``path``, else ``BLUELIGHT_SECURITY_STORE``, else the default file
    (``create=False``: a write never creates a missing file).

    Parameters
    ----------
    path
        The store's file (default: ``BLUELIGHT_SECURITY_STORE``, else the default file).
    create
        Whether a missing file may be created (False for writes that must not).
    """
    return SecurityStore(security_store_path(path), create=create)


def check_username(username: str) -> str:
    """The user name as stored (lower case), or a :class:`ValidationError` saying what a name may be.

    Parameters
    ----------
    username
        The name typed; lower-cased and stripped before it is checked.
    """
    name = (username or "").strip().lower()
    if not _NAME.match(name):
        raise ValidationError("username", "a user name is 2 to 64 characters: lower-case letters, digits and . _ @ - "
                                          f"(starting with a letter or digit), got {username!r}")
    return name


def check_password(password: str, *, min_length: int, max_length: int = SignInLimits.max_password_chars) -> str:
    """The password, if its length is within the limits (a :class:`ValidationError` otherwise).

    Parameters
    ----------
    password
        The password typed.
    min_length
        Fewest characters allowed.
    max_length
        Most characters allowed (the hash's input is bounded).
    """
    if len(password or "") < min_length:
        raise ValidationError("password", f"a password needs at least {min_length} characters "
                                          f"(got {len(password or '')})")
    if len(password) > max_length:
        raise ValidationError("password", f"a password may have at most {max_length} characters "
                                          f"(got {len(password):,})")
    return password


def add_user(store: SecurityStore, username: str, password: str, role: str, *, replace: bool = False) -> User:
    """Create (or with ``replace`` reset) a local account with a hashed password.

    Parameters
    ----------
    store
        The accounts and audit store.
    username
        The account's name (case is ignored).
    password
        The password, checked by :func:`check_password`.
    role
        One of the roles in ``security.yaml``.
    replace
        Whether an existing account's password and role are reset (otherwise an error).
    """
    rules = load_rules()
    name = check_username(username)
    check_role(role)
    check_password(password, min_length=rules.min_password_length, max_length=rules.sign_in.max_password_chars)
    store.put_account(name, role, _HASHER.hash(password), replace=replace)
    store.record("user_added" if not replace else "user_changed", username=None, role=None,
                 detail=f"{name} as {role}")
    return User(name, role)


def remove_user(store: SecurityStore, username: str) -> None:
    """Remove a local account (audited); a name with no account is an error.

    Parameters
    ----------
    store
        The accounts and audit store.
    username
        The account's name (case is ignored).
    """
    name = check_username(username)
    if not store.remove_account(name):
        raise ConfigError(f"no account named {name!r}")
    store.record("user_removed", username=None, role=None, detail=name)


def list_users(store: SecurityStore) -> list[dict[str, Any]]:
    """Every account: name, role, origin and when it was made and last changed (no password hashes).

    Parameters
    ----------
    store
        The accounts and audit store.
    """
    return [{"username": a.username, "role": a.role, "origin": a.origin, "created_at": a.created_at,
             "updated_at": a.updated_at} for a in store.accounts()]


def _throttle_keys(name: str | None, username: str, remote_addr: str | None,
                   limits: SignInLimits) -> list[tuple[str, int]]:
    """What a sign-in is counted against: the account named (known or not, so that guessing names is throttled
    too) and the client address, each with the failures that lock it."""
    keys = [(f"account:{name or (username or '').strip().lower()[:64]}", limits.lock_account_after)]
    if remote_addr:
        keys.append((f"address:{remote_addr}", limits.lock_address_after))
    return keys


def authenticate(store: SecurityStore, username: str, password: str, *, remote_addr: str | None = None,
                 limits: SignInLimits | None = None, now: float | None = None) -> User | None:
    """The user if the name and password match a local account; every attempt is audited.

    Failed attempts are counted per account and per client address
    (:func:`bluelight.foundation.access.sign_in_wait_s`): while either must wait, the
    attempt is refused with :class:`SignInThrottled` before any password is
    hashed, the right password included. A password longer than the limit is
    a failure, never hashed.

    Parameters
    ----------
    store
        The accounts and audit store.
    username
        The account's name (case is ignored).
    password
        The password typed.
    remote_addr
        Where the attempt came from (for the throttle and the audit).
    limits
        The sign-in throttle (default: ``security.yaml``'s).
    now
        The time of the attempt in epoch seconds (default: now).
    """
    limits = limits or load_rules().sign_in
    now = time.time() if now is None else now
    try:
        name = check_username(username)
    except ValidationError:
        name = None
    keys = _throttle_keys(name, username, remote_addr, limits)
    for key, _ in keys:
        state = store.failures(key)
        wait = sign_in_wait_s(state.failures, state.last_at, state.locked_until, now=now, limits=limits) if state else 0
        if wait > 0:
            raise SignInThrottled(wait, locked=bool(state and state.locked_until > now))
    account = store.account(name) if name else None
    stored = account.password_hash if account and account.password_hash else _DUMMY_HASH
    ok = False
    if len(password or "") <= limits.max_password_chars:
        try:
            ok = _HASHER.verify(stored, password or "") and account is not None and account.password_hash is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            ok = False
    if not ok or account is None or account.password_hash is None:
        store.record("sign_in_failed", username=name or (username or "")[:64], role=None, remote_addr=remote_addr)
        for key, lock_after in keys:
            state = store.note_failure(key, now=now, window_s=limits.lockout_window_s, lock_after=lock_after)
            if state.locked_until > now and state.failures == lock_after:
                store.record("sign_in_locked", username=name or (username or "")[:64], role=None,
                             detail=f"{key.split(':')[0]} locked for {limits.lockout_window_s:g} s after "
                                    f"{lock_after} failed sign-ins", remote_addr=remote_addr)
        return None
    if _HASHER.check_needs_rehash(account.password_hash):
        store.set_password_hash(account.username, _HASHER.hash(password))
    store.clear_failures(keys[0][0])
    store.record("sign_in", username=account.username, role=account.role, remote_addr=remote_addr)
    return User(account.username, account.role)


def sso_account(store: SecurityStore, username: str, role: str | None, *, remote_addr: str | None = None) -> User:
    """Record a user the identity provider signed in (origin ``oidc``, no password), with the mapped role.

    Refused, and audited, when no role maps from the token or when the name
    belongs to a local account (single sign-on never takes one over).

    Parameters
    ----------
    store
        The accounts and audit store.
    username
        The name the identity provider asserted.
    role
        The role mapped from the provider's groups (None: refused).
    remote_addr
        Where the sign-in came from (for the audit).
    """
    name = check_username(username)
    existing = store.account(name)
    if role is None:
        store.record("sign_in_refused", username=name, role=None, detail="sso: no role maps from the token",
                     remote_addr=remote_addr)
        raise ConfigError(f"{name} signed in with single sign-on, but none of their groups maps to a role: ask an "
                          "administrator to add the group to sso.role_map in security.yaml")
    if existing is not None and existing.origin != "oidc":
        store.record("sign_in_refused", username=name, role=None, detail="sso: the name is a local account",
                     remote_addr=remote_addr)
        raise ConfigError(f"{name} is a local account: single sign-on cannot take it over")
    check_role(role)
    store.put_account(name, role, None, origin="oidc", replace=True)
    store.record("sign_in", username=name, role=role, detail="sso", remote_addr=remote_addr)
    return User(name, role)


def current_account(store: SecurityStore, username: str, session_version: int | None = None) -> User | None:
    """The account as it is now: None if removed since sign-in or, given the session's ``session_version``,
    if the account has signed out everywhere, changed password or changed role since.

    Parameters
    ----------
    store
        The accounts and audit store.
    username
        The account's name (case is ignored).
    session_version
        The version the session was issued with (None: not checked).
    """
    account = store.account(username)
    if account is None or (session_version is not None and session_version != account.session_version):
        return None
    return User(account.username, account.role)


def session_version(store: SecurityStore, username: str) -> int | None:
    """The version a new session of ``username`` carries.

    Parameters
    ----------
    store
        The accounts and audit store.
    username
        The account's name (case is ignored).
    """
    account = store.account(username)
    return account.session_version if account else None


def sign_out_everywhere(store: SecurityStore, username: str) -> None:
    """End every session of ``username``.

    Parameters
    ----------
    store
        The accounts and audit store.
    username
        The account's name (case is ignored).
    """
    store.end_sessions(username)


def audit_events(store: SecurityStore, *, limit: int = 200, action: str | None = None) -> list[dict[str, Any]]:
    """The audit trail, newest first (``bluelight users audit``).

    Parameters
    ----------
    store
        The accounts and audit store.
    limit
        Most events returned, newest first.
    action
        Only events of this action (None: every action).
    """
    return store.events(limit=limit, action=action)
