"""The fleet and the queueing system a simulation runs: built from the warehouse, once per request.

Stations of the service on the network with their vehicles (allocated to
demand), the incidents of the period with what each needs, time at the scene
(fitted where the incidents carry vehicle minutes), conveyance to hospital for
ambulances, and the travel matrices from the session's cached drive times.
Used by the Availability simulation, DAP plans (steady demand at posts),
coverage with availability and co-responding; the numeric core that runs
them is :mod:`bluelight.analysis.replications`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bluelight.analysis.demand_bands import DemandRates
from bluelight.analysis.durations import LogNormal, fit_censored_lognormal
from bluelight.analysis.replications import System, allocate_vehicles
from bluelight.analysis.simulation import DAY_S, Fleet, Travel
from bluelight.analysis.sweep import first_loads
from bluelight.analysis.traveltime import point_times
from bluelight.etl.warehouse import existing_tables
from bluelight.foundation.config_files import config_file, read_yaml, renamed
from bluelight.foundation.errors import AnalysisError, ConfigError, ValidationError
from bluelight.foundation.standards import DEFAULT_STANDARD, NOT_FIRST_RESPONSE, standard_s
from bluelight.services.inputs import read_targets, site_turnouts
from bluelight.services.requests import SNAP_FIELD, TRAFFIC_PERIOD_FIELD, Field, Request
from bluelight.services.session import Session, frame_links

CONFIG = "simulation.yaml"
#: per-person ambulance incident rates by age band and the weekly profile (population demand, DAP plans)
DEMAND_RATES = "ambulance_demand.yaml"
ARRIVALS = ("resample", "replay", "population")
#: a period for population arrivals when none is given (a year starting on a Monday; the dates only set weekdays)
POPULATION_PERIOD = ("2024-01-01", "2024-12-30")
SERVICES = ("fire", "ambulance", "police")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")



@dataclass(frozen=True)
class SimulationSettings:
    """The simulation's defaults and their sources (``simulation.yaml``)."""

    vehicles_per_station: dict[str, float]
    sample_share: dict[str, float]
    vehicles_needed: dict[str, dict[str, int]]
    on_scene: dict[str, dict[str, float]]
    ambulance: dict[str, float]
    hour_ranges: tuple[tuple[int, int], ...]
    sources: dict[str, str]
    path: str


def load_settings(path: str | Path | None = None) -> SimulationSettings:
    """The user's or the shipped ``simulation.yaml``, checked.

    Parameters
    ----------
    path
        A settings file (default: the user's, else the shipped one).

    Returns
    -------
    SimulationSettings
        The defaults and their sources.

    Raises
    ------
    ConfigError
        Naming the file and the setting missing or out of range.
    """
    path = path or config_file(CONFIG)
    doc = read_yaml(path, what="simulation settings")
    ranges = renamed(doc, "hour_ranges", "hour_bands", origin=f"{path}: simulation settings")
    try:
        if ranges is None:
            raise KeyError("hour_ranges")
        s = SimulationSettings(doc["vehicles_per_station"], doc["sample_share"], doc["vehicles_needed"],
                               doc["on_scene"], doc["ambulance"], tuple(tuple(b) for b in ranges),
                               doc.get("sources", {}), str(path))
    except (KeyError, TypeError) as exc:
        raise ConfigError(f"{path}: simulation settings need {exc}") from exc
    for svc in SERVICES:
        if not float(s.vehicles_per_station.get(svc, 0)) >= 1:
            raise ConfigError(f"{path}: vehicles_per_station.{svc} must be at least 1")
        LogNormal(float(s.on_scene[svc]["median_min"]) * 60, float(s.on_scene[svc]["sigma"]))
    if not 0 < float(s.sample_share.get("default", 0)) <= 1:
        raise ConfigError(f"{path}: sample_share.default must be in (0, 1]")
    return s


