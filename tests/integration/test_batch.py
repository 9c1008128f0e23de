"""A batch of national estimates gives the same results serially and on a Dask LocalCluster."""

from __future__ import annotations

import json

import pytest

from bluelight.cli import main
from bluelight.foundation.environment import configured_data_dir
from bluelight.foundation.errors import ValidationError
from bluelight.services.batch import BatchRequest, run_batch

pytestmark = pytest.mark.integration


def test_serial_and_local_cluster_agree_and_write_every_result(tmp_path):
    data = configured_data_dir().path
    serial = run_batch(data, BatchRequest(job="national-years", scheduler="serial", limit=3), out=tmp_path / "a")
    local = run_batch(data, BatchRequest(job="national-years", scheduler="local", limit=3), out=tmp_path / "b")
    assert local.workers >= 1 and serial.tasks == local.tasks == 3
    assert json.dumps(serial.results, sort_keys=True) == json.dumps(local.results, sort_keys=True)
    files = sorted(p.name for p in (tmp_path / "b").iterdir())
    assert files == sorted(p.name for p in (tmp_path / "a").iterdir()) and len(files) == 3
    assert not any(name.endswith(".tmp") for name in files)                  # written whole, renamed into place
    assert [r["year"] for r in serial.results] == ["2010/11", "2011/12", "2012/13"]


def test_scheduler_is_validated_and_an_unreachable_one_is_named(capsys):
    with pytest.raises(ValidationError, match="serial, local or an address"):
        BatchRequest.parse(scheduler="nowhere")
    assert main(["batch", "--limit", "1", "--scheduler", "tcp://127.0.0.1:9"]) == 2
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in capsys.readouterr().err
