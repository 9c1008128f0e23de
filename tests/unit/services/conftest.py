"""A small synthetic region, built once for the service tests that need a whole warehouse."""

import pytest

from bluelight.cli.main import main


@pytest.fixture(scope="package")
def synthetic_wh(tmp_path_factory):
    path = tmp_path_factory.mktemp("sim") / "syn.duckdb"
    assert main(["etl", "demo", "--synthetic", "--synthetic-nodes", "900", "--offline", "--warehouse", str(path)]) == 0
    return path
