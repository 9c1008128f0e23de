"""A warehouse built once per session from the real shared data, and the app served on a free port."""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from bluelight.foundation.environment import DataSource
from tests.conftest import SHARED


def _shared_or_skip() -> Path:
    env = os.environ.get("BLUELIGHT_DATA_DIR")
    path = Path(env) if env else SHARED
    if not (path / "london").is_dir():
        pytest.skip(f"no real data directory at {path} (set BLUELIGHT_DATA_DIR or put shared/data beside the checkout)")
    return path


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return _shared_or_skip()


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory, data_dir) -> Path:
    from bluelight.etl.demo import build_demo_warehouse

    path = tmp_path_factory.mktemp("warehouse") / "atlas.duckdb"
    build_demo_warehouse(path, DataSource(data_dir, "shared"))
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def served_app(demo_warehouse, tmp_path_factory):
    """The dashboard served by werkzeug on 127.0.0.1 in a background thread (no accounts: no sign-in)."""
    from bluelight.dashboard.app import create_app
    from bluelight.foundation.environment import shipped_scenarios

    app = create_app(demo_warehouse, scenario_dirs=[tmp_path_factory.mktemp("scenarios"), shipped_scenarios()],
                     security_store=tmp_path_factory.mktemp("nobody") / "accounts.sqlite")
    yield from _serve(app)


def _serve(app):
    port = free_port()
    server = make_server("127.0.0.1", port, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    thread.join(timeout=10)


#: one account per role in the signed-in app (password: the role name and this suffix)
PASSWORD_SUFFIX = " passphrase 2026"


@pytest.fixture(scope="session")
def accounts_store(tmp_path_factory) -> Path:
    from bluelight.foundation.access import ROLES
    from bluelight.services.accounts import add_user, security_store

    path = tmp_path_factory.mktemp("security") / "accounts.sqlite"
    for role in ROLES:
        add_user(security_store(path), role, role + PASSWORD_SUFFIX, role)
    return path


@pytest.fixture(scope="session")
def signed_in_app(demo_warehouse, accounts_store, tmp_path_factory):
    """The dashboard with sign-in: one account per role in ``accounts_store``."""
    from bluelight.dashboard.app import create_app
    from bluelight.foundation.environment import shipped_scenarios

    app = create_app(demo_warehouse, scenario_dirs=[tmp_path_factory.mktemp("scenarios-signed"), shipped_scenarios()],
                     security_store=accounts_store)
    yield from _serve(app)
