"""Where many independent tasks run: this process, a Dask ``LocalCluster``, or a Dask scheduler's address.

One way for every batch and sweep to spread its tasks. Results come back in
task order whatever ran them, so a run is the same serially and on a
cluster. What every task needs (a built simulation system, say) is sent to
each worker once (``shared``), not once per task; tasks never open files
named by a request.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bluelight.foundation.errors import ConfigError, ValidationError
from bluelight.services.requests import Field

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 10            # a scheduler that has not answered by then is reported unreachable

SCHEDULER_FIELD = Field("scheduler", "Scheduler", str, "serial",
                        help="serial, local (a Dask LocalCluster here) or a Dask scheduler address such as "
                             "tcp://host:8786.")


def check_scheduler(values: dict[str, Any]) -> None:
    """Refuse a scheduler that is neither serial, local nor an address (by the field's name).

    Parameters
    ----------
    values
        A request's values, with ``scheduler``.

    Raises
    ------
    ValidationError
        On ``scheduler``, saying what is allowed.
    """
    s = values["scheduler"]
    if s not in ("serial", "local") and "://" not in s:
        raise ValidationError("scheduler", f"Scheduler must be serial, local or an address such as "
                                           f"tcp://host:8786, got {s!r}")


@dataclass(frozen=True)
class Ran:
    """The tasks' results in task order, and what ran them."""

    results: list[Any]
    workers: int
    dashboard: str | None


def run_tasks(function: Callable[..., Any], tasks: Sequence[Any], *, scheduler: str, shared: Any = None,
              progress: Callable[[int, int], None] | None = None) -> Ran:
    """``function(task)`` (or ``function(shared, task)`` when ``shared`` is given) for every task.

    Parameters
    ----------
    function
        A top-level function (workers import it by name).
    tasks
        The tasks, each picklable.
    scheduler
        ``serial`` (here, in order), ``local`` (a LocalCluster of worker processes, one per core) or a Dask
        scheduler address such as ``tcp://host:8786``.
    shared
        What every task needs, sent to each worker once.
    progress
        Called with (done, total) as tasks finish.

    Returns
    -------
    Ran
        Results in task order, the number of workers and the Dask dashboard's address (if it has one).

    Raises
    ------
    ConfigError
        When Dask is missing or the scheduler cannot be reached.
    """
    args = () if shared is None else (shared,)
    if scheduler == "serial":
        out = []
        for i, task in enumerate(tasks):
            out.append(function(*args, task))
            if progress:
                progress(i + 1, len(tasks))
        return Ran(out, 1, None)
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError as exc:                      # installed with the project; a trimmed install may lack it
        raise ConfigError(f"the Dask scheduler needs dask[distributed]: {exc}") from exc
    logging.getLogger("distributed").setLevel(logging.WARNING)      # its start-up notes are not the user's news
    cluster = None
    try:
        if scheduler == "local":
            cluster = LocalCluster(n_workers=max(1, min(len(tasks), os.cpu_count() or 1)), threads_per_worker=1,
                                   processes=True, dashboard_address=None, silence_logs=logging.WARNING)
            client = Client(cluster)
        else:
            try:
                client = Client(scheduler, timeout=CONNECT_TIMEOUT_S)
            except OSError as exc:
                raise ConfigError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from exc
        with client:
            workers = len(client.scheduler_info().get("workers", {}))
            link = client.dashboard_link if scheduler != "local" else None
            if link:
                log.info("Dask dashboard: %s", link)
            if shared is not None:
                args = (client.scatter(shared, broadcast=True),)
            futures = [client.submit(function, *args, task, pure=False) for task in tasks]
            for done, _ in enumerate(as_completed(futures), start=1):
                if progress:
                    progress(done, len(tasks))
            return Ran(client.gather(futures), workers, link)
    finally:
        if cluster is not None:
            cluster.close()
