"""Shared test set-up: offline by construction, small file builders, a fresh warehouse."""

from __future__ import annotations

import ipaddress
import os
import socket
import tempfile
from pathlib import Path

import pytest

from bluelight.etl.warehouse import connect

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data"

# no test reads or writes the checkout's own accounts: a test that needs some makes its own store
os.environ.setdefault("BLUELIGHT_SECURITY_STORE", str(Path(tempfile.mkdtemp(prefix="bluelight-security-")) /
                                                      "accounts.sqlite"))


def _is_local(address) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and host in {"localhost", ""}:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    """Tests never leave the machine: any connection to a non-loopback address fails loudly."""
    real_connect = socket.socket.connect

    def guarded(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address):
            raise OSError(f"tests run offline: connection to {address!r} refused by the test guard")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    monkeypatch.setenv("BLUELIGHT_OFFLINE", "1")


@pytest.fixture
def con():
    c = connect(":memory:")
    yield c
    c.close()


@pytest.fixture
def write(tmp_path):
    """Write a text (or bytes) file under tmp_path and return its path."""
    def _write(name: str, content, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding=encoding)
        return path
    return _write


def counts(con) -> dict:
    from bluelight.etl.warehouse import table_counts
    return table_counts(con)
