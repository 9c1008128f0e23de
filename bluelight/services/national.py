"""``bluelight national``: every English fire and rescue service's response estimated without road data.

For every LSOA in England: the nearest fire station (straight line), its
duty system's turnout where the duty file names the station (else the
service's own FIRE1001 turnout) and a drive fitted to the services' published
FIRE1001 drive times (:mod:`bluelight.analysis.national`). Each service is
judged against its own published figures with the model fitted to the other
services (leave one service out), London is held out of the fit altogether and
checked against FIRE1001 and the LFB incident sample, and every figure is
labelled an estimate without road data with its measured error.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from bluelight.analysis.national import (
    fit_drive,
    leave_one_out,
    nearest,
    service_areas,
    service_terms,
    station_turnouts_min,
    urban,
)
from bluelight.analysis.speeds import load_profile
from bluelight.analysis.summary import Variability
from bluelight.etl.incidents import parse_incidents
from bluelight.etl.national import read_authorities, read_duty, read_fire1001, read_lsoas, read_stations
from bluelight.foundation.config_files import config_file, read_yaml
from bluelight.foundation.errors import ConfigError, InputFileError, ValidationError
from bluelight.services.requests import Field, Request
from bluelight.services.results import Result

CONFIG = "national.yaml"
LABEL = "estimate without road data"
#: a station of the duty file is the station-list one within this distance (the two lists share no id)
DUTY_MATCH_M = 400.0
#: FIRE1001 areas that are groups of services, not services
GROUPS = {"England", "Metropolitan", "Non-metropolitan", "Predominantly Rural", "Predominantly Urban",
          "Significantly Rural"}


@dataclass(frozen=True)
class NationalRequest(Request):
    """Which FIRE1001 year and fire type to fit to and judge by (default: the configuration's)."""

    year: str | None = None
    fire_type: str | None = None

    FIELDS = (
        Field("year", "FIRE1001 year", str, None, optional=True, help="Financial year, e.g. 2019/20."),
        Field("fire_type", "FIRE1001 fire type", str, None, optional=True, help="e.g. Dwellings, Primary."),
    )


def load_config(path: str | Path | None = None) -> dict[str, Any]:
    """The national estimate's settings (``national.yaml``), with every required key present.

    Parameters
    ----------
    path
        The settings file (default: the user's or the shipped ``national.yaml``).
    """
    doc = read_yaml(path or config_file(CONFIG), what="national estimate settings")
    for key in ("files", "year", "fire_type", "urban_density_per_km2", "turnout_min", "frs_aliases"):
        if key not in doc:
            raise ConfigError(f"{path or CONFIG}: missing '{key}'")
    return doc


@dataclass(frozen=True)
class NationalResult(Result):
    """Every English fire and rescue service estimated without road data, against FIRE1001."""

    OPTIONAL: ClassVar[frozenset[str]] = frozenset({'areas_geojson', 'lsoas'})

    label: str
    year: str
    fire_type: str
    model: dict[str, Any]
    cv_mae_drive_min: float
    cv_bias_drive_min: float
    cv_services: int
    not_fitted: dict[str, str]
    held_out_service: str
    held_out: dict[str, Any]
    services: list[dict[str, Any]]
    trends: dict[str, Any]
    sources: dict[str, str]
    lsoas_estimated: int
    population: float
    areas_geojson: dict[str, Any] | None
    lsoas: list[dict[str, Any]] | None


@functools.lru_cache(maxsize=4)
def _published_choices(path: str, mtime_ns: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The years and fire types of a FIRE1001 file that carry drive times (read once per file version)."""
    frame = read_fire1001(Path(path))
    have = frame[frame["drive_min"].notna()]
    return tuple(sorted({str(y) for y in have["year"]})), tuple(sorted({str(t) for t in have["fire_type"]}))


def national_choices(data_dir: Path) -> dict[str, list[str]]:
    """The closed lists the national estimate can be asked for: FIRE1001's years and fire types with drive times.

    Parameters
    ----------
    data_dir
        The data directory holding ``england/``.

    Returns
    -------
    dict
        ``years`` and ``fire_types``, sorted.
    """
    path = Path(data_dir) / load_config()["files"]["fire1001"]
    years, types = _published_choices(str(path), path.stat().st_mtime_ns)
    return {"years": list(years), "fire_types": list(types)}


def run_national(data_dir: Path, request: NationalRequest = NationalRequest(), *, with_lsoas: bool = False,
                 with_areas: bool = False) -> NationalResult:
    """The national first look: per service, estimated against published response, and how wrong it is.

    Parameters
    ----------
    data_dir
        The open-data folder.
    request
        FIRE1001 year and fire type.
    with_lsoas
        Whether to add every LSOA's estimate (for the map).
    with_areas
        Whether to add the fire services' areas as GeoJSON.
    """
    cfg = load_config()
    files = {k: Path(data_dir) / v for k, v in cfg["files"].items()}
    year, fire_type = request.year or cfg["year"], request.fire_type or cfg["fire_type"]
    stations = read_stations(files["stations"])
    duty = read_duty(files["duty"])
    lsoas = read_lsoas(files["centroids"], files["population"])
    published = _published(read_fire1001(files["fire1001"]), files["fire1001"], year, fire_type)
    alias = {own: theirs for theirs, owns in cfg["frs_aliases"].items() for own in owns}
    stations["service"] = stations["frs"].map(lambda f: alias.get(f, f))
    placed = stations.dropna(subset=["easting", "northing"]).reset_index(drop=True)
    placed["turnout_min"], placed["duty"] = _turnouts(placed, duty, cfg["turnout_min"])
    xy = lsoas[["easting", "northing"]].to_numpy(float)
    near, distance = nearest(xy, placed[["easting", "northing"]].to_numpy(float))
    lsoas["station"], lsoas["distance_m"] = placed["name"].to_numpy()[near], distance
    lsoas["urban"] = urban(xy, lsoas["population"].to_numpy(), density_per_km2=float(cfg["urban_density_per_km2"]))
    lsoas["service"] = _service_of_areas(lsoas, placed["service"].to_numpy()[near])
    fire1001_turnout = published.set_index("area")["turnout_min"]
    lsoas["turnout_min"], lsoas["turnout_source"] = station_turnouts_min(
        placed["duty"].to_numpy()[near], lsoas["service"].map(fire1001_turnout).to_numpy(float), cfg["turnout_min"])

    missing_xy = stations[stations["easting"].isna()].groupby("service").size()
    served = set(lsoas["service"])
    services = [s for s in published["area"] if s in served]
    held_out = cfg.get("held_out_service")                # checked against its own incidents, not fitted
    fitted = [s for s in services if s != held_out and not missing_xy.get(s, 0)]
    y = published.set_index("area").loc[fitted, "drive_min"].to_numpy(float) * 60
    terms = service_terms(lsoas["service"].to_numpy(), lsoas["distance_m"].to_numpy(), lsoas["urban"].to_numpy(),
                          lsoas["population"].to_numpy(), fitted)
    profile = load_profile(cfg.get("speed_profile", "national_v1"))
    fastest = 3.6 / profile.max_kph                     # no drive faster, as the crow flies, than the profile allows
    model = fit_drive(terms, y, min_pace_s_per_m=fastest)
    cv = dict(zip(fitted, leave_one_out(terms, y, min_pace_s_per_m=fastest) / 60))
    lsoas["drive_min"] = model.drive_s(lsoas["distance_m"].to_numpy(), lsoas["urban"].to_numpy()) / 60
    lsoas["response_min"] = lsoas["turnout_min"] + lsoas["drive_min"]
    rows = [_service_row(s, lsoas, published, placed, stations, cv, missing_xy) for s in services]
    rows += [{"service": s, "label": LABEL, "estimated": False, "fire1001_drive_min": float(d),
              "reason": f"no station with coordinates ({int(missing_xy.get(s, 0))} listed without): its area is "
                        "estimated from its neighbours' stations and not judged"}
             for s, d in zip(published["area"], published["drive_min"]) if s not in services]
    errors = np.array([r["cv_drive_min"] - r["fire1001_drive_min"] for r in rows if r.get("cv_drive_min") is not None])
    out = {"label": LABEL, "year": year, "fire_type": fire_type,
           "model": model.as_dict() | {"fitted_to": len(fitted),
                                       "urban_density_per_km2": float(cfg["urban_density_per_km2"])},
           "cv_mae_drive_min": float(np.mean(np.abs(errors))), "cv_bias_drive_min": float(np.mean(errors)),
           "cv_services": len(errors),
           "not_fitted": {s: ("held out: checked against its incidents" if s == held_out else
                              f"{int(missing_xy[s])} stations without coordinates") for s in services if s not in cv},
           "held_out_service": held_out,
           "held_out": _held_out(held_out, lsoas, published, files.get("held_out_incidents"), _spread(cfg)),
           "services": rows, "trends": _trends(read_fire1001(files["fire1001"]), fire_type, services),
           "sources": {k: str(v.relative_to(data_dir)) for k, v in files.items()} | dict(cfg.get("sources", {})),
           "lsoas_estimated": int(len(lsoas)), "population": float(lsoas["population"].sum())}
    if with_areas:
        authorities = read_authorities(files["authorities"])
        authorities = authorities[authorities["la_code"].astype(str).str.startswith("E")]     # England's
        areas = service_areas(authorities, xy, lsoas["service"].to_numpy(), simplify_m=800.0)
        out["areas_geojson"] = json.loads(areas.to_crs(4326).to_json())
    if with_lsoas:
        out["lsoas"] = lsoas[["lsoa", "la_name", "service", "station", "distance_m", "urban", "population",
                              "turnout_min", "drive_min", "response_min", "easting", "northing"]].to_dict("records")
    return NationalResult.of(out)


def _published(f1001: pd.DataFrame, path: Path, year: str, fire_type: str) -> pd.DataFrame:
    if year not in set(f1001["year"]):
        raise ValidationError("year", f"FIRE1001 year must be one of {', '.join(sorted(set(f1001['year'])))}, "
                                      f"got {year!r}")
    if fire_type not in set(f1001["fire_type"]):
        raise ValidationError("fire_type", f"FIRE1001 fire type must be one of "
                                           f"{', '.join(sorted(set(f1001['fire_type'])))}, got {fire_type!r}")
    rows = f1001[(f1001["year"] == year) & (f1001["fire_type"] == fire_type) & ~f1001["area"].isin(GROUPS)]
    rows = rows[rows["drive_min"].notna()]
    if rows.empty:
        raise InputFileError(path, f"no service has a {fire_type} drive time in {year}", field="DRIVE_TIME_min")
    return rows.reset_index(drop=True)


def _turnouts(placed: pd.DataFrame, duty: pd.DataFrame, table: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Each placed station's turnout (min) and duty system from the duty file's station within DUTY_MATCH_M."""
    known = duty[duty["duty"] != ""].dropna(subset=["easting", "northing"])
    turnout, kind = np.full(len(placed), np.nan), np.full(len(placed), "", dtype=object)
    if len(known):
        i, d = nearest(placed[["easting", "northing"]].to_numpy(float), known[["easting", "northing"]].to_numpy(float))
        hit = d <= DUTY_MATCH_M
        kind[hit] = known["duty"].to_numpy()[i[hit]]
        turnout[hit] = [float(table[k]) for k in kind[hit]]
    return turnout, kind


def _service_of_areas(lsoas: pd.DataFrame, nearest_service: np.ndarray) -> np.ndarray:
    """Each LSOA's fire and rescue service: that of its local authority, the service whose stations are nearest to
    most of the authority's population (fire authorities are made of whole local authorities)."""
    frame = pd.DataFrame({"la": lsoas["la_code"], "service": nearest_service, "w": lsoas["population"]})
    weight = frame.groupby(["la", "service"])["w"].sum().reset_index()
    owner = weight.sort_values("w").drop_duplicates("la", keep="last").set_index("la")["service"]
    services: np.ndarray = lsoas["la_code"].map(owner).to_numpy()
    return services


def _wmean(values: ArrayLike, weights: ArrayLike) -> float:
    w = np.asarray(weights, float)
    return float((np.asarray(values, float) * w).sum() / w.sum()) if w.sum() > 0 else float("nan")


def _service_row(service: str, lsoas: pd.DataFrame, published: pd.DataFrame, placed: pd.DataFrame,
                 stations: pd.DataFrame, cv: dict[str, float], missing_xy: pd.Series) -> dict[str, Any]:
    m = lsoas["service"] == service
    area, pub = lsoas[m], published.set_index("area").loc[service]
    own = placed[placed["service"] == service]
    drive = _wmean(area["drive_min"], area["population"])
    turnout = _wmean(area["turnout_min"], area["population"])
    total = float(pub["call_handling_min"]) + turnout + drive
    return {"service": service, "label": LABEL, "estimated": True, "population": float(area["population"].sum()),
            "lsoas": int(m.sum()), "urban_share": _wmean(area["urban"], area["population"]),
            "stations": int((stations["service"] == service).sum()), "stations_without_coordinates":
                int(missing_xy.get(service, 0)),
            "duty_known": int((own["duty"] != "").sum()),
            "duty": {k: int((own["duty"] == k).sum()) for k in ("wholetime", "day_crewed", "on_call")},
            "fire1001_incidents": int(pub["incidents"]) if np.isfinite(pub["incidents"]) else None,
            "fire1001_drive_min": float(pub["drive_min"]), "modelled_drive_min": drive,
            "cv_drive_min": cv.get(service), "fire1001_turnout_min": float(pub["turnout_min"]),
            "modelled_turnout_min": turnout,
            "turnout_from_duty_share": _wmean(area["turnout_source"] == "duty system", area["population"]),
            "fire1001_total_min": float(pub["total_min"]), "modelled_total_min": total,
            "mean_distance_km": _wmean(area["distance_m"], area["population"]) / 1000}


def _spread(cfg: dict[str, Any]) -> tuple[Variability, str]:
    """The spread of actual around modelled attendance from the calibrated profile named in the settings."""
    name = cfg.get("spread_profile")
    profile = load_profile(name)
    var = Variability.from_profile(profile.variability) or Variability()
    return var, profile.key


def _held_out(service: str | None, lsoas: pd.DataFrame, published: pd.DataFrame, incidents: Path | None,
              spread: tuple[Variability, str]) -> dict[str, Any]:
    """The service held out of the fit: modelled against FIRE1001, and its share within 6 minutes against its own
    incident sample (the settings name both; London and the LFB sample as shipped)."""
    m = lsoas["service"] == service
    if service is None or not m.any():
        return {"available": False, "reason": f"no LSOAs of the held-out service {service!r}"}
    area = lsoas[m]
    pub = published.set_index("area").loc[service] if service in set(published["area"]) else None
    var, key = spread
    response_s = area["response_min"].to_numpy() * 60
    out = {"available": True, "modelled_drive_min": _wmean(area["drive_min"], area["population"]),
           "fire1001_drive_min": None if pub is None else float(pub["drive_min"]),
           "modelled_share_within_6min": _wmean(var.prob_within(response_s, 360.0), area["population"]),
           "modelled_share_within_6min_deterministic": _wmean(response_s <= 360.0, area["population"]),
           "spread_from": f"{key}: the spread of actual around modelled attendance of the road-based London "
                          "model (the straight-line estimate's own error comes on top of it)"}
    if incidents is None:
        return out | {"incident_sample": {"available": False, "reason": "no incident sample named in the settings"}}
    try:
        n, share = _sample_within(str(incidents), incidents.stat().st_mtime_ns if incidents.exists() else 0, 360.0)
    except InputFileError as exc:
        return out | {"incident_sample": {"available": False, "reason": str(exc)}}
    return out | {"incident_sample": {"available": True, "file": incidents.name, "incidents": n,
                                 "share_within_6min": share,
                                 "note": "first pump attendance, timed from mobilisation; the estimate's "
                                         "response is turnout + drive (no call handling), population-weighted"}}


@functools.lru_cache(maxsize=4)
def _sample_within(path: str, mtime_ns: int, threshold_s: float) -> tuple[int, float]:
    """Incidents of a sample with a first attendance time, and the share within ``threshold_s`` (read once per
    file version: a change of year or fire type does not parse the sample again)."""
    t = pd.to_numeric(parse_incidents(Path(path)).frame["first_arrival_s"], errors="coerce").dropna()
    return int(len(t)), float((t <= threshold_s).mean())


def _trends(f1001: pd.DataFrame, fire_type: str, services: list[str]) -> list[dict[str, Any]]:
    rows = f1001[(f1001["fire_type"] == fire_type) & f1001["area"].isin(services)]
    out: list[dict[str, Any]] = rows[["area", "year", "incidents", "total_min", "turnout_min", "drive_min"]].rename(
        columns={"area": "service"}).to_dict("records")
    return out
