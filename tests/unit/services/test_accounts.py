"""Accounts: hashed passwords, roles, the audit trail; and the command line over them."""

import json
import sqlite3

import pytest

from bluelight.cli.main import main
from bluelight.foundation.errors import ConfigError, ValidationError
from bluelight.services.accounts import add_user, authenticate, list_users, remove_user, security_store


@pytest.fixture
def store(tmp_path):
    return security_store(tmp_path / "sec" / "accounts.sqlite")


def test_passwords_are_stored_only_as_argon2id_hashes(store):
    add_user(store, "Ann.Smith@fire", "a long enough password", "planner")
    (name, role, digest), = sqlite3.connect(store.path).execute("SELECT username, role, password_hash FROM users")
    assert (name, role) == ("ann.smith@fire", "planner")
    assert digest.startswith("$argon2id$") and "a long enough password" not in digest
    assert (store.path.stat().st_mode & 0o777) == 0o600              # the owner only


def test_sign_in_checks_the_password_and_audits_every_attempt(store):
    add_user(store, "ann", "a long enough password", "analyst")
    assert authenticate(store, "ann", "wrong password", remote_addr="127.0.0.1") is None
    assert authenticate(store, "nobody", "a long enough password") is None
    user = authenticate(store, "ANN", "a long enough password")
    assert (user.username, user.role) == ("ann", "analyst")
    actions = [e["action"] for e in store.events()]
    assert actions == ["sign_in", "sign_in_failed", "sign_in_failed", "user_added"]
    assert store.events(action="sign_in_failed")[1]["remote_addr"] == "127.0.0.1"


def test_bad_names_roles_and_passwords_are_refused(store):
    with pytest.raises(ValidationError, match="at least 12 characters"):
        add_user(store, "ann", "short", "viewer")
    with pytest.raises(ValidationError, match="user name"):
        add_user(store, "../etc", "a long enough password", "viewer")
    with pytest.raises(ConfigError, match="role must be one of viewer, planner, analyst, admin"):
        add_user(store, "ann", "a long enough password", "superuser")
    add_user(store, "ann", "a long enough password", "viewer")
    with pytest.raises(ConfigError, match="already exists"):
        add_user(store, "ann", "another long password", "admin")
    add_user(store, "ann", "another long password", "admin", replace=True)
    assert [u["role"] for u in list_users(store)] == ["admin"]
    remove_user(store, "ann")
    assert not store.has_accounts()
    with pytest.raises(ConfigError, match="no account named 'ann'"):
        remove_user(store, "ann")


def test_users_and_audit_commands(tmp_path, capsys, monkeypatch):
    path = str(tmp_path / "accounts.sqlite")
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("a long enough password\n"))
    assert main(["users", "add", "bea", "--role", "viewer", "--password-stdin", "--store", path]) == 0
    assert "added bea as viewer" in capsys.readouterr().out
    assert main(["users", "list", "--json", "--store", path]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["username"] == "bea" and "password_hash" not in rows[0]
    assert main(["audit", "--json", "--store", path]) == 0
    assert json.loads(capsys.readouterr().out)[0]["action"] == "user_added"
    assert main(["users", "remove", "nobody", "--store", path]) == 2
    assert "no account named 'nobody'" in capsys.readouterr().err
