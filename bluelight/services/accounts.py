"""Accounts and the audit trail: ``bluelight users``, ``bluelight audit`` and the dashboard's sign-in.

Passwords are hashed with Argon2id (argon2-cffi's defaults, RFC 9106's
recommended parameters) and rehashed on sign-in when those defaults change.
A sign-in for an unknown name costs the same as a wrong password, so timing
does not tell which names exist.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from bluelight.access import check_role, load_rules
from bluelight.errors import ConfigError, ValidationError
from bluelight.etl.security_store import SecurityStore
from bluelight.settings import security_store_path

_NAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")
_HASHER = PasswordHasher()
#: verified against when the name is unknown, so that a miss takes as long as a wrong password
_DUMMY_HASH = _HASHER.hash("not a password of anyone")


@dataclass(frozen=True)
class User:
    """Who is signed in, and with which role."""

    username: str
    role: str


def security_store(path=None) -> SecurityStore:
    """The accounts and audit store: ``path``, else ``BLUELIGHT_SECURITY_STORE``, else the default file."""
    return SecurityStore(security_store_path(path))


def check_username(username: str) -> str:
    name = (username or "").strip().lower()
    if not _NAME.match(name):
        raise ValidationError("username", "a user name is 2 to 64 characters: lower-case letters, digits and . _ @ - "
                                          f"(starting with a letter or digit), got {username!r}")
    return name


def check_password(password: str, *, min_length: int) -> str:
    if len(password or "") < min_length:
        raise ValidationError("password", f"a password needs at least {min_length} characters "
                                          f"(got {len(password or '')})")
    return password


def add_user(store: SecurityStore, username: str, password: str, role: str, *, replace: bool = False) -> User:
    """Create (or with ``replace`` reset) a local account with a hashed password."""
    rules = load_rules()
    name = check_username(username)
    check_role(role)
    check_password(password, min_length=rules.min_password_length)
    store.put_account(name, role, _HASHER.hash(password), replace=replace)
    store.record("user_added" if not replace else "user_changed", username=None, role=None,
                 detail=f"{name} as {role}")
    return User(name, role)


def remove_user(store: SecurityStore, username: str) -> None:
    name = check_username(username)
    if not store.remove_account(name):
        raise ConfigError(f"no account named {name!r}")
    store.record("user_removed", username=None, role=None, detail=name)


def list_users(store: SecurityStore) -> list[dict]:
    return [{"username": a.username, "role": a.role, "origin": a.origin, "created_at": a.created_at,
             "updated_at": a.updated_at} for a in store.accounts()]


def authenticate(store: SecurityStore, username: str, password: str, *, remote_addr: str | None = None) -> User | None:
    """The user if the name and password match a local account; every attempt is audited."""
    try:
        name = check_username(username)
    except ValidationError:
        name = None
    account = store.account(name) if name else None
    stored = account.password_hash if account and account.password_hash else _DUMMY_HASH
    try:
        ok = _HASHER.verify(stored, password or "") and account is not None and account.password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    if not ok:
        store.record("sign_in_failed", username=name or (username or "")[:64], role=None, remote_addr=remote_addr)
        return None
    if _HASHER.check_needs_rehash(account.password_hash):
        store.set_password_hash(account.username, _HASHER.hash(password))
    store.record("sign_in", username=account.username, role=account.role, remote_addr=remote_addr)
    return User(account.username, account.role)


def sso_account(store: SecurityStore, username: str, role: str | None, *, remote_addr: str | None = None) -> User:
    """Record a user the identity provider signed in (origin ``oidc``, no password), with the mapped role.

    Refused, and audited, when no role maps from the token or when the name
    belongs to a local account (single sign-on never takes one over).
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


def current_account(store: SecurityStore, username: str) -> User | None:
    """The account as it is now (removed or changed since sign-in: None, or its new role)."""
    account = store.account(username)
    return User(account.username, account.role) if account else None


def audit_events(store: SecurityStore, *, limit: int = 200, action: str | None = None) -> list[dict]:
    return store.events(limit=limit, action=action)
