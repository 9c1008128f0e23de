"""Load sites (stations, HQs, workshops, standby points...) of the three services.

Adapters turn each known file layout into one standard table of strings;
one validation pass then checks every field and coordinate and names the row
of anything it rejects. Sites from less authoritative sources (an estates
register, OpenStreetMap) that stand within a short distance of an official
site of the same service and kind are marked ``duplicate_of`` it, so that
analysis counts each building once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from bluelight.etl import files, geo
from bluelight.etl.loading import LoadSummary, Parsed, Reject, Written, content_hashes, run_load, upsert
from bluelight.foundation.errors import InputFileError
from bluelight.foundation.vocab import (
    DUTY_SYSTEMS,
    SERVICES,
    SITE_KINDS,
    SITE_STATUSES,
    norm_choice,
    norm_duty,
    norm_service,
    proper_name,
    slug,
)

log = logging.getLogger(__name__)

#: distance within which a lower-ranked site is taken to be the same building
DUPLICATE_RADIUS_M = 250.0

TEXT_FIELDS = ["site_id", "org_id", "name", "service", "kind", "status", "opened_on", "closed_on",
               "plan_action", "hours_current", "hours_proposed", "duty_system", "address", "postcode",
               "area_name", "source", "source_ref"]
NUMBER_FIELDS = ["turnout_s", "running_cost_gbp_pa", "floor_area_m2", "bays", "disposal_value_gbp",
                 "backlog_maintenance_gbp", "location_precision_m"]
COORD_FIELDS = ["latitude", "longitude", "easting", "northing"]

#: lower is more authoritative, for duplicate marking
SOURCE_RANK = {"user": 1, "lfb_stations": 1, "met_police_2013": 1, "las_stations": 1,
               "home_office_fire_2017": 1, "hospitals": 1, "synthetic": 1, "lfb_property": 2, "osm": 3}

LFB_2014_CLOSURES = ("Belsize", "Bow", "Clerkenwell", "Downham", "Kingsland", "Knightsbridge",
                     "Silvertown", "Southwark", "Westminster", "Woolwich")
LFB_2014_CLOSURE_DATE = "2014-01-09"


def _blank(n: int) -> dict[str, list[str]]:
    return {c: [""] * n for c in TEXT_FIELDS + NUMBER_FIELDS + COORD_FIELDS}


def standard_frame(frame: pd.DataFrame, **cols: Any) -> pd.DataFrame:
    """Build the standard frame: each keyword is a column name or a constant/Series."""
    out = pd.DataFrame(_blank(len(frame)), index=frame.index)
    for name, value in cols.items():
        out[name] = value
    out = out.astype(str).replace({"nan": "", "None": "", "<NA>": ""})
    for col in ("name", "area_name"):                 # publishers' capitals and title-casing artefacts, once
        out[col] = out[col].map(lambda v: proper_name(v) if v else v)
    return out


def lfb_site_id(station_name: str) -> str:
    """The id of an LFB station, shared by the stations file and the incident records."""
    return f"LFB-{slug(station_name)}"


# ----------------------------------------------------------------------------- adapters

def _adapt_lfb_stations(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    name = frame["Station_Name"].str.strip()
    closed = name.isin(LFB_2014_CLOSURES)
    return standard_frame(frame, site_id=name.map(lfb_site_id), org_id="LFB", name=name, service="fire", kind="station",
                status=np.where(closed, "closed", "open"), closed_on=np.where(closed, LFB_2014_CLOSURE_DATE, ""),
                duty_system="wholetime", postcode=frame["Postcode"], easting=frame["X (easting)"],
                northing=frame["Y (northing)"], latitude=frame["Latitude"], longitude=frame["Longitude"],
                location_precision_m="10", source="lfb_stations", source_ref=name)


def _lfb_property_kind(name: str) -> str:
    n = name.upper()
    if "(HQ)" in n or n.startswith("OLD HQ"):
        return "hq" if "(HQ)" in n else "office"
    if "WORKSHOP" in n and "INCLUDING" not in n:
        return "workshop"
    if "RCC" in n:
        return "control"
    if "TRAINING" in n:
        return "training"
    if any(w in n for w in ("FORMER", "DISUSED", "CAR PARK", "STORES", "PEGASUS", "GROTTO", "PONTOON")):
        return "other"
    return "station"


def _adapt_lfb_property(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    name = frame["Holding_Name"].str.strip()
    kind = name.map(_lfb_property_kind)
    return standard_frame(frame, site_id="LFB-P-" + frame["OBJECTID"].str.strip(), org_id="LFB", name=name,
                service="fire", kind=kind, status="open", address=frame["Address"].str.strip(),
                postcode=frame["Post_Code"].str.strip(), area_name=frame["Borough"], easting=frame["Easting"],
                northing=frame["Northing"], location_precision_m="10", source="lfb_property", source_ref=name)


def _met_kind(name: str) -> str:
    n = name.upper()
    if "SCOTLAND YARD" in n:
        return "hq"
    return "station" if "STATION" in n else "office"


def _adapt_met_2013(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    name = frame["name"].str.strip()
    plan = frame["status"].str.strip().str.lower().map({"keep": "keep", "cut": "close"}).fillna("")
    return standard_frame(frame, site_id="MPS-" + name.map(slug), org_id="MPS", name=name, service="police",
                kind=name.map(_met_kind), status="open", plan_action=plan, hours_current=frame["current"],
                hours_proposed=frame["proposed"], duty_system="police", area_name=frame["local authority"],
                latitude=frame["latitude"], longitude=frame["longitude"], location_precision_m="25",
                source="met_police_2013", source_ref=name)


def _adapt_las(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    return standard_frame(frame, site_id="LAS-" + frame["station_code"].str.strip(), org_id="LAS",
                name=frame["station_name"].str.strip(), service="ambulance", kind="station", status="open",
                duty_system="ambulance", area_name=frame["sector"], latitude=frame["latitude"],
                longitude=frame["longitude"], location_precision_m="400", source="las_stations",
                source_ref=frame["station_code"])


def _adapt_home_office_fire(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    frs = frame["FRS_FULLNAME"].str.strip()
    return standard_frame(frame, site_id="HO-" + frame["E_CODE"].str.strip() + "-" + frame["STATION_NAME"].map(slug),
                org_id="FRS-" + frs.map(slug), name=frame["STATION_NAME"].str.strip(), service="fire",
                kind="station", status="open", address=frame["STATION_ADDRESS"], postcode=frame["STATION_POSTCODE"],
                area_name=frs, easting=frame["STATION_EASTING"], northing=frame["STATION_NORTHING"],
                latitude=frame["lat"], longitude=frame["lon"], location_precision_m="25",
                source="home_office_fire_2017", source_ref=frame["STATION_NAME"])


def _adapt_hospitals(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    name = frame["Name"].str.strip()
    return standard_frame(frame, site_id="HOSP-" + name.map(slug), name=name, service="other", kind="hospital",
                status="open", latitude=frame["Latitude"], longitude=frame["Longitude"],
                location_precision_m="100", source="hospitals", source_ref=name)


#: (name, header columns that identify the layout, adapter)
ADAPTERS: list[tuple[str, frozenset[str], Callable[[pd.DataFrame, Path], pd.DataFrame]]] = [
    ("lfb_stations", frozenset({"Station_Name", "X (easting)", "Y (northing)"}), _adapt_lfb_stations),
    ("lfb_property", frozenset({"Holding_Name", "OBJECTID", "Easting", "Northing"}), _adapt_lfb_property),
    ("met_police_2013", frozenset({"name", "local authority", "status", "current", "proposed"}), _adapt_met_2013),
    ("las_stations", frozenset({"station_code", "station_name", "sector"}), _adapt_las),
    ("home_office_fire_2017", frozenset({"FRS_FULLNAME", "E_CODE", "STATION_NAME"}), _adapt_home_office_fire),
    ("hospitals", frozenset({"Name", "Latitude", "Longitude"}), _adapt_hospitals),
]

ORGANISATIONS = {
    "OSM": ("OpenStreetMap contributors (tagged stations)", "multi"),
    "LFB": ("London Fire Brigade", "fire"),
    "MPS": ("Metropolitan Police Service", "police"),
    "LAS": ("London Ambulance Service NHS Trust", "ambulance"),
}


def detect_layout(header: list[str]) -> str:
    """Name of the adapter whose identifying columns are all in ``header``, else ``generic``."""
    cols = set(header)
    for name, needed, _ in ADAPTERS:
        if needed <= cols:
            return name
    return "generic"


def _adapt_generic(frame: pd.DataFrame, path: Path, service: str | None) -> pd.DataFrame:
    has_ll = {"latitude", "longitude"} <= set(frame.columns)
    has_en = {"easting", "northing"} <= set(frame.columns)
    if not (has_ll or has_en):
        msg = (f"no coordinate columns: need 'latitude' and 'longitude' or 'easting' and 'northing' "
               f"(use --map to name yours); header is {list(frame.columns)}")
        raise InputFileError(path, msg, field="latitude")
    if "service" not in frame.columns and not service:
        raise InputFileError(path, "no 'service' column; pass --service fire|police|ambulance|other", field="service")
    cols = {c: frame[c] for c in TEXT_FIELDS + NUMBER_FIELDS + COORD_FIELDS if c in frame.columns}
    if service:
        cols.setdefault("service", pd.Series(service, index=frame.index))
        cols["service"] = cols["service"].where(cols["service"].str.strip() != "", service)
    cols.setdefault("source", pd.Series("user", index=frame.index))
    cols.setdefault("source_ref", frame["site_id"])
    return standard_frame(frame, **cols)


# ----------------------------------------------------------------------------- validation

def _validate(std: pd.DataFrame, path: Path) -> tuple[pd.DataFrame, list[Reject]]:
    """Check every field of the standard frame; return typed valid rows and the rejects."""
    rejects: list[Reject] = []
    bad: set[int] = set()

    def reject(row: Any, fld: str, value: str | None, reason: str) -> None:
        rejects.append(Reject(int(row), fld, value, reason))
        bad.add(row)

    out = pd.DataFrame(index=std.index)
    for c in TEXT_FIELDS:
        out[c] = std[c].str.strip().replace("", None)
    for c in ("site_id", "name", "service"):
        for row in out.index[out[c].isna()]:
            reject(row, c, "", "required value is missing")
    seen: dict[str, int] = {}
    for row, sid in out["site_id"].items():
        if sid is None:
            continue
        if sid in seen:
            reject(row, "site_id", sid, f"duplicate site_id (first at row {seen[sid]})")
        else:
            seen[sid] = row
    svc = out["service"].map(lambda v: norm_service(v) if v else None)
    for row in out.index[out["service"].notna() & svc.isna()]:
        reject(row, "service", out.at[row, "service"], f"unknown service; expected one of {list(SERVICES)}")
    out["service"] = svc
    for fld, allowed, default in (("kind", SITE_KINDS, "station"), ("status", SITE_STATUSES, "open")):
        val = out[fld].map(lambda v, a=allowed: norm_choice(v, a) if v else None)
        for row in out.index[out[fld].notna() & val.isna()]:
            reject(row, fld, out.at[row, fld], f"unknown {fld}; expected one of {list(allowed)}")
        out[fld] = val.fillna(default)
    duty = out["duty_system"].map(lambda v: norm_duty(v) if v else None)
    for row in out.index[out["duty_system"].notna() & duty.isna()]:
        reject(row, "duty_system", out.at[row, "duty_system"], f"unknown duty system; expected one of {list(DUTY_SYSTEMS)}")
    out["duty_system"] = duty
    for fld in ("opened_on", "closed_on"):
        parsed = pd.to_datetime(out[fld], errors="coerce", format="ISO8601")
        for row in out.index[out[fld].notna() & parsed.isna()]:
            reject(row, fld, out.at[row, fld], "not a date (use YYYY-MM-DD)")
        out[fld] = parsed.dt.date
    for fld in NUMBER_FIELDS:
        raw = std[fld].str.strip()
        num = pd.to_numeric(raw.replace("", None), errors="coerce")
        for row in out.index[(raw != "") & (num.isna() | (num < 0))]:
            reject(row, fld, raw[row], "not a non-negative number")
        out[fld] = num.astype(float)
    out["location_precision_m"] = out["location_precision_m"].fillna(10.0)
    out["bays"] = out["bays"].round().astype("Int64")
    cols = {k: (k if (k in std.columns and std[k].str.strip().ne("").any()) else None) for k in COORD_FIELDS}
    coords, coord_rej = geo.locate(std, lat_col=cols["latitude"], lon_col=cols["longitude"],
                                   east_col=cols["easting"], north_col=cols["northing"])
    if not any(cols.values()):
        coord_rej = [Reject(int(r), "latitude", "", "no coordinates given") for r in std.index]
    for r in coord_rej:
        rejects.append(r)
        if r.row is not None:
            bad.add(r.row)
    good = out.drop(index=[r for r in bad if r in out.index])
    good = good.join(coords, how="inner")
    return good, sorted(rejects, key=lambda r: (r.row or 0, r.field or ""))


def parse_sites(path: Path, *, service: str | None = None, mapping: Mapping[str, str] | None = None,
                encoding: str = "utf-8", layout: str | None = None) -> Parsed:
    """Read a sites file of any supported layout into validated rows."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in {".geojson", ".json", ".gpkg", ".shp"}:
        frame = _read_vector_points(path, mapping)
        layout = "generic"
    else:
        frame = files.read_csv(path, encoding=encoding, mapping=mapping)
        layout = layout or detect_layout(list(frame.columns))
    if layout == "generic":
        required = ["site_id", "name"]
        missing = [c for c in required if c not in frame.columns]
        if missing:
            msg = f"missing required column(s) {missing}; header is {list(frame.columns)} (use --map ours=theirs)"
            raise InputFileError(path, msg, field=missing[0])
        std = _adapt_generic(frame, path, service)
    else:
        adapter = next(a for n, _, a in ADAPTERS if n == layout)
        std = adapter(frame, path)
    return validated(std, path, rows_read=len(frame), layout=layout)


