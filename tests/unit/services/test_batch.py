"""services.batch without the national data: which tasks a batch makes, what each task's summary keeps, results
in task order, and every result written whole (a failed write leaves neither the file nor its temporary)."""

import json
import math
from types import SimpleNamespace

import pytest

from bluelight.services import batch
from bluelight.services.batch import BatchRequest, Task, run_batch, tasks_for
from bluelight.services.national import NationalRequest, load_config

HEADER = ("FINANCIAL_YEAR,FIRE_TYPE,LOCATION_CATEGORY,INCIDENTS,TOTAL_RESPONSE_TIME_min,CALL_HANDLING_TIME_min,"
          "CREW_TURNOUT_TIME_min,DRIVE_TIME_min\n")


@pytest.fixture
def data_dir(tmp_path):
    """A data directory holding only FIRE1001: two years, and in the configured year three fire types, one of
    them without drive times (so it cannot be estimated)."""
    cfg = load_config()
    year, kind = cfg["year"], cfg["fire_type"]
    rows = [f"2000/01,{kind},Essex,10,8.5,1.2,1.5,5.8", f"{year},{kind},Essex,12,8.6,1.2,1.5,5.9",
            f"{year},Road Vehicles,Essex,3,9.9,1.3,1.6,7.0", f"{year},Other Outdoors,Essex,4,9.1,1.2,1.6,"]
    path = tmp_path / cfg["files"]["fire1001"]
    path.parent.mkdir(parents=True)
    path.write_text(HEADER + "\n".join(rows) + "\n")
    return tmp_path


def test_a_batch_of_years_has_one_task_per_published_year_and_of_fire_types_one_per_estimable_type(data_dir):
    cfg = load_config()
    years = tasks_for(data_dir, BatchRequest(job="national-years"))
    assert [t.request for t in years] == [NationalRequest(year="2000/01", fire_type=cfg["fire_type"]),
                                          NationalRequest(year=cfg["year"], fire_type=cfg["fire_type"])]
    kinds = tasks_for(data_dir, BatchRequest(job="national-fire-types"), out=data_dir / "out")
    assert [t.request.fire_type for t in kinds] == sorted([cfg["fire_type"], "Road Vehicles"])   # no drive: none
    assert all(t.out == str(data_dir / "out") for t in kinds)
    assert len(tasks_for(data_dir, BatchRequest(job="national-years", limit=1))) == 1


def test_a_task_is_named_for_its_file_without_separators():
    assert Task("/d", NationalRequest(year="2019/20", fire_type="Road Vehicles")).name == "2019-20_Road_Vehicles"


def _estimate(_data_dir, request):
    """A stand-in for the national estimate: figures that say which request they answer, one not finite."""
    drive = 5.0 if request.year == "2000/01" else math.nan
    return SimpleNamespace(year=request.year, fire_type=request.fire_type, cv_mae_drive_min=0.5,
                           cv_bias_drive_min=drive, cv_services=42, model={"a": 1.0},
                           held_out={"service": "London", "drive_min": 4.5, "spread_from": [1, 2]},
                           services=[{"service": "Essex", "estimated": True, "fire1001_drive_min": 5.9,
                                      "cv_drive_min": 6.1, "modelled_total_min": 8.7, "fire1001_total_min": 8.6,
                                      "lsoas": 900}])


def test_results_come_in_task_order_with_the_summary_kept_and_written_whole(data_dir, monkeypatch):
    monkeypatch.setattr(batch, "run_national", _estimate)
    out = data_dir / "results"
    result = run_batch(data_dir, BatchRequest(job="national-years", scheduler="serial"), out=out)
    assert result.tasks == 2 and result.workers >= 1 and result.out == str(out)
    first, second = result.results
    assert first["year"] == "2000/01" and second["cv_bias_drive_min"] is None            # NaN: no JSON NaN
    assert first["held_out"] == {"service": "London", "drive_min": 4.5}                  # the spread is not kept
    assert "lsoas" not in first["services"][0] and first["services"][0]["cv_drive_min"] == 6.1
    cfg = load_config()
    written = sorted(p.name for p in out.iterdir())
    assert written == sorted(f"{y.replace('/', '-')}_{cfg['fire_type']}.json" for y in ("2000/01", cfg["year"]))
    assert json.loads((out / written[0]).read_text()) == first


def test_a_result_that_cannot_be_written_leaves_nothing_behind(tmp_path):
    with pytest.raises(TypeError):
        batch._write_whole(tmp_path / "r.json", {"figure": object()})
    assert list(tmp_path.iterdir()) == []
    batch._write_whole(tmp_path / "r.json", {"figure": 1})
    batch._write_whole(tmp_path / "r.json", {"figure": 2})                        # replaced whole
    assert json.loads((tmp_path / "r.json").read_text()) == {"figure": 2} and len(list(tmp_path.iterdir())) == 1
