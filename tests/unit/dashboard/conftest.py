"""A small synthetic warehouse (labelled SYNTHETIC) and the pages' session over it, built once for every page's
tests; and the check that an input error leaves no result of the last valid input on screen."""

from __future__ import annotations

import json

import dash
import plotly
import pytest

from bluelight.analysis.speeds import load_profile
from bluelight.dashboard.controls import FIX_FIELDS
from bluelight.dashboard.queries import Warehouse
from bluelight.etl.demo import load_demo
from bluelight.etl.sources import resolve_data_source
from bluelight.etl.warehouse import connect
from bluelight.services.session import Session


@pytest.fixture(scope="session")
def wh(tmp_path_factory):
    base = tmp_path_factory.mktemp("synthetic")
    path = base / "atlas.duckdb"
    con = connect(path)
    load_demo(con, resolve_data_source(prefer="synthetic", synthetic_nodes=900, cache_dir=base), progress=False)
    con.close()
    return Warehouse(path)


@pytest.fixture(scope="session")
def engine(wh):
    """The pages' analysis session (one per app)."""
    return Session(wh.read, load_profile("bluelight_v1"))


def _shown(value) -> str:
    """What an output puts on screen, as text (figures and components through plotly's encoder)."""
    return json.dumps(value, cls=plotly.utils.PlotlyJSONEncoder, sort_keys=True, default=str)


def assert_nothing_stale(valid: tuple, invalid: tuple, *, results: int) -> None:
    """The first ``results`` outputs of a page's view after an invalid input replace every result the last valid
    input drew (none left as it was, none skipped with ``no_update``), and the page says what to fix."""
    assert FIX_FIELDS not in _shown(valid[:results])                   # the valid input drew a result
    for i, (old, new) in enumerate(zip(valid[:results], invalid[:results])):
        assert new is not dash.no_update, f"output {i} left as it was"
        assert _shown(new) != _shown(old) or _shown(old) in ('""', "null", "[]"), f"output {i} still shows the result"
    assert FIX_FIELDS in _shown(invalid[:results])


@pytest.fixture
def nothing_stale():
    """:func:`assert_nothing_stale`, for the pages' tests."""
    return assert_nothing_stale
