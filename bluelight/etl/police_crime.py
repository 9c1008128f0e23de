"""police.uk street-level crime as the police demand layer: ``bluelight etl police-crime FILES``.

police.uk publishes each force's recorded crime by month, each crime at an
anonymised point (a snap point near the street, never the address), with its
LSOA and crime type. Loaded as police incidents of category ``crime`` (the
crime type kept as the detail, the month as the time, with no hour: police.uk
gives none), so coverage, co-location and the Overview read them as police
demand like any other incidents. Recorded crime is not calls for service:
emergency (immediate) calls are a minority of it and include much that is not
crime; every result built on it says so. The header is read in either of
police.uk's spellings ("Crime ID" or ``crime_id``).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from bluelight.etl import files, geo
from bluelight.etl.incidents import _write as write_incidents
from bluelight.etl.loading import LoadSummary, Parsed, Reject, content_hashes, run_load
from bluelight.foundation.errors import InputFileError

REQUIRED = ("month", "falls_within", "longitude", "latitude", "lsoa_code", "crime_type")
#: police.uk snaps each crime to a point near its street: the precision the map may claim (m)
SNAP_PRECISION_M = 100.0
CAVEAT = ("police demand from recorded crime (police.uk): crime is not calls for service; immediate-graded calls are "
          "a minority of it and include incidents that are not crimes")


def _snake(name: str) -> str:
    return "_".join(str(name).strip().lower().replace("-", " ").split())


def parse_police_crime(path: Path) -> Parsed:
    """Every crime of a file with a point in Great Britain; a crime without a point is a reject naming its row."""
    frames, rejects, offset = [], [], 0
    for path in [path]:  # noqa: B020 - one file, kept as a loop for the offsets
        raw = files.read_csv(path)
        raw.columns = [_snake(c) for c in raw.columns]
        missing = [c for c in REQUIRED if c not in raw.columns]
        if missing:
            raise InputFileError(path, f"not a police.uk street-level crime file: lacks {missing}", field=missing[0])
        month = pd.to_datetime(raw["month"].str.strip() + "-01", format="%Y-%m-%d", errors="coerce")
        for row in raw.index[month.isna()]:
            rejects.append(Reject(int(row) + offset, "month", raw.at[row, "month"], "not a month (YYYY-MM)"))
        no_point = raw["longitude"].str.strip().eq("") | raw["latitude"].str.strip().eq("")
        for row in raw.index[no_point]:
            rejects.append(Reject(int(row) + offset, "longitude/latitude", "", "no location (police.uk could not "
                                  "place the crime): counted, not mapped"))
        placed = raw[~no_point & month.notna()]
        coords, bad = geo.locate(placed, lat_col="latitude", lon_col="longitude", east_col=None, north_col=None)
        rejects += [Reject((r.row or 0) + offset, r.field, r.value, r.reason) for r in bad]
        ids = raw.get("crime_id", pd.Series("", index=raw.index)).str.strip()
        # anti-social behaviour has no crime id: a stable id from what the row says
        made = [hashlib.sha256(f"{path.name}|{i}|{'|'.join(raw.loc[i].tolist())}".encode()).hexdigest()[:24]
                for i in raw.index[ids.eq("")]]
        ids.loc[ids.eq("")] = made
        out = pd.DataFrame({
            "incident_id": "policeuk-" + ids, "source": "police.uk", "source_ref": ids, "service": "police",
            "call_time": month, "hour_of_day": pd.array([pd.NA] * len(raw), dtype="Int64"), "category": "crime",
            "category_detail": raw["crime_type"].str.strip(), "priority": None, "property_category": None,
            "location_precision_m": SNAP_PRECISION_M, "first_arrival_s": np.nan, "first_site_id": None,
            "first_site_name": None, "second_arrival_s": np.nan, "second_site_name": None,
            "area_code": raw["lsoa_code"].str.strip().replace("", None),
            "area_name": raw.get("lsoa_name", pd.Series("", index=raw.index)).str.strip()
            .str.replace(r"\s+\d{3}[A-Z]$", "", regex=True).replace("", None),
            "station_ground": raw["falls_within"].str.strip()}, index=raw.index)
        good = out.join(coords, how="inner")
        good.index = good.index + offset
        frames.append(good)
        offset += len(raw)
    frame = pd.concat(frames) if frames else pd.DataFrame()
    bad_rows = {r.row for r in rejects}
    frame = frame.drop(index=[r for r in bad_rows if r in frame.index])
    frame = frame[~frame["incident_id"].duplicated()]
    frame["content_hash"] = content_hashes(frame, list(frame.columns))
    return Parsed(frame, rows_read=offset, rejects=sorted(rejects, key=lambda r: r.row or 0),
                  extra={"layout": "police.uk street crime", "caveat": CAVEAT})


def load_police_crime(con: duckdb.DuckDBPyConnection, paths: Iterable[str | Path], *,
                      accept_partial: bool = False) -> list[LoadSummary]:
    """police.uk street-level crime files as police demand: one load per file (a month), so that each reject
    names its own file and row, and a month already loaded is skipped."""
    out = []
    for path in (Path(p) for p in paths):
        out.append(run_load(con, dataset="incidents", loader="police-crime", paths=[path],
                            parse=functools.partial(parse_police_crime, path), write=write_incidents,
                            options={"layout": "police.uk"}, accept_partial=accept_partial))
    return out
