"""The security store: accounts, the audit log and the session-signing key, in one SQLite file.

Kept apart from the analytical warehouse on purpose: the warehouse is served
read-only and replaced whole by each load (:func:`bluelight.etl.warehouse.publishing`),
while accounts and the audit trail are written while the dashboard serves and
must survive a rebuild of the data. SQLite gives each write its own durable
transaction and lets the CLI and every server worker use the file at once.
The file is created readable by its owner only.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import threading
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bluelight.foundation.errors import ConfigError, WarehouseError

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    username TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    password_hash TEXT,
    origin TEXT NOT NULL DEFAULT 'local',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_log (
    event_id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    username TEXT,
    role TEXT,
    action TEXT NOT NULL,
    detail TEXT,
    tier TEXT,
    remote_addr TEXT
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sign_in_failures (
    key TEXT PRIMARY KEY,          -- 'account:NAME' or 'address:IP'
    failures INTEGER NOT NULL,
    last_at REAL NOT NULL,         -- seconds since the epoch
    locked_until REAL NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS audit_limits (
    key TEXT PRIMARY KEY,          -- action and client: one event per interval, the rest counted
    last_at REAL NOT NULL,
    suppressed INTEGER NOT NULL DEFAULT 0
);
"""
#: columns added after the first release, with their definitions (added to an older store when it is opened)
_ADDED_COLUMNS = {("users", "session_version"): "INTEGER NOT NULL DEFAULT 1"}


@dataclass(frozen=True)
class Account:
    username: str
    role: str
    password_hash: str | None
    origin: str
    created_at: str
    updated_at: str
    session_version: int = 1


