"""Serving: loopback only until sign-in exists; a production server otherwise."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bluelight.dashboard.serve import is_loopback, main

APP = Path(__file__).resolve().parents[3] / "app.py"


@pytest.mark.parametrize("host, ok", [("127.0.0.1", True), ("127.0.0.5", True), ("::1", True), ("localhost", True),
                                      ("0.0.0.0", False), ("", False), ("10.1.2.3", False), ("example.org", False)])
def test_loopback(host, ok):
    assert is_loopback(host) is ok


def test_a_bind_beyond_this_machine_is_refused_with_what_to_configure(capsys):
    assert main(["--host", "0.0.0.0", "--warehouse", "/nonexistent/w.duckdb"]) == 2
    err = capsys.readouterr().err
    assert "refusing to serve on 0.0.0.0" in err and "sign-in" in err and "127.0.0.1" in err


def test_app_py_exits_with_the_message():
    done = subprocess.run([sys.executable, str(APP), "--host", "0.0.0.0"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "refusing to serve" in done.stderr and "Traceback" not in done.stderr


def test_local_only_is_explicit_and_never_bypasses_accounts(tmp_path, capsys):
    from bluelight.services.accounts import add_user, security_store

    store = tmp_path / "accounts.sqlite"
    assert main(["--warehouse", "/nonexistent/w.duckdb", "--store", str(store)]) == 2      # no sign-in, no flag
    assert "--local-only" in capsys.readouterr().err
    assert main(["--local-only", "--behind-proxy", "--store", str(store)]) == 2            # a proxy lets others in
    assert "behind a proxy" in capsys.readouterr().err
    add_user(security_store(store), "ada", "admin passphrase", "admin")
    assert main(["--local-only", "--store", str(store)]) == 2                               # would bypass the accounts
    assert "drop --local-only" in capsys.readouterr().err


def test_behind_a_proxy_cookies_are_secure(wh, tmp_path):
    from bluelight.dashboard.app import create_app
    from bluelight.services.accounts import add_user, security_store

    store = tmp_path / "accounts.sqlite"
    add_user(security_store(store), "ada", "admin passphrase", "admin")
    app = create_app(wh.path, scenario_dirs=[tmp_path], security_store=store, secure_cookies=True)
    r = app.server.test_client().get("/login")
    assert "Secure" in r.headers.get("Set-Cookie", "") and "max-age" in r.headers["Strict-Transport-Security"]