def validated(std: pd.DataFrame, path: Path, *, rows_read: int, layout: str) -> Parsed:
    """Validate a standard sites frame (from any adapter) into rows ready to write."""
    good, rejects = _validate(std, path)
    good["content_hash"] = content_hashes(good, list(good.columns))
    return Parsed(good, rows_read=rows_read, rejects=rejects, extra={"layout": layout})


def _read_vector_points(path: Path, mapping: Mapping[str, str] | None) -> pd.DataFrame:
    """Read a GeoJSON / GeoPackage of sites into the CSV-like frame the validator expects."""
    gdf = files.read_vector(path)
    pts = gdf.geometry.representative_point()
    frame = pd.DataFrame(gdf.drop(columns="geometry")).astype(str).replace({"nan": "", "None": ""})
    if mapping:
        frame = frame.rename(columns={theirs: ours for ours, theirs in mapping.items()})
    bng = pts.to_crs(geo.BNG)
    frame["easting"] = bng.x.map(repr)
    frame["northing"] = bng.y.map(repr)
    frame = frame.drop(columns=["latitude", "longitude"], errors="ignore")   # the geometry is the location
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    bad = [(i, e, n) for i, e, n in zip(frame.index, bng.x, bng.y) if geo.check_bng(e, n)]
    if len(bad) == len(frame):
        i, e, n = bad[0]
        raise InputFileError(path, f"no feature lies in Great Britain after reading it as {gdf.crs.to_string()}: "
                             "the declared CRS is probably wrong", row=int(i), field="geometry")
    return frame