@dataclass(frozen=True)
class FailureState:
    """Failed sign-ins counted against one account or one client address."""

    failures: int
    last_at: float
    locked_until: float


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class SecurityStore:
    """Accounts and audit events in the SQLite file at ``path``.

    ``create``: whether a write may create the file. The CLI creates it with the
    first account; a server that requires sign-in opens it with ``create=False``,
    so a store moved away is never silently replaced by an empty one (which
    would hold no accounts and no throttle state).
    """

    def __init__(self, path: str | Path, *, create: bool = True):
        self.path = Path(path)
        self.create = create
        self._local = threading.local()       # one reading connection per thread (every request reads the store)

    def _open(self, *, create: bool) -> sqlite3.Connection | None:
        if not self.path.exists():
            if not create:
                return None
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600)
            os.close(fd)
        try:
            con = sqlite3.connect(self.path, timeout=10.0, isolation_level=None)
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA busy_timeout=10000")
            con.executescript(SCHEMA)
            for (table, column), definition in _ADDED_COLUMNS.items():
                have = {r[1] for r in con.execute(f"PRAGMA table_info({table})")}
                if column not in have:
                    con.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")
        except sqlite3.Error as exc:
            raise WarehouseError(f"cannot open the security store {self.path}: {exc}") from exc
        return con

    def _reader(self) -> sqlite3.Connection | None:
        """This thread's reading connection, opened once the file exists (and again if it is replaced)."""
        try:
            ino = self.path.stat().st_ino
        except OSError:
            return None
        con, seen = getattr(self._local, "con", None), getattr(self._local, "ino", None)
        if con is None or seen != ino:
            if con is not None:
                con.close()
            con = self._open(create=False)
            self._local.con, self._local.ino = con, ino
        return con

    def _write(self, sql: str, params: tuple[object, ...]) -> int:
        con = self._open(create=self.create)
        if con is None:
            raise WarehouseError(f"the security store {self.path} is missing: nothing is served until it is "
                                 "restored")
        with closing(con):
            try:
                cur = con.execute(sql, params)
            except sqlite3.IntegrityError as exc:
                raise ConfigError(f"{self.path}: {exc}") from exc
            except sqlite3.Error as exc:
                raise WarehouseError(f"cannot write the security store {self.path}: {exc}") from exc
            return cur.rowcount

    def _read(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        con = self._reader()
        if con is None:
            return []
        try:
            return con.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise WarehouseError(f"cannot read the security store {self.path}: {exc}") from exc

    def readable(self) -> bool:
        """Whether the file is there and answers a query (a server requiring sign-in serves nothing otherwise)."""
        try:
            con = self._reader()
            return con is not None and con.execute("SELECT count(*) FROM users").fetchone() is not None
        except (sqlite3.Error, WarehouseError):
            return False

    # -- accounts ---------------------------------------------------------------------------------------------------

    _ACCOUNT = "SELECT username, role, password_hash, origin, created_at, updated_at, session_version FROM users"

    def has_accounts(self) -> bool:
        return bool(self._read("SELECT 1 FROM users LIMIT 1"))

    def account(self, username: str) -> Account | None:
        rows = self._read(f"{self._ACCOUNT} WHERE username = ?", (username,))
        return Account(*rows[0]) if rows else None

    def accounts(self) -> list[Account]:
        return [Account(*r) for r in self._read(f"{self._ACCOUNT} ORDER BY username")]

    def put_account(self, username: str, role: str, password_hash: str | None, *, origin: str = "local",
                    replace: bool = False) -> None:
        """Add an account (or, with ``replace``, change its role and password).

        A change of role or password ends every session signed in before it
        (the account's session version moves on).
        """
        now = _now()
        if replace:
            self._write("INSERT INTO users (username, role, password_hash, origin, created_at, updated_at) "
                        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (username) DO UPDATE SET "
                        "session_version = users.session_version + (users.role IS NOT excluded.role OR "
                        "users.password_hash IS NOT excluded.password_hash), "
                        "role = excluded.role, password_hash = excluded.password_hash, origin = excluded.origin, "
                        "updated_at = excluded.updated_at", (username, role, password_hash, origin, now, now))
            return
        if self.account(username) is not None:
            raise ConfigError(f"an account named {username!r} already exists (use --replace to change it)")
        self._write("INSERT INTO users (username, role, password_hash, origin, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)", (username, role, password_hash, origin, now, now))

    def end_sessions(self, username: str) -> None:
        """End every session of ``username`` (sign-out everywhere): their session version moves on."""
        self._write("UPDATE users SET session_version = session_version + 1 WHERE username = ?", (username,))

    # -- failed sign-ins ----------------------------------------------------------------------------------------------

    def failures(self, key: str) -> FailureState | None:
        rows = self._read("SELECT failures, last_at, locked_until FROM sign_in_failures WHERE key = ?", (key,))
        return FailureState(*rows[0]) if rows else None

    def note_failure(self, key: str, *, now: float, window_s: float, lock_after: int) -> FailureState:
        """Count one more failed sign-in for ``key`` (failures older than ``window_s`` are forgotten) and lock
        it for ``window_s`` when the count reaches ``lock_after``."""
        self._write("INSERT INTO sign_in_failures (key, failures, last_at, locked_until) VALUES (?, 1, ?, 0) "
                    "ON CONFLICT (key) DO UPDATE SET "
                    "failures = CASE WHEN ? - sign_in_failures.last_at > ? THEN 1 "
                    "ELSE sign_in_failures.failures + 1 END, last_at = excluded.last_at",
                    (key, now, now, window_s))
        state = self.failures(key)
        if state is not None and state.failures >= lock_after and state.locked_until <= now:
            self._write("UPDATE sign_in_failures SET locked_until = ? WHERE key = ?", (now + window_s, key))
            state = FailureState(state.failures, state.last_at, now + window_s)
        return state or FailureState(1, now, 0.0)

    def clear_failures(self, key: str) -> None:
        self._write("DELETE FROM sign_in_failures WHERE key = ?", (key,))

    def set_password_hash(self, username: str, password_hash: str) -> None:
        self._write("UPDATE users SET password_hash = ?, updated_at = ? WHERE username = ?",
                    (password_hash, _now(), username))

    def remove_account(self, username: str) -> bool:
        return self._write("DELETE FROM users WHERE username = ?", (username,)) > 0

    # -- audit ------------------------------------------------------------------------------------------------------

    def record(self, action: str, *, username: str | None, role: str | None, detail: str = "",
               tier: str | None = None, remote_addr: str | None = None) -> None:
        """One audit event, committed before this returns."""
        self._write("INSERT INTO audit_log (at, username, role, action, detail, tier, remote_addr) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)", (_now(), username, role, action, detail[:2000], tier, remote_addr))

    def record_limited(self, action: str, *, key: str, now: float, every_s: float, username: str | None,
                       role: str | None, detail: str = "", remote_addr: str | None = None) -> bool:
        """An audit event written at most once per ``every_s`` for ``key`` (a flood of refusals must not fill
        the log or the disk); the events left out in between are counted in the next one's detail.
        Returns whether it was written."""
        rows = self._read("SELECT last_at, suppressed FROM audit_limits WHERE key = ?", (key,))
        if rows and now - rows[0][0] < every_s:
            self._write("UPDATE audit_limits SET suppressed = suppressed + 1 WHERE key = ?", (key,))
            return False
        skipped = rows[0][1] if rows else 0
        self._write("INSERT INTO audit_limits VALUES (?, ?, 0) ON CONFLICT (key) DO UPDATE SET last_at = "
                    "excluded.last_at, suppressed = 0", (key, now))
        more = f" (+{skipped} like it not logged)" if skipped else ""
        self.record(action, username=username, role=role, detail=detail + more, remote_addr=remote_addr)
        return True

    def events(self, *, limit: int = 200, action: str | None = None) -> list[dict[str, Any]]:
        where, params = ("WHERE action = ?", (action,)) if action else ("", ())
        rows = self._read(f"SELECT event_id, at, username, role, action, detail, tier, remote_addr FROM audit_log "
                          f"{where} ORDER BY event_id DESC LIMIT ?", (*params, int(limit)))
        keys = ("event_id", "at", "username", "role", "action", "detail", "tier", "remote_addr")
        return [dict(zip(keys, r)) for r in rows]

    # -- the session-signing key --------------------------------------------------------------------------------------

    def signing_key(self) -> str:
        """The key that signs session cookies, made once and shared by every worker and restart."""
        rows = self._read("SELECT value FROM meta WHERE key = 'session_key'")
        if rows:
            return str(rows[0][0])
        self._write("INSERT OR IGNORE INTO meta VALUES ('session_key', ?)", (secrets.token_hex(32),))
        return str(self._read("SELECT value FROM meta WHERE key = 'session_key'")[0][0])
