"""Load incidents: the LFB incident-record schema, the LFB mobilisation schema, and a generic CSV.

Incidents are keyed by their source id. A row already loaded is not loaded
again; the same id with different content, in one file or against the
warehouse, is rejected. The LFB redacts precise locations of dwellings: the
50 m rounded grid is used then, and the precision recorded.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from bluelight.etl import files, geo
from bluelight.etl.categories import CATEGORIES, lfb_category, normalise_category
from bluelight.etl.loading import LoadSummary, Parsed, Reject, Written, content_hashes, run_load, upsert
from bluelight.etl.sites import lfb_site_id
from bluelight.foundation.errors import InputFileError
from bluelight.foundation.vocab import SERVICES, norm_service, proper_name

log = logging.getLogger(__name__)

LFB_INCIDENT_COLUMNS = ("IncidentNumber", "DateOfCall", "TimeOfCall", "IncidentGroup", "StopCodeDescription",
                        "Easting_rounded", "Northing_rounded", "FirstPumpArriving_AttendanceTime")
LFB_MOBILISATION_COLUMNS = ("IncidentNumber", "ResourceMobilisationId", "DateAndTimeMobilised",
                            "AttendanceTimeSeconds", "DeployedFromStation_Name")
GENERIC_REQUIRED = ("incident_id", "call_time", "category")

#: the LFB publishes pump minutes with a floor: an incident recorded at 60 took 60 pump-minutes or less
LFB_PUMP_MINUTES_FLOOR = 60.0
#: incident columns that go to ``incident_workload``, not ``incidents`` (nor into the incident's content hash)
WORKLOAD_COLUMNS = ("vehicles_sent", "vehicle_minutes", "vehicle_minutes_floor")

#: precision (m) of LFB coordinates: exact, or the 50 m grid used when redacted
PRECISE_M = 1.0
ROUNDED_GRID_M = 50.0


def detect_layout(header: list[str]) -> str:
    cols = set(header)
    if set(LFB_MOBILISATION_COLUMNS) <= cols:
        return "lfb_mobilisation"
    if set(LFB_INCIDENT_COLUMNS) <= cols:
        return "lfb_incident"
    return "generic"


def _num(raw: pd.Series) -> pd.Series:
    return pd.to_numeric(raw.str.strip().replace("", None), errors="coerce")


def _non_negative(frame: pd.DataFrame, column: str, rejects: list[Reject]) -> pd.Series:
    """An optional numeric column (blank: missing); a value that is not a non-negative number is rejected."""
    if column not in frame.columns:
        return pd.Series(np.nan, index=frame.index)
    value = _num(frame[column])
    for row in frame.index[value.lt(0) | (frame[column].str.strip().ne("") & value.isna())]:
        rejects.append(Reject(int(row), column, frame.at[row, column], "not a non-negative number"))
    return value


def _parse_times(date: pd.Series, time: pd.Series | None = None) -> pd.Series:
    """Timestamps from ISO dates, '01 Jan 2009' or '01/01/2009 00:02:27' (day first)."""
    text = date.str.strip() if time is None else (date.str.strip() + " " + time.str.strip()).str.strip()
    out = pd.to_datetime(text, errors="coerce", format="ISO8601")
    for fmt in ("%d %b %Y %H:%M:%S", "%d %b %Y", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y"):
        missing = out.isna() & text.ne("")
        if not missing.any():
            break
        out = out.where(~missing, pd.to_datetime(text.where(missing), errors="coerce", format=fmt))
    return out


def _dedupe_in_file(frame: pd.DataFrame, key: str) -> tuple[pd.DataFrame, list[Reject], int]:
    """Drop exact repeats of an id; reject an id repeated with different content."""
    rejects = []
    first_row = {}
    keep = []
    repeats = 0
    for row, k, h in zip(frame.index, frame[key], frame["content_hash"]):
        if k not in first_row:
            first_row[k] = (row, h)
            keep.append(row)
        elif first_row[k][1] == h:
            repeats += 1
        else:
            rejects.append(Reject(int(row), key, str(k), f"same id as row {first_row[k][0]} with different content"))
    return frame.loc[keep], rejects, repeats


def _finish(frame: pd.DataFrame, coords: pd.DataFrame, rejects: list[Reject], rows_read: int, key: str) -> Parsed:
    bad = {r.row for r in rejects}
    good = frame.drop(index=[r for r in bad if r in frame.index]).join(coords, how="inner")
    good["content_hash"] = content_hashes(good, [c for c in good.columns if c not in WORKLOAD_COLUMNS])
    good, dup_rejects, repeats = _dedupe_in_file(good, key)
    rejects = sorted(rejects + dup_rejects, key=lambda r: (r.row or 0))
    return Parsed(good, rows_read=rows_read, rejects=rejects, extra={"repeats": repeats})


def parse_lfb_incidents(path: Path, frame: pd.DataFrame) -> Parsed:
    rejects: list[Reject] = []
    out = pd.DataFrame(index=frame.index)
    ref = frame["IncidentNumber"].str.strip()
    for row in frame.index[ref.eq("")]:
        rejects.append(Reject(int(row), "IncidentNumber", "", "required value is missing"))
    out["incident_id"] = "LFB-" + ref
    out["source"] = "lfb_incident"
    out["source_ref"] = ref
    out["service"] = "fire"
    out["call_time"] = _parse_times(frame["DateOfCall"], frame["TimeOfCall"])
    for row in frame.index[out["call_time"].isna()]:
        rejects.append(Reject(int(row), "DateOfCall", f"{frame.at[row, 'DateOfCall']} {frame.at[row, 'TimeOfCall']}",
                              "not a date and time"))
    out["hour_of_day"] = out["call_time"].dt.hour.astype("Int64")
    blank = pd.Series("", index=frame.index)
    cats = [lfb_category(g, s, t, p) for g, s, t, p in zip(
        frame["IncidentGroup"], frame["StopCodeDescription"], frame.get("SpecialServiceType", blank),
        frame.get("PropertyCategory", blank))]
    out["category"] = [c for c, _ in cats]
    out["category_detail"] = [d for _, d in cats]
    out["priority"] = None
    out["property_category"] = frame.get("PropertyCategory", pd.Series("", index=frame.index)).str.strip().replace("", None)
    precise = frame.get("Easting_m", pd.Series("", index=frame.index)).str.strip().ne("")
    east = frame["Easting_rounded"].where(~precise, frame.get("Easting_m"))
    north = frame["Northing_rounded"].where(~precise, frame.get("Northing_m"))
    loc = pd.DataFrame({"easting": east, "northing": north}, index=frame.index)
    coords, coord_rej = geo.locate(loc, lat_col=None, lon_col=None, east_col="easting", north_col="northing")
    rejects += [Reject(r.row, (r.field or "").replace("easting", "Easting_rounded").replace("northing",
                                                                                          "Northing_rounded"),
                       r.value, r.reason) for r in coord_rej]
    out["location_precision_m"] = np.where(precise, PRECISE_M, ROUNDED_GRID_M)
    first = _num(frame["FirstPumpArriving_AttendanceTime"])
    for row in frame.index[first.lt(0)]:
        rejects.append(Reject(int(row), "FirstPumpArriving_AttendanceTime", frame.at[row, "FirstPumpArriving_AttendanceTime"],
                              "negative attendance time"))
    out["first_arrival_s"] = first
    name = frame.get("FirstPumpArriving_DeployedFromStation", pd.Series("", index=frame.index)).str.strip()
    out["first_site_name"] = name.replace("", None)
    out["first_site_id"] = name.map(lambda n: lfb_site_id(n) if n else None)
    out["second_arrival_s"] = _num(frame.get("SecondPumpArriving_AttendanceTime", pd.Series("", index=frame.index)))
    out["second_site_name"] = frame.get("SecondPumpArriving_DeployedFromStation",
                                        pd.Series("", index=frame.index)).str.strip().replace("", None)
    out["area_code"] = frame.get("IncGeo_BoroughCode", pd.Series("", index=frame.index)).str.strip().replace("", None)
    out["area_name"] = frame.get("ProperCase", pd.Series("", index=frame.index)).str.strip().replace("", None).map(
        proper_name, na_action="ignore")
    out["station_ground"] = frame.get("IncidentStationGround", pd.Series("", index=frame.index)).str.strip().replace("", None)
    out["vehicles_sent"] = _non_negative(frame, "PumpCount", rejects)
    out["vehicle_minutes"] = _non_negative(frame, "PumpMinutesRounded", rejects)
    out["vehicle_minutes_floor"] = np.where(out["vehicle_minutes"].notna(), LFB_PUMP_MINUTES_FLOOR, np.nan)
    return _finish(out, coords, rejects, len(frame), "incident_id")


def parse_generic_incidents(path: Path, frame: pd.DataFrame, service: str | None) -> Parsed:
    missing = [c for c in GENERIC_REQUIRED if c not in frame.columns]
    if missing:
        msg = f"missing required column(s) {missing}; header is {list(frame.columns)} (use --map ours=theirs)"
        raise InputFileError(path, msg, field=missing[0])
    has_ll = {"latitude", "longitude"} <= set(frame.columns)
    has_en = {"easting", "northing"} <= set(frame.columns)
    if not (has_ll or has_en):
        raise InputFileError(path, "no coordinate columns: need latitude/longitude or easting/northing", field="latitude")
    if "service" not in frame.columns and not service:
        raise InputFileError(path, "no 'service' column; pass --service", field="service")
    rejects: list[Reject] = []
    out = pd.DataFrame(index=frame.index)
    ref = frame["incident_id"].str.strip()
    for row in frame.index[ref.eq("")]:
        rejects.append(Reject(int(row), "incident_id", "", "required value is missing"))
    src = frame["source"].str.strip() if "source" in frame.columns else pd.Series("user", index=frame.index)
    out["incident_id"] = src + "-" + ref
    out["source"] = src
    out["source_ref"] = ref
    svc_raw = frame["service"].str.strip() if "service" in frame.columns else pd.Series(service, index=frame.index)
    if service:
        svc_raw = svc_raw.where(svc_raw.ne(""), service)
    svc = svc_raw.map(norm_service)
    for row in frame.index[svc.isna()]:
        rejects.append(Reject(int(row), "service", svc_raw[row], f"unknown service; expected one of {list(SERVICES)}"))
    out["service"] = svc
    out["call_time"] = _parse_times(frame["call_time"])
    for row in frame.index[out["call_time"].isna()]:
        rejects.append(Reject(int(row), "call_time", frame.at[row, "call_time"], "not a date and time (use ISO 8601)"))
    out["hour_of_day"] = out["call_time"].dt.hour.astype("Int64")
    cat = frame["category"].map(normalise_category)
    for row in frame.index[cat.isna()]:
        rejects.append(Reject(int(row), "category", frame.at[row, "category"],
                              f"unknown category; expected one of {list(CATEGORIES)}"))
    out["category"] = cat
    out["category_detail"] = frame["category"].str.strip()
    out["priority"] = frame["priority"].str.strip().replace("", None) if "priority" in frame.columns else None
    out["property_category"] = None
    lat, lon = ("latitude", "longitude") if has_ll else (None, None)
    east, north = ("easting", "northing") if has_en else (None, None)
    coords, coord_rej = geo.locate(frame, lat_col=lat, lon_col=lon, east_col=east, north_col=north)
    rejects += coord_rej
    prec = _num(frame["location_precision_m"]) if "location_precision_m" in frame.columns else pd.Series(np.nan, index=frame.index)
    out["location_precision_m"] = prec.fillna(10.0)
    arr = _num(frame["first_arrival_s"]) if "first_arrival_s" in frame.columns else pd.Series(np.nan, index=frame.index)
    for row in frame.index[arr.lt(0)]:
        rejects.append(Reject(int(row), "first_arrival_s", frame.at[row, "first_arrival_s"], "negative time"))
    out["first_arrival_s"] = arr
    out["first_site_id"] = frame["site_id"].str.strip().replace("", None) if "site_id" in frame.columns else None
    out["first_site_name"] = None
    out["second_arrival_s"] = np.nan
    out["second_site_name"] = None
    out["area_code"] = None
    out["area_name"] = frame["area_name"].str.strip().replace("", None).map(proper_name, na_action="ignore") \
        if "area_name" in frame.columns else None
    out["station_ground"] = None
    for col in ("vehicles_sent", "vehicle_minutes"):               # optional: what the incident cost in vehicle time
        out[col] = _non_negative(frame, col, rejects)
    out["vehicle_minutes_floor"] = np.nan
    return _finish(out, coords, rejects, len(frame), "incident_id")


def parse_lfb_mobilisations(path: Path, frame: pd.DataFrame) -> Parsed:
    rejects: list[Reject] = []
    out = pd.DataFrame(index=frame.index)
    mid = frame["ResourceMobilisationId"].str.strip()
    for row in frame.index[mid.eq("")]:
        rejects.append(Reject(int(row), "ResourceMobilisationId", "", "required value is missing"))
    out["mobilisation_id"] = "LFB-M-" + mid
    out["incident_ref"] = frame["IncidentNumber"].str.strip()
    out["source"] = "lfb_mobilisation"
    out["resource_code"] = frame.get("Resource_Code", pd.Series("", index=frame.index)).str.strip()
    out["station_code"] = frame.get("DeployedFromStation_Code", pd.Series("", index=frame.index)).str.strip()
    name = frame["DeployedFromStation_Name"].str.strip()
    out["station_name"] = name
    out["site_id"] = name.map(lambda n: lfb_site_id(n) if n else None)
    out["deployed_from"] = frame.get("DeployedFromLocation", pd.Series("", index=frame.index)).str.strip()
    out["pump_order"] = _num(frame.get("PumpOrder", pd.Series("", index=frame.index))).astype("Int64")
    for col, src in (("mobilised_at", "DateAndTimeMobilised"), ("mobile_at", "DateAndTimeMobile"),
                     ("arrived_at", "DateAndTimeArrived")):
        raw = frame.get(src, pd.Series("", index=frame.index))
        parsed = _parse_times(raw)
        for row in frame.index[raw.str.strip().ne("") & parsed.isna()]:
            rejects.append(Reject(int(row), src, raw[row], "not a date and time"))
        out[col] = parsed
    for row in frame.index[out["mobilised_at"].isna() & frame["DateAndTimeMobilised"].str.strip().eq("")]:
        rejects.append(Reject(int(row), "DateAndTimeMobilised", "", "required value is missing"))
    for col, src in (("turnout_s", "TurnoutTimeSeconds"), ("travel_s", "TravelTimeSeconds"),
                     ("attendance_s", "AttendanceTimeSeconds")):
        raw = frame.get(src, pd.Series("", index=frame.index))
        num = _num(raw)
        for row in frame.index[(raw.str.strip().ne("") & num.isna()) | num.lt(0)]:
            rejects.append(Reject(int(row), src, raw[row], "not a non-negative number"))
        out[col] = num
    out["delay_code"] = frame.get("DelayCode_Description", pd.Series("", index=frame.index)).str.strip().replace("", None)
    bad = {r.row for r in rejects}
    good = out.drop(index=[r for r in bad if r in out.index])
    good["content_hash"] = content_hashes(good, list(good.columns))
    good, dup_rejects, repeats = _dedupe_in_file(good, "mobilisation_id")
    return Parsed(good, rows_read=len(frame), rejects=sorted(rejects + dup_rejects, key=lambda r: r.row or 0),
                  extra={"repeats": repeats, "table": "mobilisations"})


def parse_incidents(path: Path, *, service: str | None = None, mapping: Mapping[str, str] | None = None,
                    encoding: str = "utf-8") -> Parsed:
    frame = files.read_csv(path, encoding=encoding, mapping=mapping)
    layout = detect_layout(list(frame.columns))
    if layout == "lfb_incident":
        parsed = parse_lfb_incidents(path, frame)
    elif layout == "lfb_mobilisation":
        parsed = parse_lfb_mobilisations(path, frame)
    else:
        parsed = parse_generic_incidents(path, frame, service)
    parsed.extra["layout"] = layout
    return parsed


def _write(con: duckdb.DuckDBPyConnection, parsed: Parsed, run_id: int) -> Written:
    table = parsed.extra.get("table", "incidents")
    key = "mobilisation_id" if table == "mobilisations" else "incident_id"
    geom = None if table == "mobilisations" else {"geom": "ST_Point(_in.easting, _in.northing)"}
    frame = parsed.frame
    workload = [c for c in WORKLOAD_COLUMNS if c in frame.columns]
    w = upsert(con, table, frame.drop(columns=workload), key=key, run_id=run_id, geom_sql=geom, on_change="reject",
               row_numbers=pd.Series(frame.index, index=frame.index))
    if workload:
        work = frame[[key, *workload]].dropna(subset=workload, how="all")
        if not work.empty:
            work = work.assign(content_hash=content_hashes(work, list(work.columns)))
            kept = set(frame[key]) - {r.value for r in w.rejects}      # an incident rejected takes its workload along
            upsert(con, "incident_workload", work[work[key].isin(kept)], key=key, run_id=run_id)
    repeats = parsed.extra.get("repeats", 0)
    msg = f"{parsed.extra.get('layout')} layout" + (f"; {repeats} exact repeats in the file ignored" if repeats else "")
    return Written(w.loaded, w.unchanged + repeats, w.rejects, msg)


def load_incidents(con: duckdb.DuckDBPyConnection, path: str | Path, *, service: str | None = None,
                   mapping: Mapping[str, str] | None = None, encoding: str = "utf-8",
                   accept_partial: bool = False) -> LoadSummary:
    """Load an incident file, detecting the LFB incident or mobilisation schema by its header."""
    path = Path(path)
    return run_load(con, dataset="incidents", loader="incidents", paths=[path],
                    parse=lambda: parse_incidents(path, service=service, mapping=mapping, encoding=encoding),
                    write=_write, options={"service": service, "mapping": dict(mapping or {})},
                    accept_partial=accept_partial)