# ----------------------------------------------------------------------------- writing

def write_sites(con: duckdb.DuckDBPyConnection, parsed: Parsed, run_id: int) -> Written:
    frame = parsed.frame
    orgs = sorted({o for o in frame["org_id"].dropna()})
    for org in orgs:
        name, service = ORGANISATIONS.get(org, (org.removeprefix("FRS-").replace("-", " ").title(), "other"))
        if org.startswith("FRS-"):
            service = "fire"
        con.execute("INSERT INTO organisations VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    [org, name, service, frame["source"].iloc[0]])
    before = con.execute("SELECT site_id, content_hash FROM sites").df()
    written = upsert(con, "sites", frame, key="site_id", run_id=run_id,
                     geom_sql={"geom": "ST_Point(_in.easting, _in.northing)"})
    old = dict(zip(before["site_id"], before["content_hash"]))
    touched = frame[[old.get(k) != h for k, h in zip(frame["site_id"], frame["content_hash"])]]
    closed = 0
    if parsed.extra.get("snapshot"):
        closed = _close_missing(con, frame, run_id)
    record_versions(con, touched, run_id, {k: ("changed" if k in old else "added") for k in touched["site_id"]})
    mark_duplicates(con)
    if closed:
        return Written(written.loaded + closed, written.unchanged, written.rejects,
                       f"{closed} site(s) of this source not in the file closed (snapshot)")
    return written


def record_versions(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, run_id: int, change: dict[str, str]) -> None:
    """Close the current version of each site in ``frame`` and open its new one (the history of every change)."""
    if frame.empty:
        return
    now = datetime.now(UTC).replace(tzinfo=None)
    rows = con.execute("SELECT site_id, content_hash, name, service, status, duty_system, easting, northing "
                       "FROM sites WHERE site_id IN (SELECT unnest(?))", [frame["site_id"].tolist()]).df()
    rows["change"] = rows["site_id"].map(change)
    rows["load_run_id"], rows["valid_from"], rows["valid_to"] = run_id, now, None
    con.execute("UPDATE site_versions SET valid_to = ? WHERE valid_to IS NULL AND site_id IN (SELECT unnest(?))",
                [now, rows["site_id"].tolist()])
    con.register("_versions", rows)
    con.execute("INSERT INTO site_versions SELECT site_id, content_hash, name, service, status, duty_system, easting, "
                "northing, change, load_run_id, valid_from, valid_to FROM _versions")
    con.unregister("_versions")


def _close_missing(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, run_id: int) -> int:
    """A snapshot of a source: its sites not in the file are closed (and the change recorded)."""
    sources = sorted(set(frame["source"]))
    gone = con.execute("SELECT site_id FROM sites WHERE source IN (SELECT unnest(?)) AND status <> 'closed' "
                       "AND site_id NOT IN (SELECT unnest(?))", [sources, frame["site_id"].tolist()]).df()["site_id"]
    if gone.empty:
        return 0
    today = datetime.now(UTC).date()
    con.execute("UPDATE sites SET status = 'closed', closed_on = coalesce(closed_on, ?), load_run_id = ?, "
                "content_hash = 'closed:' || content_hash WHERE site_id IN (SELECT unnest(?))",
                [today, run_id, gone.tolist()])
    record_versions(con, pd.DataFrame({"site_id": gone}), run_id, {k: "closed by snapshot" for k in gone})
    return len(gone)


def mark_duplicates(con: duckdb.DuckDBPyConnection) -> int:
    """Mark each site that duplicates a more authoritative one of the same service and kind."""
    sites = con.execute("SELECT site_id, service, kind, source, easting, northing FROM sites").df()
    if sites.empty:
        return 0
    sites["rank"] = sites["source"].map(SOURCE_RANK).fillna(1)
    dup: dict[str, str | None] = {s: None for s in sites["site_id"]}
    for (_service, _kind), grp in sites.groupby(["service", "kind"]):
        xy = grp[["easting", "northing"]].to_numpy()
        rank = grp["rank"].to_numpy()
        ids = grp["site_id"].to_numpy()
        d = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
        better = rank[None, :] < rank[:, None]
        d = np.where(better & (d <= DUPLICATE_RADIUS_M), d, np.inf)
        best = d.argmin(axis=1)
        for i, j in enumerate(best):
            if np.isfinite(d[i, j]):
                dup[ids[i]] = ids[j]
    for site, target in dup.items():              # to the most authoritative copy, never to another duplicate
        seen = {site}
        while target is not None and dup.get(target) is not None and target not in seen:
            seen.add(target)
            target = dup[target]
        dup[site] = target
    frame = pd.DataFrame({"site_id": list(dup), "duplicate_of": list(dup.values())})
    con.register("_dups", frame)
    con.execute("UPDATE sites SET duplicate_of = _dups.duplicate_of FROM _dups WHERE sites.site_id = _dups.site_id "
                "AND sites.duplicate_of IS DISTINCT FROM _dups.duplicate_of")
    con.unregister("_dups")
    return int(frame["duplicate_of"].notna().sum())


def load_sites(con: duckdb.DuckDBPyConnection, path: str | Path, *, service: str | None = None,
               mapping: Mapping[str, str] | None = None, encoding: str = "utf-8", accept_partial: bool = False,
               snapshot: bool = False) -> LoadSummary:
    """Load a sites file (CSV of a known or generic layout, GeoJSON, GeoPackage).

    Parameters
    ----------
    service
        Service for rows that do not say (generic files only).
    mapping
        ``{our_column: their_column}`` for generic files with other headers.
    snapshot
        The file is the whole list of its source: sites of that source it no
        longer holds are closed (their history keeps what they were).
    """
    path = Path(path)
    if service is not None and norm_service(service) is None:
        raise InputFileError(path, f"--service {service!r} is not one of {list(SERVICES)}")
    def parse() -> Parsed:
        parsed = parse_sites(path, service=service, mapping=mapping, encoding=encoding)
        parsed.extra["snapshot"] = snapshot
        return parsed
    return run_load(con, dataset="sites", loader="sites", paths=[path], parse=parse, write=write_sites,
                    options={"service": service, "mapping": dict(mapping or {}), **({"snapshot": True} if snapshot
                                                                                   else {})},
                    accept_partial=accept_partial)
