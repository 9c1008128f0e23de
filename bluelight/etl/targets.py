"""Load response-time standards from a YAML file of cited targets."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from bluelight.etl import files
from bluelight.etl.loading import LoadSummary, Parsed, Reject, Written, content_hashes, run_load, upsert
from bluelight.foundation.config_files import config_file, parse_yaml
from bluelight.foundation.errors import ConfigError, InputFileError
from bluelight.foundation.vocab import SERVICES

STATISTICS = ("mean", "p90", "share_within")
REQUIRED = ("id", "service", "category", "statistic", "threshold_s", "jurisdiction", "description", "source")


def parse_targets(path: Path) -> Parsed:
    text = files.decode_text(path, files.check_text_file(path))
    try:
        doc = parse_yaml(text, source=str(path))
    except ConfigError as exc:
        raise InputFileError(path, str(exc).removeprefix(f"{path}: ")) from exc
    if not isinstance(doc.get("targets"), list):
        raise InputFileError(path, "expected a mapping with a 'targets' list", field="targets")
    rows, rejects = [], []
    for i, t in enumerate(doc["targets"], start=1):
        if not isinstance(t, dict):
            rejects.append(Reject(i, None, str(t), "entry is not a mapping"))
            continue
        missing = [k for k in REQUIRED if t.get(k) in (None, "")]
        if missing:
            rejects.append(Reject(i, missing[0], None, "required value is missing"))
            continue
        if t["service"] not in SERVICES:
            rejects.append(Reject(i, "service", str(t["service"]), f"expected one of {list(SERVICES)}"))
            continue
        if t["statistic"] not in STATISTICS:
            rejects.append(Reject(i, "statistic", str(t["statistic"]), f"expected one of {list(STATISTICS)}"))
            continue
        if not isinstance(t["threshold_s"], (int, float)) or t["threshold_s"] <= 0:
            rejects.append(Reject(i, "threshold_s", str(t["threshold_s"]), "must be a positive number of seconds"))
            continue
        goal = t.get("goal")
        if t["statistic"] == "share_within" and not (isinstance(goal, (int, float)) and 0 < goal <= 1):
            rejects.append(Reject(i, "goal", str(goal), "share_within needs a goal between 0 and 1"))
            continue
        rows.append({"target_id": str(t["id"]), "service": t["service"], "category": str(t["category"]),
                     "statistic": t["statistic"], "threshold_s": float(t["threshold_s"]),
                     "goal": None if goal is None else float(goal), "jurisdiction": str(t["jurisdiction"]),
                     "description": str(t["description"]), "source": str(t["source"]), "url": t.get("url")})
    frame = pd.DataFrame(rows)
    if frame.empty and not rejects:
        raise InputFileError(path, "no targets in file", field="targets")
    if not frame.empty:
        frame["content_hash"] = content_hashes(frame, list(frame.columns))
    return Parsed(frame, rows_read=len(doc["targets"]), rejects=rejects)


def _write(con: duckdb.DuckDBPyConnection, parsed: Parsed, run_id: int) -> Written:
    return upsert(con, "targets", parsed.frame, key="target_id", run_id=run_id)


def default_targets() -> Path:
    """The standards file: the user's ``targets.yaml`` if there is one, else the shipped one."""
    return config_file("targets.yaml")


def load_targets(con: duckdb.DuckDBPyConnection, path: str | Path | None = None, *,
                 accept_partial: bool = False) -> LoadSummary:
    path = Path(path) if path else default_targets()
    return run_load(con, dataset="targets", loader="targets", paths=[path], parse=lambda: parse_targets(path),
                    write=_write, accept_partial=accept_partial)
