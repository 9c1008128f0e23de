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
from datetime import datetime, timezone
from pathlib import Path

from bluelight.errors import ConfigError, WarehouseError

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
"""


@dataclass(frozen=True)
class Account:
    username: str
    role: str
    password_hash: str | None
    origin: str
    created_at: str
    updated_at: str


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class SecurityStore:
    """Accounts and audit events in the SQLite file at ``path`` (created on first write)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
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

    def _write(self, sql: str, params: tuple) -> int:
        con = self._open(create=True)
        with closing(con):
            try:
                cur = con.execute(sql, params)
            except sqlite3.IntegrityError as exc:
                raise ConfigError(f"{self.path}: {exc}") from exc
            except sqlite3.Error as exc:
                raise WarehouseError(f"cannot write the security store {self.path}: {exc}") from exc
            return cur.rowcount

    def _read(self, sql: str, params: tuple = ()) -> list[tuple]:
        con = self._reader()
        if con is None:
            return []
        try:
            return con.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise WarehouseError(f"cannot read the security store {self.path}: {exc}") from exc

    # -- accounts ---------------------------------------------------------------------------------------------------

    def has_accounts(self) -> bool:
        return bool(self._read("SELECT 1 FROM users LIMIT 1"))

    def account(self, username: str) -> Account | None:
        rows = self._read("SELECT username, role, password_hash, origin, created_at, updated_at FROM users "
                          "WHERE username = ?", (username,))
        return Account(*rows[0]) if rows else None

    def accounts(self) -> list[Account]:
        return [Account(*r) for r in self._read("SELECT username, role, password_hash, origin, created_at, "
                                                "updated_at FROM users ORDER BY username")]

    def put_account(self, username: str, role: str, password_hash: str | None, *, origin: str = "local",
                    replace: bool = False) -> None:
        """Add an account (or, with ``replace``, change its role and password)."""
        now = _now()
        if replace:
            self._write("INSERT INTO users VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (username) DO UPDATE SET "
                        "role = excluded.role, password_hash = excluded.password_hash, origin = excluded.origin, "
                        "updated_at = excluded.updated_at", (username, role, password_hash, origin, now, now))
            return
        if self.account(username) is not None:
            raise ConfigError(f"an account named {username!r} already exists (use --replace to change it)")
        self._write("INSERT INTO users VALUES (?, ?, ?, ?, ?, ?)", (username, role, password_hash, origin, now, now))

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

    def events(self, *, limit: int = 200, action: str | None = None) -> list[dict]:
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
            return rows[0][0]
        self._write("INSERT OR IGNORE INTO meta VALUES ('session_key', ?)", (secrets.token_hex(32),))
        return self._read("SELECT value FROM meta WHERE key = 'session_key'")[0][0]
