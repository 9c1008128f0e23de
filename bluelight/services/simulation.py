"""Availability: ``bluelight simulate`` and the Availability page.

Builds the simulation's inputs from the warehouse (the service's stations on
the network, the loaded incidents with their vehicle time, the session's cached
drive times) and runs replications of :func:`bluelight.analysis.simulation.simulate`;
screens the same system with the approximate hypercube; and validates the
result against what actually happened to the incidents (first pumps from a
station other than the station ground, first-pump attendance within 6
minutes, second-pump attendance within 8). Every rate, rule and source used is
returned with the figures.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from bluelight.analysis.coverage import compare_targets
from bluelight.analysis.hypercube import approximate_hypercube, preference_order
from bluelight.analysis.scenario import Scenario, apply_scenario
from bluelight.analysis.simulation import (DAY_S, Calls, Fleet, LogNormal, Travel, confidence_interval,
                                           fit_censored_lognormal, simulate, summarise_run)
from bluelight.analysis.traveltime import point_times
from bluelight.config import config_file, read_yaml
from bluelight.errors import AnalysisError, ConfigError, ValidationError
from bluelight.etl.warehouse import existing_tables
from bluelight.services.inputs import read_targets, site_turnouts
from bluelight.services.requests import HOUR_BAND_FIELD, SNAP_FIELD, Field, Request
from bluelight.services.session import Session, frame_links
from bluelight.standards import DEFAULT_STANDARD, NOT_FIRST_RESPONSE
from bluelight.vocab import station_key

log = logging.getLogger(__name__)

CONFIG = "simulation.yaml"
ARRIVALS = ("resample", "replay", "population")
#: a period for population arrivals when none is given (a year starting on a Monday; the dates only set weekdays)
POPULATION_PERIOD = ("2024-01-01", "2024-12-30")
SERVICES = ("fire", "ambulance", "police")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class SimulationSettings:
    """The simulation's defaults and their sources (``simulation.yaml``)."""

    vehicles_per_station: dict
    sample_share: dict
    vehicles_needed: dict
    on_scene: dict
    ambulance: dict
    hour_bands: tuple
    sources: dict
    path: str


def load_settings(path: str | Path | None = None) -> SimulationSettings:
    """The user's or the shipped ``simulation.yaml``, checked."""
    path = path or config_file(CONFIG)
    doc = read_yaml(path, what="simulation settings")
    try:
        s = SimulationSettings(doc["vehicles_per_station"], doc["sample_share"], doc["vehicles_needed"],
                               doc["on_scene"], doc["ambulance"], tuple(tuple(b) for b in doc["hour_bands"]),
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
    hour_band: str = "all"

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
        HOUR_BAND_FIELD,
    )

    @classmethod
    def check(cls, values: dict) -> None:
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

def read_sim_incidents(con, service: str) -> pd.DataFrame:
    """A service's incidents with call time, station ground, actual attendance and vehicle time (where loaded)."""
    have = existing_tables(con)
    work = ("w.vehicles_sent, w.vehicle_minutes, w.vehicle_minutes_floor" if "incident_workload" in have
            else "NULL AS vehicles_sent, NULL AS vehicle_minutes, NULL AS vehicle_minutes_floor")
    join = "LEFT JOIN incident_workload w USING (incident_id)" if "incident_workload" in have else ""
    return con.execute(
        f"SELECT i.incident_id, i.source, i.call_time, i.category, i.easting, i.northing, i.station_ground, "
        f"i.first_arrival_s, i.first_site_id, i.second_arrival_s, {work} FROM incidents i {join} "
        f"WHERE i.service = ? AND i.call_time IS NOT NULL ORDER BY i.call_time, i.incident_id", [service]).df()


def read_hospitals(con) -> pd.DataFrame:
    return con.execute("SELECT site_id, name, easting, northing FROM sites WHERE kind = 'hospital' "
                       "AND coalesce(status, 'open') = 'open' ORDER BY site_id").df()