@dataclass(frozen=True)
class SimulationRequest(Request):
    """What to simulate: a service's stations answering its incidents over a period."""

    service: str = "fire"
    period_from: str | None = None
    period_to: str | None = None
    arrivals: str = "resample"
    sample_share: float | None = None
    replications: int = 10
    seed: int = 1
    vehicles_per_station: float | None = None
    threshold_s: float | None = None
    second_threshold_s: float | None = None
    max_snap_m: float = SNAP_FIELD.default
    traffic_period: str = "all"

    FIELDS = (
        Field("service", "Service", str, "fire", choices=SERVICES),
        Field("period_from", "From", str, None, optional=True, help="First day (YYYY-MM-DD); default the first incident."),
        Field("period_to", "To", str, None, optional=True, help="Last day (YYYY-MM-DD); default the last incident."),
        Field("arrivals", "Arrivals", str, "resample", choices=ARRIVALS,
              help="resample: draw incidents at the full rate (the loaded ones over the sample share); "
                   "replay: the loaded incidents as they happened; population: expected ambulance incidents from "
                   "population by age and the weekly profile (ambulance_demand.yaml)."),
        Field("sample_share", "Share of incidents loaded", float, None, 0.0001, 1.0, optional=True, unit="share",
              help="The loaded incidents' share of all the area's incidents (blank: from simulation.yaml)."),
        Field("replications", "Replications", int, 10, 1, 200),
        Field("seed", "Random seed", int, 1, 0, 2 ** 31 - 1),
        Field("vehicles_per_station", "Vehicles per station", float, None, 1.0, 10.0, optional=True,
              help="Average vehicles per station (blank: from simulation.yaml); extra vehicles go to the busiest."),
        Field("threshold_s", "First vehicle standard", float, None, 60.0, 7200.0, optional=True, unit="s"),
        Field("second_threshold_s", "Second vehicle standard", float, None, 60.0, 7200.0, optional=True, unit="s",
              help="Standard for the second vehicle (blank: the service's loaded second-appliance target, if any)."),
        SNAP_FIELD,
        TRAFFIC_PERIOD_FIELD,
    )

    @property
    def standard_s(self) -> float:
        """The first vehicle's standard: the request's, else the service's usual one."""
        return standard_s(self.service, self.threshold_s)

    @classmethod
    def check(cls, values: dict[str, Any]) -> None:
        for name in ("period_from", "period_to"):
            if values[name] is not None and not _DATE.match(values[name]):
                raise ValidationError(name, f"{cls.field(name).label} must be a date YYYY-MM-DD, got {values[name]!r}")
        if values["period_from"] and values["period_to"] and values["period_to"] < values["period_from"]:
            raise ValidationError("period_to", f"To must not be before From ({values['period_from']}), "
                                               f"got {values['period_to']}")
        if values["arrivals"] == "replay" and values["sample_share"] not in (None, 1.0):
            raise ValidationError("sample_share", "replay plays the loaded incidents as they happened and cannot "
                                                  "scale them: use arrivals resample, or leave the share blank")
        if values["arrivals"] == "population" and values["service"] != "ambulance":
            raise ValidationError("arrivals", "population arrivals use per-person rates of ambulance incidents: "
                                              f"for {values['service']} use resample or replay of loaded incidents")
        if values["threshold_s"] is None:
            values["threshold_s"] = DEFAULT_STANDARD[values["service"]][0]


# -- inputs -----------------------------------------------------------------------------------------------------

def read_sim_incidents(con: Any, service: str) -> pd.DataFrame:
    """A service's incidents with call time, station ground, actual attendance and vehicle time (where loaded).

    Parameters
    ----------
    con
        A warehouse cursor.
    service
        ``fire``, ``ambulance`` or ``police``.

    Returns
    -------
    pandas.DataFrame
        One row per incident with a call time, in call order.
    """
    have = existing_tables(con)
    work = ("w.vehicles_sent, w.vehicle_minutes, w.vehicle_minutes_floor" if "incident_workload" in have
            else "NULL AS vehicles_sent, NULL AS vehicle_minutes, NULL AS vehicle_minutes_floor")
    join = "LEFT JOIN incident_workload w USING (incident_id)" if "incident_workload" in have else ""
    return con.execute(
        f"SELECT i.incident_id, i.source, i.call_time, i.category, i.easting, i.northing, i.station_ground, "
        f"i.first_arrival_s, i.first_site_id, i.second_arrival_s, {work} FROM incidents i {join} "
        f"WHERE i.service = ? AND i.call_time IS NOT NULL ORDER BY i.call_time, i.incident_id", [service]).df()


