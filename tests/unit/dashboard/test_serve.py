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
