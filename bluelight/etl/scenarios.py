"""Record saved scenario files (YAML) in the warehouse, so that every scenario a board saw is kept with its hash."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import duckdb
import pandas as pd

from bluelight.analysis.scenario import load_scenario
from bluelight.etl import files
from bluelight.etl.loading import LoadSummary, Parsed, Written, content_hashes, run_load, upsert
from bluelight.foundation.errors import ConfigError, InputFileError

#: the example scenarios shipped with the package
REPO_SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def parse_scenarios(paths: list[Path]) -> Parsed:
    rows = []
    for path in paths:
        files.check_text_file(path)
        try:
            sc = load_scenario(path)
        except ConfigError as exc:
            raise InputFileError(path, str(exc).removeprefix(f"{path}: ")) from exc
        rows.append({"scenario_id": Path(path).stem, "name": sc.name, "note": sc.note, "service": sc.service,
                     "as_of": sc.as_of, "horizon_years": sc.horizon_years, "discount_rate": sc.discount_rate,
                     "changes_json": json.dumps(sc.changes, sort_keys=True), "n_changes": len(sc.changes),
                     "file_path": str(path)})
    frame = pd.DataFrame(rows)
    frame["content_hash"] = content_hashes(frame, [c for c in frame.columns if c != "file_path"])
    return Parsed(frame, rows_read=len(rows), rejects=[])


def _write(con: duckdb.DuckDBPyConnection, parsed: Parsed, run_id: int) -> Written:
    return upsert(con, "scenarios", parsed.frame, key="scenario_id", run_id=run_id)


def load_scenarios(con: duckdb.DuckDBPyConnection, paths: Iterable[str | Path]) -> LoadSummary:
    """Load scenario files (one row each, keyed by file name); unchanged files change nothing."""
    files = [Path(p) for p in paths]
    if not files:
        raise InputFileError(REPO_SCENARIOS, "no scenario files given")
    return run_load(con, dataset="scenarios", loader="scenario-yaml", paths=files,
                    parse=lambda: parse_scenarios(files), write=_write)
