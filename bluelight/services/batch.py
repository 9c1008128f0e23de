"""``bluelight batch``: many national estimates at once, serially or on a Dask cluster, with the same results.

A batch is a list of independent tasks (one FIRE1001 year, or one fire type,
of the national estimate); each task reads the data directory itself and
returns its summary, and with ``out`` each result is also written to its own
JSON file (written whole, then renamed into place, so a killed run leaves no
half-written result). The scheduler is ``serial`` (this process), ``local``
(a Dask ``LocalCluster`` of worker processes on this machine) or the address
of a running Dask scheduler (``tcp://host:8786``); every worker must see the
data directory at the same path.
"""

from __future__ import annotations

import json
import logging
import math
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bluelight.etl.national import read_fire1001
from bluelight.services.cluster import SCHEDULER_FIELD, check_scheduler, run_tasks
from bluelight.services.national import NationalRequest, load_config, run_national
from bluelight.services.requests import Field, Request
from bluelight.services.results import Result

log = logging.getLogger(__name__)

JOBS = ("national-years", "national-fire-types")


@dataclass(frozen=True)
class BatchRequest(Request):
    """Which batch, where it runs, and at most how many of its tasks."""

    job: str = "national-years"
    scheduler: str = "serial"
    limit: int | None = None

    FIELDS = (
        Field("job", "Batch", str, "national-years", choices=JOBS,
              help="national-years: the estimate for every FIRE1001 year; national-fire-types: for every fire type."),
        SCHEDULER_FIELD,
        Field("limit", "At most", int, None, 1, 1000, optional=True, help="Run only the first N tasks."),
    )

    @classmethod
    def check(cls, values: dict[str, Any]) -> None:
        check_scheduler(values)


@dataclass(frozen=True)
class Task:
    """One national estimate: the data directory and the request, and where its result goes (if anywhere)."""

    data_dir: str
    request: NationalRequest
    out: str | None = None

    @property
    def name(self) -> str:
        return f"{self.request.year}_{self.request.fire_type}".replace("/", "-").replace(" ", "_")


def tasks_for(data_dir: Path, request: BatchRequest, out: Path | None = None) -> list[Task]:
    """The batch's tasks: one per FIRE1001 year (at the configured fire type) or per fire type (at its year).

    Parameters
    ----------
    data_dir
        The open-data folder.
    request
        The batch: years or fire types, and the scheduler.
    out
        Folder each task writes its summary to (None: not written).
    """
    cfg = load_config()
    published = read_fire1001(Path(data_dir) / cfg["files"]["fire1001"])
    if request.job == "national-years":
        requests = [NationalRequest(year=y, fire_type=cfg["fire_type"]) for y in sorted(set(published["year"]))]
    else:
        have = published[(published["year"] == cfg["year"]) & published["drive_min"].notna()]
        requests = [NationalRequest(year=cfg["year"], fire_type=t) for t in sorted(set(have["fire_type"]))]
    tasks = [Task(str(data_dir), r, str(out) if out else None) for r in requests]
    return tasks[: request.limit] if request.limit else tasks


def run_task(task: Task) -> dict[str, Any]:
    """One task's summary (and its file, when the batch writes results): a top-level function, for the workers.

    Parameters
    ----------
    task
        One year or fire type of the batch.
    """
    r = run_national(Path(task.data_dir), task.request)
    summary = {"year": r.year, "fire_type": r.fire_type, "cv_mae_drive_min": r.cv_mae_drive_min,
               "cv_bias_drive_min": r.cv_bias_drive_min, "cv_services": r.cv_services, "model": r.model,
               "held_out": {k: v for k, v in r.held_out.items() if k != "spread_from"},
               "services": [{k: s.get(k) for k in ("service", "estimated", "fire1001_drive_min", "cv_drive_min",
                                                   "modelled_total_min", "fire1001_total_min")}
                            for s in r.services]}
    finite: dict[str, Any] = _finite(summary)
    if task.out:
        _write_whole(Path(task.out) / f"{task.name}.json", finite)
    return finite


def _finite(value: Any) -> Any:
    """NaN and infinities as None, throughout (JSON has no NaN)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def _write_whole(path: Path, doc: dict[str, Any]) -> None:
    """Write to a temporary file beside ``path`` and rename it into place (never a half-written result)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, indent=1, allow_nan=False)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


@dataclass(frozen=True)
class BatchResult(Result):
    """Many national estimates run as one batch, serially or on a Dask cluster."""

    job: str
    scheduler: str
    workers: int
    tasks: int
    wall_s: float
    out: str | None
    results: list[dict[str, Any]]


def run_batch(data_dir: Path, request: BatchRequest, *, out: Path | None = None) -> BatchResult:
    """Every task of the batch on the chosen scheduler; results in task order whatever ran them.

    Parameters
    ----------
    data_dir
        The open-data folder.
    request
        The batch: years or fire types, and the scheduler.
    out
        Folder each task writes its summary to (None: not written).
    """
    tasks = tasks_for(data_dir, request, out)
    t0 = time.perf_counter()
    ran = run_tasks(run_task, tasks, scheduler=request.scheduler)
    results, workers = ran.results, ran.workers
    return BatchResult.of({"job": request.job, "scheduler": request.scheduler, "workers": workers, "tasks": len(tasks),
            "wall_s": time.perf_counter() - t0, "out": str(out) if out else None,
            "results": results})
