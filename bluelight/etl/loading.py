"""The load discipline every loader goes through.

One load is one transaction with one ``load_runs`` row recording the file's
SHA-256, rows read, loaded, unchanged and rejected. A file already loaded with
the same options is skipped; a file with invalid rows loads nothing unless the
caller accepts a partial load, and every rejected row is kept with its reason.
A failed load leaves the data tables as they were and is itself recorded.

Run ids are taken inside the load's own transaction (the next after the
largest recorded), never from a sequence that a killed process can leave
behind; a database error becomes a :class:`WarehouseError` naming the files
and the step. Rejects are counted as rows, and a file that fails again
replaces its earlier attempt's rejects rather than adding duplicates.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from bluelight.etl.scalars import scalar
from bluelight.foundation.errors import InputFileError, RejectedRowsError, WarehouseError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reject:
    """One rejected row: where (1-based data row, header excluded), which field, and why."""

    row: int | None
    field: str | None
    value: str | None
    reason: str

    def describe(self) -> str:
        parts = []
        if self.row is not None:
            parts.append(f"row {self.row} (line {self.row + 1})")
        if self.field is not None:
            val = "" if self.value is None else f" = {self.value!r}"
            parts.append(f"field '{self.field}'{val}")
        parts.append(self.reason)
        return ": ".join([", ".join(parts[:-1]), parts[-1]]) if len(parts) > 1 else parts[0]


@dataclass
class Parsed:
    """What a parser hands to a writer: valid rows ready for a table, and the rejects."""

    frame: pd.DataFrame
    rows_read: int
    rejects: list[Reject] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Written:
    loaded: int
    unchanged: int = 0
    rejects: tuple[Reject, ...] = ()
    message: str = ""


@dataclass(frozen=True)
class LoadSummary:
    """The outcome of a load, as reported by the CLI."""

    dataset: str
    files: tuple[str, ...]
    sha256: str
    status: str  # loaded | partial | unchanged
    run_id: int | None
    rows_read: int
    rows_loaded: int
    rows_unchanged: int
    rows_rejected: int
    message: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "files": list(self.files),
            "sha256": self.sha256,
            "status": self.status,
            "run_id": self.run_id,
            "rows_read": self.rows_read,
            "rows_loaded": self.rows_loaded,
            "rows_unchanged": self.rows_unchanged,
            "rows_rejected": self.rows_rejected,
            "message": self.message,
        }


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def sha256_files(paths: Sequence[Path]) -> str:
    """One digest for a set of files (order-independent), or the file's own for one file."""
    digests = sorted(sha256_file(p) for p in paths)
    if len(digests) == 1:
        return digests[0]
    return hashlib.sha256("\n".join(digests).encode()).hexdigest()


def content_hashes(frame: pd.DataFrame, columns: Sequence[str]) -> pd.Series:
    """A stable hash of each row's content, to tell a reload from a changed row."""
    if frame.empty:
        return pd.Series([], index=frame.index, dtype=object)
    parts = []
    for col in columns:
        values = frame[col]
        if values.dtype == object and any(isinstance(v, (bytes, bytearray)) for v in values):
            values = values.map(lambda v: hashlib.sha1(v).hexdigest() if isinstance(v, (bytes, bytearray)) else v)
        parts.append(values.astype("string").fillna("\x00"))
    text = pd.concat(parts, axis=1).agg("\x1f".join, axis=1)
    return text.map(lambda s: hashlib.sha1(s.encode()).hexdigest())


def _previous_run(con: duckdb.DuckDBPyConnection, dataset: str, digest: str, options: str) -> int | None:
    """The run that loaded these very files, if nothing has changed the dataset since (then there is nothing to do).

    A later load of other files that changed rows of the dataset (a changed
    list) means this file's state may no longer be the current one: it is
    loaded again, which restores it as a new version.
    """
    row = con.execute(
        "SELECT r.run_id FROM load_runs r WHERE r.dataset = ? AND r.sha256 = ? AND r.options = ? "
        "AND r.status IN ('loaded', 'partial') AND NOT EXISTS (SELECT 1 FROM load_runs l WHERE l.dataset = r.dataset "
        "AND l.run_id > r.run_id AND l.status IN ('loaded', 'partial') AND l.rows_loaded > 0 AND l.sha256 <> r.sha256) "
        "ORDER BY r.run_id DESC LIMIT 1",
        [dataset, digest, options],
    ).fetchone()
    return row[0] if row else None


def _record_run(con: duckdb.DuckDBPyConnection, run_id: int, *, dataset: str, loader: str, files: Sequence[str],
                digest: str, options: str, status: str, rows_read: int, loaded: int, unchanged: int,
                rejects: Sequence[Reject], message: str, started: datetime, t0: float) -> None:
    finished = datetime.now(UTC).replace(tzinfo=None)
    con.execute(
        "INSERT INTO load_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [run_id, dataset, loader, ";".join(files), digest, options, status, rows_read, loaded,
         unchanged, rows_rejected(rejects), message[:4000], started, finished, time.perf_counter() - t0],
    )
    if rejects:
        frame = pd.DataFrame(
            {
                "run_id": run_id,
                "row_number": pd.array([r.row for r in rejects], dtype="Int64"),
                "field": [r.field for r in rejects],
                "value": [None if r.value is None else str(r.value)[:500] for r in rejects],
                "reason": [r.reason[:2000] for r in rejects],
            }
        )
        con.register("_rejects_incoming", frame)
        con.execute("INSERT INTO rejects SELECT * FROM _rejects_incoming")
        con.unregister("_rejects_incoming")


