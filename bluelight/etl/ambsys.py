"""NHS England's Ambulance Quality Indicators (AmbSYS) time series: read, check, and load into the warehouse.

The published CSV has one row per organisation and month and NHS England's
column codes (A0... A38, AmbSYS specification): A7 all incidents, A8-A12
incidents by category (C1, C1T, C2, C3, C4), and for each category the total,
mean and 90th centile response in seconds (A24-A26 for C1, A30-A32 for C2).
Columns are found by code, not position; '.' means not reported (kept as
missing, never zero). Every row is checked: year, month, a known trust (or
England), and each mean equal to total / count where both are reported.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from bluelight.etl import files
from bluelight.etl.loading import LoadSummary, Parsed, Reject, Written, content_hashes, run_load
from bluelight.foundation.errors import InputFileError

#: the AmbSYS codes read, and what they hold
CODES = {"A7": "incidents", "A8": "c1_incidents", "A9": "c1t_incidents", "A10": "c2_incidents",
         "A11": "c3_incidents", "A12": "c4_incidents", "A24": "c1_total_s", "A25": "c1_mean_s", "A26": "c1_p90_s",
         "A30": "c2_total_s", "A31": "c2_mean_s", "A32": "c2_p90_s"}
KEYS = {"Year": "year", "Month": "month", "Org Code": "org_code", "Org Name": "org_name"}
#: England's row and the trusts (config/ambulance_trusts.yaml) are the organisations a row may be of
ENGLAND = "Eng"


def read_ambsys(path: Path, *, trusts: set[str]) -> tuple[pd.DataFrame, list[Reject]]:
    """The file's rows as numbers (missing where '.'), and a reject per row that fails a check."""
    path = Path(path)
    files.check_text_file(path)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise InputFileError(path, f"cannot be read as CSV: {exc}") from exc
    missing = [c for c in [*KEYS, *CODES] if c not in raw.columns]
    if missing:
        raise InputFileError(path, f"lacks the AmbSYS column(s) {missing} (NHS England's column codes)",
                             field=missing[0])
    out = pd.DataFrame({ours: raw[theirs].str.strip() for theirs, ours in KEYS.items()})
    out.index = pd.RangeIndex(1, len(out) + 1)
    rejects: list[Reject] = []
    for theirs, ours in CODES.items():
        text = raw[theirs].str.strip().to_numpy()
        value = pd.to_numeric(pd.Series(text).replace({".": None, "": None}), errors="coerce").to_numpy(float)
        bad = ~np.isin(text, [".", ""]) & ~np.isfinite(value)
        for row in np.flatnonzero(bad) + 1:
            rejects.append(Reject(int(row), theirs, str(text[row - 1])[:40], "not a number or '.'"))
        neg = np.isfinite(value) & (value < 0)
        for row in np.flatnonzero(neg) + 1:
            rejects.append(Reject(int(row), theirs, str(text[row - 1]), "negative"))
        out[ours] = value
    year = pd.to_numeric(out["year"], errors="coerce")
    month = pd.to_numeric(out["month"], errors="coerce")
    for row in out.index[~year.between(2017, 2100)]:
        rejects.append(Reject(int(row), "Year", str(out.at[row, "year"]), "not a year of the ARP standards (2017 on)"))
    for row in out.index[~month.between(1, 12)]:
        rejects.append(Reject(int(row), "Month", str(out.at[row, "month"]), "not a month from 1 to 12"))
    known = trusts | {ENGLAND}
    for row in out.index[~out["org_code"].isin(known)]:
        rejects.append(Reject(int(row), "Org Code", out.at[row, "org_code"], "not an English ambulance trust or "
                              "England (config/ambulance_trusts.yaml)"))
    for cat in ("c1", "c2"):
        total, n, mean = out[f"{cat}_total_s"], out[f"{cat}_incidents"], out[f"{cat}_mean_s"]
        ok = total.notna() & n.gt(0) & mean.notna()
        off = ok & ((total / n.where(n > 0) - mean).abs() > 1.0)
        for row in out.index[off]:
            rejects.append(Reject(int(row), CODE_OF[f"{cat}_mean_s"], f"{mean[row]:g}",
                                  f"the mean is not total / count ({total[row] / n[row]:.1f})"))
    out["year"], out["month"] = year.astype("Int64"), month.astype("Int64")
    dup = out.duplicated(["year", "month", "org_code"], keep="first")
    for row in out.index[dup]:
        rejects.append(Reject(int(row), "Org Code", out.at[row, "org_code"], "a second row for this month"))
    return out, rejects


CODE_OF = {ours: theirs for theirs, ours in CODES.items()}


def read_trusts() -> tuple[dict[str, Any], dict[str, Any], str]:
    """The English ambulance trusts (``config/ambulance_trusts.yaml``): org code -> name, police force areas,
    local authorities and jurisdictions; the files the national estimate reads; and the config's path."""
    from bluelight.foundation.config_files import load_config
    from bluelight.foundation.errors import ConfigError

    doc, path = load_config("ambulance_trusts.yaml")
    try:
        trusts = {str(code): {"name": str(t["name"]), "pfas": list(t.get("police_force_areas") or []),
                              "la_codes": list(t.get("la_codes") or []),
                              "jurisdictions": [str(j).lower() for j in t.get("jurisdictions") or []]}
                  for code, t in doc["trusts"].items()}
        return trusts, dict(doc["files"]), path
    except (KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(f"{path}: each trust needs a name and police_force_areas, and files: ambsys and "
                          f"police_force_areas ({exc})") from exc


def trust_codes() -> set[str]:
    """The English ambulance trusts' organisation codes."""
    return set(read_trusts()[0])


def parse_ambsys(path: Path, *, trusts: set[str]) -> Parsed:
    frame, rejects = read_ambsys(path, trusts=trusts)
    bad = {r.row for r in rejects}
    good = frame.drop(index=[r for r in bad if r in frame.index])
    good = good.assign(ambsys_id=good["org_code"] + ":" + good["year"].astype(str) + "-"
                       + good["month"].astype(str).str.zfill(2), source=Path(path).name)
    good["content_hash"] = content_hashes(good, ["ambsys_id", *CODES.values()])
    return Parsed(good.reset_index(drop=True), rows_read=len(frame), rejects=rejects)


def _write(con: duckdb.DuckDBPyConnection, parsed: Parsed, run_id: int) -> Written:
    from bluelight.etl.loading import upsert

    return upsert(con, "ambsys", parsed.frame, key="ambsys_id", run_id=run_id)


def load_ambsys(con: duckdb.DuckDBPyConnection, path: str | Path, *, trusts: set[str],
                accept_partial: bool = False) -> LoadSummary:
    """One load of an AmbSYS file into the ``ambsys`` table (the usual discipline: one transaction, rejects kept,
    nothing loaded from a file with invalid rows unless ``accept_partial``)."""
    path = Path(path)
    return run_load(con, dataset="ambsys", loader="ambsys", paths=[path],
                    parse=lambda: parse_ambsys(path, trusts=trusts), write=_write, accept_partial=accept_partial)
