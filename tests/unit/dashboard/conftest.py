"""A small synthetic warehouse (labelled SYNTHETIC) and the pages' session over it, built once per module."""

from __future__ import annotations

import pytest

from bluelight.analysis.speeds import load_profile
from bluelight.dashboard.queries import Warehouse
from bluelight.etl.demo import load_demo
from bluelight.etl.sources import resolve_data_source
from bluelight.etl.warehouse import connect
from bluelight.services.session import Session


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    base = tmp_path_factory.mktemp("synthetic")
    path = base / "atlas.duckdb"
    con = connect(path)
    load_demo(con, resolve_data_source(prefer="synthetic", synthetic_nodes=900, cache_dir=base), progress=False)
    con.close()
    return Warehouse(path)


@pytest.fixture(scope="module")
def engine(wh):
    """The pages' analysis session (one per app)."""
    return Session(wh.read, load_profile("bluelight_v1"))