def fault_point(name: str) -> None:
    """A place a test can kill the process (``BLUELIGHT_FAULT=<name>``): a real SIGKILL, not an exception."""
    import os
    import signal

    if os.environ.get("BLUELIGHT_FAULT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


def _loaded_before(con: duckdb.DuckDBPyConnection, dataset: str, digest: str, options: str) -> int | None:
    """The latest run that loaded these very files with these options, whatever happened since."""
    row = con.execute("SELECT run_id FROM load_runs WHERE dataset = ? AND sha256 = ? AND options = ? "
                      "AND status IN ('loaded', 'partial') ORDER BY run_id DESC LIMIT 1",
                      [dataset, digest, options]).fetchone()
    return row[0] if row else None


def _next_run_id(con: duckdb.DuckDBPyConnection) -> int:
    """The next run id, read inside the caller's transaction (so it commits, or vanishes, with the load)."""
    return int(scalar(con, "SELECT coalesce(max(run_id), 0) + 1 FROM load_runs"))


def rows_rejected(rejects: Sequence[Reject]) -> int:
    """How many rows were rejected (several field errors on one row count once; file-level rejects count once)."""
    rows = {r.row for r in rejects if r.row is not None}
    return len(rows) + (1 if any(r.row is None for r in rejects) and not rows else 0)


def _record_failure(con: duckdb.DuckDBPyConnection, **kwargs: Any) -> None:
    """Record a failed load in its own transaction, after the data transaction rolled back.

    Rejects of an earlier failed attempt at the same files and options are
    replaced, so repeated failures do not pile up duplicate rejects.
    """
    try:
        con.execute("BEGIN TRANSACTION")
        con.execute("DELETE FROM rejects WHERE run_id IN (SELECT run_id FROM load_runs WHERE status = 'failed' "
                    "AND dataset = ? AND sha256 = ? AND options = ?)",
                    [kwargs["dataset"], kwargs["digest"], kwargs["options"]])
        _record_run(con, _next_run_id(con), status="failed", loaded=0, unchanged=0, **kwargs)
        con.execute("COMMIT")
    except duckdb.Error as exc:
        _rollback(con)
        log.error("could not record the failed load of %s: %s", ";".join(kwargs["files"]), exc)


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:
        pass                       # no transaction was open


def run_load(
    con: duckdb.DuckDBPyConnection,
    *,
    dataset: str,
    loader: str,
    paths: Sequence[Path],
    parse: Callable[[], Parsed],
    write: Callable[[duckdb.DuckDBPyConnection, Parsed, int], Written],
    options: dict[str, Any] | None = None,
    accept_partial: bool = False,
) -> LoadSummary:
    """Run one load under the discipline described in the module docstring.

    Parameters
    ----------
    dataset
        Logical dataset (``sites``, ``incidents`` ...), used for idempotence.
    loader
        Name of the adapter that parsed the file (for the audit trail).
    paths
        The input files; their combined SHA-256 identifies the load.
    parse
        Reads and validates the files; raises :class:`InputFileError` for a
        file that is unusable as a whole.
    write
        Writes the parsed rows inside the transaction, returning counts.
    options
        Options that change what is loaded (service, column mapping ...).
    accept_partial
        Load the valid rows of a file that has invalid ones.
    """
    paths = [Path(p) for p in paths]
    files = tuple(str(p) for p in paths)
    opts = json.dumps(options or {}, sort_keys=True, default=str)
    started = datetime.now(UTC).replace(tzinfo=None)
    t0 = time.perf_counter()
    for p in paths:
        if not p.is_file():
            raise InputFileError(p, "file not found")
    digest = sha256_files(paths)
    try:
        prior = _previous_run(con, dataset, digest, opts)
    except duckdb.Error as exc:
        raise WarehouseError(f"{';'.join(files)}: cannot read the load history: {exc}") from exc
    if prior is not None:
        log.info("%s: already loaded in run %s with the same options; nothing to do", ", ".join(files), prior)
        return LoadSummary(dataset, files, digest, "unchanged", prior, 0, 0, 0, 0,
                           f"identical file already loaded in run {prior}")
    common: dict[str, Any] = dict(dataset=dataset, loader=loader, files=files, digest=digest, options=opts,
                                  started=started, t0=t0)
    try:
        parsed = parse()
    except InputFileError as exc:
        _record_failure(con, rows_read=0, rejects=[Reject(exc.row, exc.field, None, str(exc))],
                        message=str(exc), **common)
        raise
    if parsed.rejects and not accept_partial:
        err = RejectedRowsError(files[0] if len(files) == 1 else ";".join(files), parsed.rejects, parsed.rows_read)
        _record_failure(con, rows_read=parsed.rows_read, rejects=parsed.rejects, message=str(err), **common)
        raise err
    step = "starting the load"
    try:
        con.execute("BEGIN TRANSACTION")
        run_id = _next_run_id(con)
        step = "writing the rows"
        written = write(con, parsed, run_id)
        before = _loaded_before(con, dataset, digest, opts)
        if before is not None and written.loaded == 0 and not written.rejects:
            con.execute("ROLLBACK")         # loaded again and nothing differs: as if skipped, nothing recorded
            log.info("%s: loaded again in full; nothing differs from run %s", ", ".join(files), before)
            return LoadSummary(dataset, files, digest, "unchanged", before, parsed.rows_read, 0, written.unchanged,
                               0, f"identical to the state of run {before}")
        rejects = list(parsed.rejects) + list(written.rejects)
        if written.rejects and not accept_partial:
            raise RejectedRowsError(";".join(files), written.rejects, parsed.rows_read)
        status = "partial" if rejects else "loaded"
        step = "recording the load"
        _record_run(con, run_id, status=status, rows_read=parsed.rows_read, loaded=written.loaded,
                    unchanged=written.unchanged, rejects=rejects, message=written.message, **common)
        step = "committing"
        fault_point("before-commit")
        con.execute("COMMIT")
        fault_point("after-commit")
    except BaseException as exc:
        _rollback(con)
        rej = exc.rejects if isinstance(exc, RejectedRowsError) else [Reject(None, None, None, f"load failed: {exc}")]
        _record_failure(con, rows_read=parsed.rows_read, rejects=rej, message=str(exc), **common)
        if isinstance(exc, duckdb.Error):
            raise WarehouseError(f"{';'.join(files)}: {step} failed in the warehouse, nothing was loaded: "
                                 f"{type(exc).__name__}: {exc}") from exc
        raise
    shown = "unchanged" if status == "loaded" and written.loaded == 0 and parsed.rows_read > 0 else status
    summary = LoadSummary(dataset, files, digest, shown, run_id, parsed.rows_read, written.loaded,
                          written.unchanged, rows_rejected(rejects), written.message)
    log.info("%s: %s (%d read, %d loaded, %d unchanged, %d rejected)", ", ".join(files), status,
             summary.rows_read, summary.rows_loaded, summary.rows_unchanged, summary.rows_rejected)
    return summary


def upsert(
    con: duckdb.DuckDBPyConnection,
    table: str,
    frame: pd.DataFrame,
    *,
    key: str,
    run_id: int,
    geom_sql: dict[str, str] | None = None,
    on_change: str = "replace",
    row_numbers: pd.Series | None = None,
    select_columns: Sequence[str] | None = None,
) -> Written:
    """Insert rows keyed by ``key``; rows whose ``content_hash`` is unchanged are left alone.

    Parameters
    ----------
    on_change
        ``"replace"`` overwrites a row whose content changed (a newer list of
        sites); ``"reject"`` rejects it (an incident's record must not change
        under the same id).
    geom_sql
        Geometry columns computed in SQL from the incoming frame ``_in``,
        for example ``{"geom": "ST_Point(_in.easting, _in.northing)"}``.
    row_numbers
        File row of each frame row, to name it in a rejection.
    select_columns
        Frame columns that are table columns (default: all); the others only
        feed ``geom_sql``.
    """
    if frame.empty:
        return Written(0, 0)
    frame = frame.copy()
    frame["load_run_id"] = run_id
    keys = frame[[key, "content_hash"]].copy()
    con.register("_keys", keys)
    existing = con.execute(
        f"SELECT k.{key}, t.content_hash FROM _keys k JOIN {table} t ON t.{key} = k.{key}"
    ).df()
    con.unregister("_keys")
    old = dict(zip(existing[key], existing["content_hash"]))
    same = frame[key].map(lambda k: old.get(k)) == frame["content_hash"]
    changed = frame[key].isin(old.keys()) & ~same
    rejects: list[Reject] = []
    if on_change == "reject" and changed.any():
        rows = row_numbers[changed] if row_numbers is not None else [None] * int(changed.sum())
        for k, r in zip(frame.loc[changed, key], rows):
            rejects.append(Reject(None if r is None else int(r), key, str(k),
                                  "already loaded with different content; an id may not change meaning"))
        frame = frame[~changed]
        same = same[~changed]
    todo = frame[~same]
    if not todo.empty:
        cols = list(select_columns) + ["load_run_id"] if select_columns is not None else list(todo.columns)
        geo = geom_sql or {}
        select = ", ".join([f"_in.{c}" for c in cols] + list(geo.values()))
        con.register("_in", todo)
        con.execute(f"INSERT OR REPLACE INTO {table} ({', '.join(cols + list(geo))}) SELECT {select} FROM _in")
        con.unregister("_in")
    return Written(loaded=len(todo), unchanged=int(same.sum()), rejects=tuple(rejects))