@dataclass
class System:
    """Everything one simulation needs, built once per request and reused by every replication."""

    stations: pd.DataFrame          # on the network, in travel-matrix column order
    fleet: Fleet
    travel: Travel
    incidents: pd.DataFrame         # in the period and on the network, with column ``zone``
    zones: pd.DataFrame
    period_start: pd.Timestamp
    period_s: float
    on_scene: LogNormal
    on_scene_source: str
    sample_share: float
    conveyance: dict | None         # ambulance: conveyed share, handover, per-zone drive to hospital, hospital rows
    variability: object = None      # the profile's spread of actual around modelled response (None: none)
    demand_rates: object = None     # population arrivals: the per-person rates and weekly profile
    second_threshold_s: float | None = None   # the request's, else the loaded second-vehicle target's
    targets: pd.DataFrame | None = None       # first-response targets of the service (loaded)


def _period(incidents: pd.DataFrame, request: SimulationRequest) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The period asked for; by default the year up to the last incident (or from the first, if that is later)."""
    times = pd.to_datetime(incidents["call_time"])
    end = (pd.Timestamp(request.period_to) + pd.Timedelta(days=1)) if request.period_to \
        else times.max().normalize() + pd.Timedelta(days=1)
    start = pd.Timestamp(request.period_from) if request.period_from \
        else max(times.min().normalize(), end - pd.Timedelta(days=365))
    return start, end


def allocate_vehicles(first_load: np.ndarray, per_station: float) -> np.ndarray:
    """Vehicles per station: one each, the rest (to ``per_station`` on average) to the stations first to most demand."""
    n = len(first_load)
    total = max(n, int(round(per_station * n)))
    counts = np.ones(n, dtype=np.int64)
    extra = total - n
    order = np.argsort(-first_load, kind="stable")
    while extra > 0:
        take = order[:min(extra, n)]
        counts[take] += 1
        extra -= len(take)
    return counts


def build_system(session: Session, request: SimulationRequest, settings: SimulationSettings, *,
                 incidents: pd.DataFrame | None = None, sites: pd.DataFrame | None = None) -> System:
    """Stations, vehicles, travel matrices and the incidents of the period (default: the warehouse's)."""
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
    first_load = np.bincount(np.argmin(np.where(np.isfinite(drive), drive, np.inf)[codes], axis=1),
                             weights=demand, minlength=len(stations)).astype(float)
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


def run_fleets(system: System, fleets: list[Fleet], *, threshold_s: float, replications: int,
               seed: int) -> list[dict]:
    """Each placement of the vehicles simulated on the same calls (common random numbers), with 95% intervals.

    The same seeds give every fleet the same calls, so the differences between
    fleets are measured with far less noise than their levels.
    """
    per = [[] for _ in fleets]
    for r in range(replications):
        rng = np.random.default_rng([seed, r])
        calls, _ = make_calls(system, rng, arrivals="population")
        for i, fleet in enumerate(fleets):
            run = simulate(calls, fleet, system.travel, period_s=system.period_s)
            per[i].append(summarise_run(run, first_thresholds_s=(threshold_s,), second_thresholds_s=()))
    return [{"share_within": mean_ci([s.first_within[threshold_s] for s in runs]),
             "mean_s": mean_ci([s.first_mean_s for s in runs]),
             "queued_share": mean_ci([s.queued_share for s in runs]),
             "mean_utilisation": mean_ci([float(np.mean(s.utilisation)) for s in runs]),
             "calls": mean_ci([s.calls for s in runs])} for runs in per]


def _standards(session: Session, request: SimulationRequest) -> tuple[float | None, pd.DataFrame]:
    """The second-vehicle standard (asked for, else the loaded target's) and the first-response targets."""
    later = session.read(lambda cur: read_targets(cur, service=request.service, categories=list(NOT_FIRST_RESPONSE)))
    second = request.second_threshold_s
    if second is None and not later.empty:
        second = float(later["threshold_s"].iloc[0])
    return second, session.targets(request.service)


def _population_demand(session: Session) -> tuple[pd.DataFrame, object]:
    """Population zones as demand: one row per zone with its expected incidents a year (column ``rate_per_year``)."""
    from bluelight.analysis.demand_bands import TimeBand, expected_demand, load_rates
    from bluelight.services.dap import DEMAND_RATES
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


def _conveyance(session: Session, zones, stations, drive, settings) -> tuple[dict, np.ndarray]:
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


# -- calls --------------------------------------------------------------------------------------------------------

def make_calls(system: System, rng: np.random.Generator, *, arrivals: str) -> tuple[Calls, np.ndarray]:
    """One replication's calls and, per call, the row of ``system.incidents`` it stands for."""
    inc = system.incidents
    if arrivals == "population":
        rows, t = _population_arrivals(system, rng)
    elif arrivals == "replay":
        rows = np.arange(len(inc))
        t = inc["offset_s"].to_numpy()
    else:
        offset = inc["offset_s"].to_numpy()
        n = rng.poisson(len(inc) / system.sample_share)
        rows = rng.integers(0, len(inc), n)
        day = rng.integers(0, max(1, int(system.period_s // DAY_S)), n)
        t = day * DAY_S + np.mod(offset[rows], DAY_S) + rng.uniform(0, 60.0, n)
        order = np.argsort(t, kind="stable")
        rows, t = rows[order], t[order]
    need = inc["need"].to_numpy()[rows]
    scene = _scene_times(system, rows, need, rng)
    after, back = None, None
    if system.conveyance is not None:
        conv = system.conveyance
        z = inc["zone"].to_numpy()[rows]
        go = (rng.random(len(rows)) < conv["conveyed_share"]) & np.isfinite(conv["convey_s"][z])
        after = np.where(go, np.nan_to_num(conv["convey_s"][z]) + conv["handover_s"], 0.0)
        back = np.where(go, conv["hospital_row"][z], z)
    factor = None
    if system.variability is not None:
        factor = np.exp(system.variability.draw_log_ratio(rng, scene.size)).reshape(scene.shape)
    return Calls(t, inc["zone"].to_numpy()[rows], need, scene, after_scene_s=after, return_from=back,
                 response_factor=factor), rows


def _population_arrivals(system: System, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Poisson calls from the zones' expected rates, spread over the week by the hour and day profiles.

    Without profiles (``system.demand_rates`` None) the rates are steady and the calls even over the period.
    """
    rates = system.demand_rates
    per_year = system.incidents["rate_per_year"].to_numpy(float)
    days = max(1, int(system.period_s // DAY_S))
    n = rng.poisson(per_year.sum() * days / 365.25)
    rows = rng.choice(len(per_year), size=n, p=per_year / per_year.sum())
    if rates is None:                 # a steady rate (one time band's, held): even over the period
        return rows, np.sort(rng.uniform(0.0, system.period_s, n))
    weekday0 = system.period_start.day_of_week
    day_w = rates.day_profile[(weekday0 + np.arange(days)) % 7]
    day = rng.choice(days, size=n, p=day_w / day_w.sum())
    hour = rng.choice(24, size=n, p=rates.hour_profile / rates.hour_profile.sum())
    t = day * DAY_S + hour * 3600.0 + rng.uniform(0, 3600.0, n)
    order = np.argsort(t, kind="stable")
    return rows[order], t[order]


def _scene_times(system: System, rows: np.ndarray, need: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Per call and vehicle, seconds at the scene: the record's own where exact, else drawn (below any floor)."""
    inc = system.incidents
    width = int(need.max()) if len(need) else 1
    exact = inc["scene_exact_s"].to_numpy()[rows]
    upper = inc["scene_max_s"].to_numpy()[rows]
    out = system.on_scene.draw(rng, len(rows) * width, upper_s=np.repeat(upper, width)).reshape(len(rows), width)
    known = np.isfinite(exact)
    out[known] = exact[known][:, None]
    return out


# -- running --------------------------------------------------------------------------------------------------------

def _band_of(hours: np.ndarray, bands) -> np.ndarray:
    out = np.full(len(hours), -1)
    for i, (lo, hi) in enumerate(bands):
        out[(hours >= lo) & (hours < hi)] = i
    return out


def mean_ci(values) -> dict:
    """Mean and 95% interval; a share's interval is kept within 0 and 1."""
    mean, lo, hi = confidence_interval(values)
    vals = [v for v in values if np.isfinite(v)]
    if vals and min(vals) >= 0 and max(vals) <= 1:
        lo, hi = max(lo, 0.0), min(hi, 1.0)
    return {"mean": mean, "ci95": [lo, hi]}


def run_replications(system: System, request: SimulationRequest, settings: SimulationSettings, *,
                     progress: Callable[[int, int], None] | None = None) -> dict:
    """Replications of the system; means with 95% intervals of every headline figure."""
    t1, t2 = float(request.threshold_s), system.second_threshold_s
    seconds = () if t2 is None else (t2,)
    runs, per_station, bands, ground, targets = [], [], [], [], []
    n_bands = len(settings.hour_bands)
    zone_calls = np.zeros((len(system.zones), n_bands))
    zone_within = np.zeros((len(system.zones), n_bands))
    zone_sum_s = np.zeros((len(system.zones), 2))            # seconds and calls reached
    names = system.stations["site_id"].to_numpy()
    ground_ids = ground_sites(system.incidents, system.stations).to_numpy()
    for r in range(request.replications):
        rng = np.random.default_rng([request.seed, r])
        calls, rows = make_calls(system, rng, arrivals=request.arrivals)
        run = simulate(calls, system.fleet, system.travel, period_s=system.period_s)
        s = summarise_run(run, first_thresholds_s=(t1,), second_thresholds_s=seconds)
        runs.append(s)
        if system.targets is not None and not system.targets.empty:
            first = run.response_s[run.first()]
            targets.append(compare_targets(np.where(np.isnan(first), np.inf, first), np.ones(len(first)),
                                           system.targets))
        veh_station = system.fleet.station
        util = np.bincount(veh_station, weights=s.utilisation, minlength=len(names)) / system.stations["vehicles"].to_numpy()
        per_station.append((util, s.no_free_share, np.bincount(run.station[run.station >= 0], minlength=len(names))))
        band = _band_of(run.calls_hour, settings.hour_bands)
        _add_zone_counts(run, calls, band, t1, zone_calls, zone_within, zone_sum_s)
        bands.append([summarise_run(run, first_thresholds_s=(t1,), second_thresholds_s=seconds, mask=band == b)
                      for b in range(len(settings.hour_bands))])
        ground.append(_ground_share(run, rows, ground_ids, names))
        if progress:
            progress(r + 1, request.replications)
    util = np.mean([u for u, _, _ in per_station], axis=0)
    nofree = np.mean([n for _, n, _ in per_station], axis=0)
    jobs = np.mean([j for _, _, j in per_station], axis=0)
    years = system.period_s / (365.25 * DAY_S)
    stations = pd.DataFrame({"site_id": names, "name": system.stations["name"].to_numpy(),
                             "vehicles": system.stations["vehicles"].to_numpy(),
                             "utilisation": util, "no_vehicle_free_share": nofree,
                             "vehicle_jobs_per_year": jobs / years})
    warnings = []
    busiest = float(np.max(util)) if len(util) else 0.0
    if busiest > 0.9 or np.mean([s.queued_share for s in runs]) > 0.2:
        warnings.append(f"the fleet is overloaded (busiest station's vehicles busy {100 * busiest:.0f}% of the time, "
                        f"{100 * np.mean([s.queued_share for s in runs]):.0f}% of calls wait for a vehicle to clear): "
                        "the figures describe a queue, not cover; add vehicles (vehicles per station) or check the "
                        "demand rate")
    return {
        "warnings": warnings,
        "calls_per_replication": mean_ci([s.calls for s in runs]),
        "first_within": mean_ci([s.first_within[t1] for s in runs]),
        "first_within_static": mean_ci([s.static_first_within[t1] for s in runs]),
        "second_within": None if t2 is None else mean_ci([s.second_within[t2] for s in runs]),
        "second_threshold_s": t2,
        "targets": _target_rows(targets),
        "first_mean_s": mean_ci([s.first_mean_s for s in runs]),
        "first_p90_s": mean_ci([s.first_p90_s for s in runs]),
        "not_nearest_share": mean_ci([s.not_nearest_share for s in runs]),
        "not_station_ground_share": mean_ci([g for g in ground if g is not None]) if any(g is not None for g in ground) else None,
        "queued_share": mean_ci([s.queued_share for s in runs]),
        "unreached_share": mean_ci([s.unreached_share for s in runs]),
        "mean_utilisation": mean_ci([float(np.mean(s.utilisation)) for s in runs]),
        "by_hour_band": [{"hours": f"{lo:02d}:00-{hi:02d}:00",
                          "calls": mean_ci([b[i].calls for b in bands]),
                          "first_within": mean_ci([b[i].first_within[t1] for b in bands]),
                          "first_within_static": mean_ci([b[i].static_first_within[t1] for b in bands]),
                          "not_nearest_share": mean_ci([b[i].not_nearest_share for b in bands])}
                         for i, (lo, hi) in enumerate(settings.hour_bands)],
        "stations": stations.sort_values("utilisation", ascending=False).to_dict("records"),
        "by_zone": _zone_rows(system, settings, zone_calls, zone_within, zone_sum_s, years * request.replications),
    }


def _add_zone_counts(run, calls, band, threshold_s, zone_calls, zone_within, zone_sum_s) -> None:
    """Pool one replication's first responses into per zone and hour band counts (unreached: never within)."""
    first = run.first()
    z = calls.zone[run.call[first]]
    b = band[run.call[first]]
    ok = b >= 0
    resp = run.response_s[first]
    np.add.at(zone_calls, (z[ok], b[ok]), 1.0)
    np.add.at(zone_within, (z[ok], b[ok]), (np.nan_to_num(resp, nan=np.inf) <= threshold_s)[ok].astype(float))
    reached = np.isfinite(resp)
    np.add.at(zone_sum_s, (z[reached], 0), resp[reached])
    np.add.at(zone_sum_s, (z[reached], 1), 1.0)


def _zone_rows(system: System, settings: SimulationSettings, calls, within, sum_s, years_run: float) -> list[dict]:
    """Per demand zone (incident location): calls a year, first-vehicle share within the standard overall and by
    hour band, and mean first response, pooled over the replications."""
    total = calls.sum(axis=1)
    zones = system.zones
    rows = []
    for i in np.flatnonzero(total > 0):
        rows.append({"zone": int(i), "easting": float(zones["easting"].iloc[i]),
                     "northing": float(zones["northing"].iloc[i]), "calls_per_year": float(total[i] / years_run),
                     "first_within": float(within[i].sum() / total[i]),
                     "first_mean_s": float(sum_s[i, 0] / sum_s[i, 1]) if sum_s[i, 1] else None,
                     "first_within_by_hour_band": {f"{lo:02d}-{hi:02d}": (float(within[i, k] / calls[i, k])
                                                                          if calls[i, k] else None)
                                                   for k, (lo, hi) in enumerate(settings.hour_bands)}})
    return rows


def _target_rows(per_replication: list[pd.DataFrame]) -> list[dict]:
    """Each loaded target judged on the simulated first responses: mean over replications with its interval."""
    if not per_replication:
        return []
    first = per_replication[0]
    rows = []
    for i, t in enumerate(first.itertuples(index=False)):
        value = mean_ci([float(r["value"].iloc[i]) for r in per_replication])
        goal = t.goal if pd.notna(t.goal) else None
        met = (value["mean"] >= goal) if t.statistic == "share_within" else (value["mean"] <= t.threshold_s)
        rows.append({"target_id": t.target_id, "statistic": t.statistic, "threshold_s": t.threshold_s, "goal": goal,
                     "value": value, "met": bool(met) if np.isfinite(value["mean"]) else None})
    return rows


def ground_sites(incidents: pd.DataFrame, stations: pd.DataFrame) -> pd.Series:
    """Each incident's station ground as one of ``stations`` (matched by name), or None."""
    by_name = {station_key(n): i for n, i in zip(stations["name"], stations["site_id"])}
    return incidents["station_ground"].map(lambda g: by_name.get(station_key(g)) if isinstance(g, str) and g else None)


def _ground_share(run, rows, ground_ids, station_ids) -> float | None:
    """Share of calls (with a known station ground among the stations) whose first vehicle came from elsewhere."""
    first = run.first()
    g = ground_ids[rows]
    known = np.array([x is not None for x in g]) & (run.station[first] >= 0)
    ids = set(station_ids.tolist())
    known &= np.array([x in ids for x in g])
    if not known.any():
        return None
    came = station_ids[run.station[first][known]]
    return float(np.mean(came != g[known]))


def hypercube_screen(system: System) -> dict:
    """The approximate hypercube of the same system: utilisation and the nearest vehicle's share, in milliseconds."""
    inc = system.incidents
    weight = inc["rate_per_year"].to_numpy(float) / (365.25 * DAY_S) * system.period_s \
        if "rate_per_year" in inc.columns else None
    rates = np.bincount(inc["zone"], weights=weight, minlength=len(system.zones)) / system.sample_share / system.period_s
    veh = system.fleet.station
    drive = system.travel.drive_s[:, veh]
    cap = np.nanmax(np.where(np.isfinite(drive), drive, np.nan)) * 2 if np.isfinite(drive).any() else 3600.0
    drive = np.where(np.isfinite(drive), drive, cap)
    turnout = system.travel.turnout_s.mean(axis=0)[veh]
    sent = inc["vehicles_sent"].to_numpy(float)
    mean_need = float(np.nanmean(np.where(np.isfinite(sent) & (sent >= 1), sent, 1.0)))
    service_s = turnout[None, :] + 2 * drive + system.on_scene.mean_s
    try:
        hc = approximate_hypercube(rates * mean_need, preference_order(drive + turnout[None, :]), service_s=service_s)
    except AnalysisError as exc:
        return {"error": str(exc)}
    w = rates / rates.sum()
    return {"method": hc.method, "iterations": hc.iterations, "mean_utilisation": float(hc.utilisation.mean()),
            "nearest_vehicle_share": float(w @ hc.first_choice_share), "queued_share": hc.queued_share,
            "note": "calls needing several vehicles are counted as that many single-vehicle calls"}


def run_simulation(session: Session, request: SimulationRequest, *, scenario: Scenario | None = None,
                   settings: SimulationSettings | None = None,
                   progress: Callable[[int, int], None] | None = None) -> dict:
    """Everything ``bluelight simulate`` reports, as a JSON-ready dict (a scenario adds its after figures).

    Drives are the request's hour band's (all hours by default) for every call."""
    session = session.for_band(request.hour_band)
    settings = settings or load_settings()
    system = build_system(session, request, settings)
    result = {"service": request.service, "profile": session.profile.key,
              "period": [str(system.period_start.date()),
                         str((system.period_start + pd.Timedelta(seconds=system.period_s - 1)).date())],
              "inputs": _inputs(system, request, settings), "baseline": run_replications(system, request, settings,
                                                                                        progress=progress),
              "hypercube": hypercube_screen(system)}
    if scenario is not None:
        after_sites = apply_scenario(session.sites(request.service), scenario)
        after_sites = after_sites[after_sites["service"] == request.service]
        after = build_system(session, request, settings, sites=after_sites)
        result["scenario"] = {"name": scenario.name, **run_replications(after, request, settings, progress=progress)}
        result["workload_change"] = _workload_change(result["baseline"]["stations"], result["scenario"]["stations"])
    return result


def _workload_change(before: list[dict], after: list[dict]) -> list[dict]:
    b = pd.DataFrame(before).set_index("site_id")
    a = pd.DataFrame(after).set_index("site_id")
    cols = ["utilisation", "vehicle_jobs_per_year"]
    both = b[cols].add_suffix("_before").join(a[cols].add_suffix("_after"), how="outer")
    both.insert(0, "name", b["name"].combine_first(a["name"]).reindex(both.index))
    both["jobs_change_per_year"] = both["vehicle_jobs_per_year_after"].fillna(0) - both["vehicle_jobs_per_year_before"].fillna(0)
    both = both.reindex(both["jobs_change_per_year"].abs().sort_values(ascending=False).index)
    return both.reset_index().replace({np.nan: None}).to_dict("records")


def _inputs(system: System, request: SimulationRequest, settings: SimulationSettings) -> dict:
    inc = system.incidents
    return {
        "stations": len(system.stations), "vehicles": system.fleet.n_vehicles,
        "vehicles_per_station": request.vehicles_per_station or settings.vehicles_per_station[request.service],
        "incidents_in_period_on_network": len(inc), "zones": len(system.zones),
        "arrivals": request.arrivals, "sample_share": system.sample_share,
        "calls_per_year": float(inc["rate_per_year"].sum()) if "rate_per_year" in inc.columns
        else len(inc) / system.sample_share / (system.period_s / (365.25 * DAY_S)),
        "on_scene": {"median_s": system.on_scene.median_s, "sigma": system.on_scene.sigma,
                     "mean_s": system.on_scene.mean_s, "source": system.on_scene_source},
        "replications": request.replications, "seed": request.seed, "threshold_s": request.threshold_s,
        "second_threshold_s": system.second_threshold_s,
        "conveyance": None if system.conveyance is None else {
            "conveyed_share": system.conveyance["conveyed_share"], "handover_s": system.conveyance["handover_s"],
            "hospitals_on_network": len(system.conveyance["hospitals"])},
        "rules": [("dispatch: the free, crewed vehicle with the least turnout + drive; a call with none free waits "
                   "for the first to clear (first come, first served)"),
                  "a vehicle is free again when back at its station; the way back takes as long as the way out",
                  ("stations outside the road data do not exist here: calls near its edge cannot be helped from "
                   "outside, and stations at the edge answer only the calls inside")],
        "settings": settings.path, "sources": settings.sources,
    }


# -- validation -----------------------------------------------------------------------------------------------------

def actual_figures(inc: pd.DataFrame, stations: pd.DataFrame, *, threshold_s: float,
                   second_threshold_s: float | None) -> dict:
    """What happened to the incidents: first within, second within, first pump not from the station ground."""
    first = inc["first_arrival_s"].to_numpy(float)
    has = np.isfinite(first) & (first > 0)
    second = inc["second_arrival_s"].to_numpy(float)
    has2 = np.isfinite(second) & (second > 0)
    ground = ground_sites(inc, stations)
    known = ground.notna().to_numpy() & inc["first_site_id"].notna().to_numpy()
    other = (inc["first_site_id"].to_numpy() != ground.to_numpy())[known]
    return {"first_within": float(np.mean(first[has] <= threshold_s)) if has.any() else None,
            "first_with_time": int(has.sum()),
            "second_within": float(np.mean(second[has2] <= second_threshold_s))
            if has2.any() and second_threshold_s is not None else None,
            "second_with_time": int(has2.sum()),
            "not_station_ground_share": float(np.mean(other)) if known.any() else None,
            "with_station_ground_in_area": int(known.sum())}


def validate(session: Session, request: SimulationRequest, *, files: tuple[Path, ...] = (),
             settings: SimulationSettings | None = None,
             progress: Callable[[int, int], None] | None = None) -> dict:
    """Simulated against actual, on the warehouse's incidents (in-sample) and on each incident file given."""
    session = session.for_band(request.hour_band)
    from bluelight.etl.incidents import parse_incidents

    settings = settings or load_settings()
    sets = [("warehouse (in-sample)", None)]
    for f in files:
        parsed = parse_incidents(Path(f))
        frame = parsed.frame
        if frame.empty or "first_arrival_s" not in frame.columns:
            raise AnalysisError(f"{f}: no incidents with attendance times to validate against")
        sets.append((str(Path(f).name), frame[frame["service"] == request.service].reset_index(drop=True)))
    out = []
    for label, frame in sets:
        system = build_system(session, request, settings, incidents=frame)
        actual = actual_figures(system.incidents, system.stations, threshold_s=float(request.threshold_s),
                                second_threshold_s=system.second_threshold_s)
        sim = run_replications(system, request, settings, progress=progress)
        rows = []
        for metric, what, a in (
                ("first_within", f"first vehicle within {request.threshold_s / 60:g} min", actual["first_within"]),
                ("second_within", "second vehicle within "
                 + (f"{system.second_threshold_s / 60:g} min" if system.second_threshold_s else "(no standard)"),
                 actual["second_within"]),
                ("not_station_ground_share", "first vehicle not from the station ground",
                 actual["not_station_ground_share"])):
            s = sim.get(metric)
            static = sim["first_within_static"]["mean"] if metric == "first_within" else None
            rows.append({"metric": metric, "label": what, "actual": a,
                         "simulated": None if s is None else s["mean"], "simulated_ci95": None if s is None else s["ci95"],
                         "static_model": static,
                         "gap_points": None if (s is None or a is None) else 100 * (s["mean"] - a),
                         "static_gap_points": None if (static is None or a is None) else 100 * (static - a)})
        out.append({"set": label, "incidents_used": len(system.incidents), "counts": actual, "figures": rows,
                    "inputs": _inputs(system, request, settings)})
    return {"service": request.service, "profile": session.profile.key, "sets": out,
            "note": "simulated: the availability simulation of the same incidents (resampled at the full rate unless "
                    "replayed); static model: the nearest station always free. Gaps are simulated (or static) minus "
                    "actual, in percentage points."}