def read_hospitals(con: Any) -> pd.DataFrame:
    """Open hospitals (where conveyed patients go), by id.

    Parameters
    ----------
    con
        A warehouse cursor.

    Returns
    -------
    pandas.DataFrame
        ``site_id``, ``name``, ``easting``, ``northing``.
    """
    return con.execute("SELECT site_id, name, easting, northing FROM sites WHERE kind = 'hospital' "
                       "AND coalesce(status, 'open') = 'open' ORDER BY site_id").df()



def _period(incidents: pd.DataFrame, request: SimulationRequest) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The period asked for; by default the year up to the last incident (or from the first, if that is later)."""
    times = pd.to_datetime(incidents["call_time"])
    end = (pd.Timestamp(request.period_to) + pd.Timedelta(days=1)) if request.period_to \
        else times.max().normalize() + pd.Timedelta(days=1)
    start = pd.Timestamp(request.period_from) if request.period_from \
        else max(times.min().normalize(), end - pd.Timedelta(days=365))
    return start, end



def build_system(session: Session, request: SimulationRequest, settings: SimulationSettings, *,
                 incidents: pd.DataFrame | None = None, sites: pd.DataFrame | None = None) -> System:
    """Stations, vehicles, travel matrices and the incidents of the period (default: the warehouse's).

    Parameters
    ----------
    session
        The warehouse's session (drive times are the session's traffic period's).
    request
        The service, period, arrivals, vehicles and standards.
    settings
        The simulation's defaults.
    incidents
        Incidents to use instead of the warehouse's (a validation file).
    sites
        Stations to use instead of the service's open ones (a scenario's estate).

    Returns
    -------
    System
        Everything each replication needs.

    Raises
    ------
    AnalysisError
        No stations or no incidents on the road network, or none in the period.
    """
    service = request.service
    base = session.sites(service) if sites is None else session.place_sites(sites.reset_index(drop=True))
    stations = base[base["node"] >= 0].reset_index(drop=True)
    if stations.empty:
        raise AnalysisError(f"no operational {service} stations on the road network to simulate")
    rates = None
    if request.arrivals == "population":
        inc, rates = _population_demand(session)
    else:
        inc = session.read(lambda cur: read_sim_incidents(cur, service)) if incidents is None else incidents
    if inc.empty:
        raise AnalysisError(f"no {service} incidents with a call time are loaded: the simulation replays or resamples "
                            f"them (load them with bluelight etl incidents FILE)")
    if rates is None:
        start, end = _period(inc, request)
        t = pd.to_datetime(inc["call_time"])
        inc = inc[(t >= start) & (t < end)]
        if inc.empty:
            raise AnalysisError(f"no {service} incidents were called between {start.date()} and "
                                f"{(end - pd.Timedelta(days=1)).date()}: choose a period with loaded incidents")
    else:
        start = pd.Timestamp(request.period_from or POPULATION_PERIOD[0])
        end = pd.Timestamp(request.period_to or POPULATION_PERIOD[1]) + pd.Timedelta(days=1)
    inc = session.with_links(inc.reset_index(drop=True), max_snap_m=request.max_snap_m)
    inc = inc[inc["node"] >= 0].reset_index(drop=True)
    if inc.empty:
        raise AnalysisError(f"none of the {service} incidents between {start.date()} and {(end - pd.Timedelta(days=1)).date()} "
                            f"is on the road network: there is no demand to simulate")
    key = inc["node"].astype(str) + ":" + inc["node_b"].astype(str) + ":" + inc["extra_a_s"].round(1).astype(str)
    codes, _ = pd.factorize(key)
    inc = inc.assign(zone=codes)
    zones = inc.groupby("zone", sort=True).first().reset_index()
    drive = point_times(session.site_times(stations), frame_links(zones)).T           # (zones, stations)
    turnout = np.vstack([site_turnouts(stations, session.profile, hour=h) for h in range(24)])
    demand = inc["rate_per_year"].to_numpy(float) if "rate_per_year" in inc.columns else None
    first_load = first_loads(drive, codes, demand)
    per = request.vehicles_per_station or float(settings.vehicles_per_station[service])
    counts = allocate_vehicles(first_load, per)
    stations = stations.assign(vehicles=counts)
    fleet = Fleet(np.repeat(np.arange(len(stations)), counts))
    inc = _workload(inc, settings, service)
    on_scene, source = _on_scene(inc, service, settings)
    share = request.sample_share
    if share is None:
        srcs = inc["source"].dropna().unique().tolist()
        share = float(settings.sample_share.get(srcs[0], settings.sample_share["default"])) if len(srcs) == 1 \
            else float(settings.sample_share["default"])
    if request.arrivals in ("replay", "population"):
        share = 1.0
    conveyance, return_s = None, None
    if service == "ambulance":
        conveyance, return_s = _conveyance(session, zones, stations, drive, settings)
    travel = Travel(drive, turnout, return_s=return_s)
    if rates is None:
        inc = inc.assign(offset_s=(pd.to_datetime(inc["call_time"]) - start).dt.total_seconds())
    second_s, targets = _standards(session, request)
    return System(stations, fleet, travel, inc, zones, start, float((end - start).total_seconds()), on_scene, source,
                  share, conveyance, session.variability, rates, second_s, targets)


def steady_system(session: Session, bases: pd.DataFrame, demand: pd.DataFrame, *, service: str,
                  settings: SimulationSettings, days: int) -> System:
    """Vehicles that may be based at any of ``bases`` answering steady demand at ``demand``'s points.

    For judging where vehicles wait (DAP posts) at one time band's rate: ``bases``
    are sites on the network (column ``turnout_s`` where it differs from the duty
    system's); ``demand`` has points on the network with ``rate_per_year``, the
    band's rate held all year. Each point is its own zone, every call needs one
    vehicle, time at the scene is the settings' for the service (plus conveyance
    to the nearest hospital for ambulances). The fleet is left to the caller
    (:func:`run_fleets`): one system serves every placement of the vehicles.

    Parameters
    ----------
    session
        The warehouse's session.
    bases
        Where vehicles may wait.
    demand
        Points with ``rate_per_year``.
    service
        The service whose time at the scene applies.
    settings
        The simulation's defaults.
    days
        The length of the simulated period.

    Returns
    -------
    System
        The system, with one vehicle per base (the caller places the fleet).
    """
    if bases.empty or demand.empty:
        raise AnalysisError("no bases or no demand on the road network to simulate")
    zones = demand.reset_index(drop=True)
    drive = point_times(session.site_times(bases), frame_links(zones)).T
    turnout = np.vstack([site_turnouts(bases, session.profile, hour=h) for h in range(24)])
    inc = zones.assign(zone=np.arange(len(zones)), need=1, scene_exact_s=np.nan, scene_max_s=np.inf,
                       vehicles_sent=np.nan)
    cfg = settings.on_scene[service]
    on_scene = LogNormal(float(cfg["median_min"]) * 60.0, float(cfg["sigma"]))
    conveyance, return_s = None, None
    if service == "ambulance":
        conveyance, return_s = _conveyance(session, zones, bases, drive, settings)
    return System(bases, Fleet(np.arange(len(bases))), Travel(drive, turnout, return_s=return_s), inc, zones,
                  pd.Timestamp(POPULATION_PERIOD[0]), float(days * DAY_S), on_scene,
                  f"{settings.path}: on_scene.{service}", 1.0, conveyance, session.variability, None)



def _standards(session: Session, request: SimulationRequest) -> tuple[float | None, pd.DataFrame]:
    """The second-vehicle standard (asked for, else the loaded target's) and the first-response targets."""
    later = session.read(lambda cur: read_targets(cur, service=request.service, categories=list(NOT_FIRST_RESPONSE)))
    second = request.second_threshold_s
    if second is None and not later.empty:
        second = float(later["threshold_s"].iloc[0])
    return second, session.targets(request.service)


def _population_demand(session: Session) -> tuple[pd.DataFrame, DemandRates]:
    """Population zones as demand: one row per zone with its expected incidents a year (column ``rate_per_year``)."""
    from bluelight.analysis.demand_bands import TimeBand, expected_demand, load_rates
    from bluelight.services.inputs import fill_age_bands, read_population_by_age

    zones, _ = fill_age_bands(session.read(read_population_by_age))
    rates = load_rates(config_file(DEMAND_RATES))
    per_year = expected_demand(zones, rates, TimeBand.parse("all"))
    frame = pd.DataFrame({"incident_id": zones["zone"], "source": "population", "call_time": pd.NaT,
                          "category": "medical", "easting": zones["easting"], "northing": zones["northing"],
                          "station_ground": None, "first_arrival_s": np.nan, "first_site_id": None,
                          "second_arrival_s": np.nan, "vehicles_sent": np.nan, "vehicle_minutes": np.nan,
                          "vehicle_minutes_floor": np.nan, "rate_per_year": per_year})
    return frame[frame["rate_per_year"] > 0].reset_index(drop=True), rates


def _workload(inc: pd.DataFrame, settings: SimulationSettings, service: str) -> pd.DataFrame:
    """Per incident, once: vehicles needed, and seconds at the scene per vehicle, exact or known only to be at most.

    ``need``: the record's vehicle count, else the rule for its category;
    ``scene_exact_s``: the record's vehicle minutes per vehicle above the published floor (else ``nan``);
    ``scene_max_s``: at or below the floor, the floor per vehicle (else ``inf``).
    """
    rules = settings.vehicles_needed.get(service, {"default": 1})
    by_rule = inc["category"].map(lambda c: int(rules.get(c, rules.get("default", 1)))).to_numpy()
    sent = inc["vehicles_sent"].to_numpy(float)
    minutes = inc["vehicle_minutes"].to_numpy(float)
    floor = inc["vehicle_minutes_floor"].to_numpy(float)
    per = np.where(np.isfinite(minutes) & (sent > 0), minutes / np.where(sent > 0, sent, 1) * 60.0, np.nan)
    censored = np.isfinite(per) & np.isfinite(floor) & (minutes <= floor)
    return inc.assign(need=np.where(np.isfinite(sent) & (sent >= 1), sent, by_rule).astype(np.int64),
                      scene_exact_s=np.where(censored, np.nan, per), scene_max_s=np.where(censored, per, np.inf))


def _on_scene(inc: pd.DataFrame, service: str, settings: SimulationSettings) -> tuple[LogNormal, str]:
    """Time at the scene per vehicle: fitted to the incidents' vehicle minutes where loaded, else the settings'."""
    exact = inc["scene_exact_s"].to_numpy()
    bound = inc["scene_max_s"].to_numpy()
    have = np.isfinite(exact) | np.isfinite(bound)
    if have.sum() >= 30:
        fit = fit_censored_lognormal(exact[have], np.where(np.isfinite(bound), bound, np.nan)[have])
        return fit, (f"fitted to {int(have.sum())} incidents' vehicle minutes (log-normal, censored at the published "
                     f"floor): median {fit.median_s / 60:.1f} min, sigma {fit.sigma:.2f}")
    cfg = settings.on_scene[service]
    return LogNormal(float(cfg["median_min"]) * 60.0, float(cfg["sigma"])), \
        f"{settings.path}: on_scene.{service} (the incidents carry no vehicle minutes)"


def _conveyance(session: Session, zones: pd.DataFrame, stations: pd.DataFrame, drive: np.ndarray,
                settings: SimulationSettings) -> tuple[dict[str, Any], np.ndarray]:
    hospitals = session.read(read_hospitals)
    if hospitals.empty:
        raise AnalysisError("no hospitals are loaded, so ambulance conveyance cannot be simulated: load them with "
                            "bluelight etl sites england/stations/hospitals_england.csv")
    hosp = session.place_sites(hospitals.assign(service="other", duty_system=None, turnout_s=0.0))
    hosp = hosp[hosp["node"] >= 0].reset_index(drop=True)
    if hosp.empty:
        raise AnalysisError("none of the loaded hospitals is on the road network: conveyance cannot be simulated")
    to_hosp = point_times(session.site_times(hosp), frame_links(zones))               # (hospitals, zones): symmetric
    nearest = np.argmin(np.where(np.isfinite(to_hosp), to_hosp, np.inf), axis=0)
    convey_s = to_hosp[nearest, np.arange(len(zones))]
    back = point_times(session.site_times(stations), frame_links(hosp)).T              # (hospitals, stations)
    return_s = np.vstack([drive, back])
    return {"conveyed_share": float(settings.ambulance["conveyed_share"]),
            "handover_s": float(settings.ambulance["handover_min"]) * 60.0,
            "convey_s": np.where(np.isfinite(convey_s), convey_s, np.nan), "hospital_row": len(zones) + nearest,
            "hospitals": hosp}, return_s
