"""Co-responding over the warehouse: arrivals, survivors, enrolment ranking and fire-cover cost.

Shared by ``bluelight coresponding`` and the Co-responding page. Parameters
come from ``config/coresponding.yaml`` and can be overridden per run; every
result carries the values it used and their sources.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bluelight.analysis.coresponding import (
    MODEL_NAMES,
    Bystander,
    SurvivalModel,
    arrivals,
    available_ambulance,
    enrolment_curve,
    expand,
    fire_cover_cost,
    medical_busy_fraction,
    survivors,
)
from bluelight.analysis.demand_bands import AGE_BANDS
from bluelight.analysis.speeds import SpeedProfile
from bluelight.analysis.traveltime import SiteTimes, point_times
from bluelight.foundation.config_files import config_file, read_yaml
from bluelight.foundation.errors import AnalysisError, ConfigError
from bluelight.foundation.standards import DEFAULT_STANDARD
from bluelight.services.inputs import (
    Connection,
    fill_age_bands,
    read_incident_demand,
    read_population,
    read_population_by_age,
    read_sites,
    site_turnouts,
)
from bluelight.services.requests import SNAP_FIELD, TRAFFIC_PERIOD_FIELD, Field, Request
from bluelight.services.session import Session, frame_links

CONFIG = "coresponding.yaml"
MEDICAL_CATEGORIES = ("medical", "cardiac_arrest")

#: ``place(frame)``: the frame's points on their road segments (node -1: off the network)
_Place = Callable[[pd.DataFrame], pd.DataFrame]
#: ``times(sites)``: drive times from placed sites
_Times = Callable[[pd.DataFrame], SiteTimes]


@dataclass(frozen=True)
class CorespondingParams:
    """Everything the analysis assumes; defaults from ``config/coresponding.yaml``."""

    survival_model: str
    survival_parameters: dict[str, Any]
    bystander_cpr_share: float
    bystander_cpr_start_min: float
    arrests_per_100k_per_year: dict[str, Any]
    ambulance_call_to_dispatch_s: float
    fire_alert_delay_s: float
    time_on_scene_min: float
    calls_per_arrest: float
    standard_s: float
    ambulance_busy_fraction: float = 0.0
    ambulance_stations_considered: int = 5
    sources: dict[str, Any] = field(default_factory=dict)

    def model(self) -> SurvivalModel:
        return SurvivalModel(self.survival_model, self.survival_parameters.get(self.survival_model, {}))

    def bystander(self) -> Bystander:
        return Bystander(self.bystander_cpr_share, self.bystander_cpr_start_min)

    def with_overrides(self, **changes: Any) -> CorespondingParams:
        """These parameters with each change that is not None."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def load_params(path: str | Path | None = None) -> CorespondingParams:
    """Co-responding parameters: ``path``, else the user's or the shipped ``coresponding.yaml``.

    Parameters
    ----------
    path
        The parameters file (default: the user's or the shipped ``coresponding.yaml``).
    """
    path = path or config_file(CONFIG)
    doc = read_yaml(path, what="co-responding parameters")
    try:
        params = CorespondingParams(**{k: doc[k] for k in CorespondingParams.__dataclass_fields__ if k in doc})
    except TypeError as exc:
        raise ConfigError(f"{path}: cannot read co-responding parameters: {exc}") from exc
    if set(params.arrests_per_100k_per_year) != set(AGE_BANDS):
        raise ConfigError(f"{path}: arrests_per_100k_per_year needs the age bands {list(AGE_BANDS)}")
    params.model()                      # checks the model name
    return params


@dataclass(frozen=True)
class CorespondingInputs:
    """Demand points and stations read from the warehouse."""

    zones: pd.DataFrame            # population zones with age bands
    medical: pd.DataFrame          # observed medical / cardiac-arrest incidents (any service)
    fire_stations: pd.DataFrame
    ambulance_stations: pd.DataFrame
    fire_demand: pd.DataFrame      # population, for the fire-cover cost


def read_inputs(con: Connection) -> CorespondingInputs:
    """The stations, zones by age and medical incidents a co-responding appraisal reads.

    Parameters
    ----------
    con
        An open warehouse connection.
    """
    fire = read_sites(con, services=["fire"])
    amb = read_sites(con, services=["ambulance"])
    if fire.empty or amb.empty:
        raise AnalysisError("co-responding needs open fire and ambulance stations in the warehouse")
    zones, _ = fill_age_bands(read_population_by_age(con))
    return CorespondingInputs(zones, read_incident_demand(con, categories=MEDICAL_CATEGORIES),
                              fire, amb, read_population(con))


def expected_arrests(zones: pd.DataFrame, params: CorespondingParams) -> np.ndarray:
    """Expected EMS-treated cardiac arrests a year per zone, from population by age band.

    Parameters
    ----------
    zones
        Population zones by age band.
    params
        Arrest rates per 100,000 by age band.
    """
    rates = np.array([params.arrests_per_100k_per_year[a] for a in AGE_BANDS]) / 100_000.0
    arrests: np.ndarray = zones[list(AGE_BANDS)].fillna(0.0).to_numpy(float) @ rates
    return arrests


def _response(points: pd.DataFrame, stations: pd.DataFrame, offset_s: np.ndarray, snap: _Place, times: _Times,
              place: _Place) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """Points on the network, and their response from each station on it (demand x station, inf unreached).

    ``place(points)`` puts the points on their road segments, ``snap(stations)``
    the stations on theirs, and ``times(stations)`` gives the stations' drive times.
    """
    placed = place(points)
    pts = placed[placed["node"] >= 0].reset_index(drop=True)
    at = snap(stations.reset_index(drop=True))
    on = at["node"].to_numpy() >= 0
    st = stations.reset_index(drop=True)[on].reset_index(drop=True)
    t = point_times(times(at[on]), frame_links(pts)).T + offset_s[on][None, :]
    return pts, st, t


@dataclass
class CorespondingResult:
    summary: dict[str, Any]
    stations: pd.DataFrame          # per fire station: arrivals won, survivors, ranking, fire-cover cost
    curve: pd.DataFrame             # greedy enrolment
    points: pd.DataFrame            # expected-arrest zones: times and who is first
    medical: dict[str, Any]                   # arrivals on observed medical incidents
    params: CorespondingParams
    enrolled: list[str] = field(default_factory=list)
    simulated_cost: dict[str, Any] = field(default_factory=dict)   # fire attendance simulated with and without medical calls

    def to_json(self) -> dict[str, Any]:
        """The result as the JSON ``bluelight coresponding --json`` prints (stations by survivors added)."""
        return to_json(self)


def analyse(inputs: CorespondingInputs, params: CorespondingParams, profile: SpeedProfile, *, snap: _Place,
            times: _Times, place: _Place, enrolled: list[str] | None = None,
            n_curve: int | None = None) -> CorespondingResult:
    """The whole co-responding appraisal for one set of enrolled stations (default: every fire station).

    Parameters
    ----------
    inputs
        Stations, zones and medical incidents (:func:`read_inputs`).
    params
        The appraisal's parameters.
    profile
        Speed profile (turnout and drive times).
    snap
        Places stations on their road segments.
    times
        Drive times from placed stations.
    place
        Places demand points on their road segments.
    enrolled
        Fire stations enrolled (default: every fire station).
    n_curve
        Stations in the greedy enrolment curve (default: every station).
    """
    fire_off = site_turnouts(inputs.fire_stations, profile) + params.fire_alert_delay_s
    amb_off = site_turnouts(inputs.ambulance_stations, profile) + params.ambulance_call_to_dispatch_s
    zones = inputs.zones.assign(weight=expected_arrests(inputs.zones, params))
    pts, fire_st, fire_t = _response(zones, inputs.fire_stations, fire_off, snap, times, place)
    _, amb_st, amb_t = _response(zones, inputs.ambulance_stations, amb_off, snap, times, place)
    if fire_st.empty or amb_st.empty or pts.empty:
        raise AnalysisError("no fire station, ambulance station or population zone is on the road network")
    amb_best = amb_t.min(axis=1)
    ids = fire_st["site_id"].tolist()
    unknown = sorted(set(enrolled or []) - set(ids))
    if unknown:
        raise AnalysisError(f"stations not found among the fire stations on the road network: {unknown}")
    cols = np.arange(len(ids)) if not enrolled else np.array([ids.index(s) for s in enrolled])
    # the nearest *available* ambulance: one row per (zone, responding station), weighted by its probability
    amb_times, amb_probs = available_ambulance(amb_t, params.ambulance_busy_fraction,
                                               nearest=params.ambulance_stations_considered)
    amb_x, row_of, prob, fire_x = expand(amb_times, amb_probs, fire_t)
    w_x = pts["weight"].to_numpy()[row_of] * prob
    arr = arrivals(amb_x, fire_x, w_x, cols)
    model, bystander = params.model(), params.bystander()
    surv = survivors(arr, model, w_x, bystander)
    curve = enrolment_curve(amb_x, fire_x, w_x, model, n_max=n_curve, bystander=bystander)
    curve = curve.assign(site_id=[ids[j] for j in curve["station"]], name=[fire_st["name"].iloc[j]
                                                                          for j in curve["station"]])
    # fire-cover cost: the appliance away on medical calls, fire demand (population) losing its standard
    busy = medical_busy_fraction(arr, w_x * params.calls_per_arrest, len(ids),
                                 time_on_scene_min=params.time_on_scene_min)
    fire_pop = inputs.fire_demand
    _, _, fire_pop_t = _response(fire_pop, inputs.fire_stations, site_turnouts(inputs.fire_stations, profile),
                                 snap, times, place)
    fire_pop_w = fire_pop.loc[place(fire_pop)["node"].to_numpy() >= 0, "weight"].to_numpy(float)
    fire_standard = DEFAULT_STANDARD["fire"][0]
    cost = fire_cover_cost(fire_pop_t, fire_pop_w, fire_standard, busy)
    won = pd.Series(arr.weight[arr.fire_first]).groupby(arr.fire_station[arr.fire_first]).sum()
    stations = fire_st[["site_id", "name", "duty_system", "easting", "northing", "lon", "lat"]].assign(
        enrolled=np.isin(np.arange(len(ids)), cols),
        turnout_s=site_turnouts(fire_st, profile),
        arrests_reached_first=[float(won.get(j, 0.0)) for j in range(len(ids))],
        additional_survivors=[float(surv["per_station"].get(j, 0.0)) for j in range(len(ids))],
        rank=[int(np.flatnonzero(curve["station"].to_numpy() == j)[0]) + 1
              if j in set(curve["station"]) else None for j in range(len(ids))],
        busy_fraction=cost["busy_fraction"].to_numpy(),
        fire_share_at_risk_while_away=cost["share_at_risk_while_away"].to_numpy(),
        fire_expected_share_lost=cost["expected_share_lost"].to_numpy())
    standard = params.standard_s
    fire_best = arrivals(amb_best, fire_t, pts["weight"].to_numpy(), cols).fire_s
    fire_ok, amb_ok = fire_best <= standard, amb_best <= standard       # the map: nearest stations
    who = np.select([amb_ok & fire_ok, ~amb_ok & fire_ok, amb_ok & ~fire_ok],
                    ["both within the standard", "fire only", "ambulance only"], "neither")
    points = pts[["zone", "area", "easting", "northing", "lon", "lat", "weight"]].assign(
        ambulance_s=amb_best, fire_s=fire_best, cover=who,
        p_fire_first=np.bincount(row_of, weights=prob * arr.fire_first, minlength=len(pts)),
        additional_survivors=np.bincount(row_of, weights=surv["per_point"], minlength=len(pts)))
    within_x = w_x[amb_x <= standard].sum() / w_x.sum()
    first_x = w_x[np.minimum(amb_x, arr.fire_s) <= standard].sum() / w_x.sum()
    summary = arr.summary() | {k: v for k, v in surv.items() if k not in ("per_station", "per_point")} | {
        "standard_s": standard, "share_ambulance_within_standard": float(within_x),
        "share_first_response_within_standard": float(first_x),
        "share_fire_only_within_standard": float(first_x - within_x),
        "zones_fire_only_nearest": int((who == "fire only").sum()),
        "ambulance_busy_fraction": params.ambulance_busy_fraction, "fire_standard_s": fire_standard,
        "fire_expected_share_lost": float(cost.loc[stations["enrolled"].to_numpy(), "expected_share_lost"].sum()),
        "zones_off_network": int(len(zones) - len(pts)), "enrolled_stations": int(len(cols)),
        "survival_model": model.name, "survival_parameters": model.parameters}
    medical = _medical_arrivals(inputs, params, fire_off, amb_off, snap, times, place, enrolled)
    return CorespondingResult(summary, stations, curve, points, medical, params, [ids[j] for j in cols])


def _medical_arrivals(inputs: CorespondingInputs, params: CorespondingParams, fire_off: np.ndarray,
                      amb_off: np.ndarray, snap: _Place, times: _Times, place: _Place,
                      enrolled: list[str] | None) -> dict[str, Any]:
    """The same comparison on observed medical incidents (when any are on the road network)."""
    inc = inputs.medical
    if inc.empty:
        return {"incidents": 0}
    pts, st, fire_t = _response(inc, inputs.fire_stations, fire_off, snap, times, place)
    _, _, amb_t = _response(inc, inputs.ambulance_stations, amb_off, snap, times, place)
    if pts.empty:
        return {"incidents": int(len(inc)), "on_network": 0}
    ids = st["site_id"].tolist()
    cols = None if not enrolled else [ids.index(s) for s in enrolled if s in ids]
    amb_times, amb_probs = available_ambulance(amb_t, params.ambulance_busy_fraction,
                                               nearest=params.ambulance_stations_considered)
    amb_x, _, prob, fire_x = expand(amb_times, amb_probs, fire_t)
    arr = arrivals(amb_x, fire_x, prob, cols)
    return {"incidents": int(len(inc)), "on_network": int(len(pts))} | arr.summary()


@dataclass(frozen=True)
class CorespondingRequest(Request):
    """Which stations co-respond and the assumptions to change from ``config/coresponding.yaml`` (blank: keep)."""

    stations: tuple[str, ...] = ()
    survival_model: str | None = None
    survival_parameters: tuple[tuple[str, float], ...] = ()
    bystander_cpr_share: float | None = None
    ambulance_busy_fraction: float | None = None
    time_on_scene_min: float | None = None
    standard_s: float | None = None
    n_curve: int | None = None
    max_snap_m: float = SNAP_FIELD.default
    traffic_period: str = "all"

    FIELDS = (
        Field("stations", "Co-responding stations", list, (),
              help="Fire stations that co-respond, comma-separated site ids (default: all)."),
        Field("survival_model", "Survival model", str, None, choices=MODEL_NAMES, optional=True,
              help="Survival model (default: config/coresponding.yaml)."),
        Field("bystander_cpr_share", "Bystander CPR share", float, None, 0.0, 1.0, optional=True, unit="share"),
        Field("ambulance_busy_fraction", "Ambulance busy fraction", float, None, 0.0, 0.95, optional=True,
              unit="share", help="Share of time each station's ambulance is busy (0: always the nearest responds)."),
        Field("time_on_scene_min", "Time on scene (min)", float, None, 0.0, 240.0, optional=True,
              help="Appliance committed on scene per call."),
        Field("standard_s", "Response standard", float, None, 60.0, 3600.0, optional=True, unit="s",
              help="Response standard for the 'fire only' map."),
        Field("n_curve", "Stations in the curve", int, None, 1, 10_000, optional=True,
              help="Stations in the enrolment curve (default: all)."),
        SNAP_FIELD,
        TRAFFIC_PERIOD_FIELD,
    )

    def params(self, base: CorespondingParams) -> CorespondingParams:
        """``base`` with this request's changes (survival parameters merged into the model's own)."""
        out = base.with_overrides(survival_model=self.survival_model, bystander_cpr_share=self.bystander_cpr_share,
                                  ambulance_busy_fraction=self.ambulance_busy_fraction,
                                  time_on_scene_min=self.time_on_scene_min, standard_s=self.standard_s)
        if self.survival_parameters:
            merged = dict(out.survival_parameters)
            merged[out.survival_model] = merged.get(out.survival_model, {}) | dict(self.survival_parameters)
            out = replace(out, survival_parameters=merged)
        out.model()                              # checks the model and its parameters
        return out


def run_coresponding(session: Session, request: CorespondingRequest = CorespondingRequest()) -> CorespondingResult:
    """The co-responding appraisal of a request, cached in the session (times of the request's traffic period).

    Parameters
    ----------
    session
        The routing session over the warehouse (network, placed sites and demand, bounded caches).
    request
        Enrolled stations, parameter overrides and traffic period.
    """
    session = session.for_period(request.traffic_period)

    def build() -> CorespondingResult:
        inputs = session.cached(("coresponding_inputs",), lambda: session.read(read_inputs))
        params = request.params(load_params())
        if expected_arrests(inputs.zones, params).sum() <= 0:
            raise AnalysisError("no population by age band is loaded, so there are no expected cardiac arrests: "
                                "load population with age bands (bluelight etl population)")
        result = analyse(inputs, params, session.profile, snap=session.place_sites, times=session.site_times,
                         place=lambda f: session.with_links(f, max_snap_m=request.max_snap_m),
                         enrolled=list(request.stations) or None, n_curve=request.n_curve)
        return replace(result, simulated_cost=simulated_fire_cost(session, result, max_snap_m=request.max_snap_m))
    return session.cached(("coresponding", request), build)


#: the fire-cover simulation: replications of the fire service's year with and without the medical calls
SIM_REPLICATIONS, SIM_SEED = 5, 1


def simulated_fire_cost(session: Session, result: CorespondingResult, *, max_snap_m: float = SNAP_FIELD.default,
                        replications: int = SIM_REPLICATIONS, seed: int = SIM_SEED) -> dict[str, Any]:
    """Fire attendance simulated with and without the enrolled appliances also taking medical calls.

    The fire service's own year (its loaded incidents resampled at the full
    rate, as ``bluelight simulate``) is run twice on the same calls: once alone
    and once with co-responder calls added, where the enrolled appliance would
    be first (expected arrests x calls per arrest x the chance fire is first),
    spread evenly over the year. A co-responder call takes the nearest free
    enrolled appliance for the time on scene and the drive both ways, and is
    left to the ambulance when none is free (it does not wait). The cost is the
    change in the share of fire calls whose first pump arrives within the
    standard, with a 95% interval of the paired differences.

    Parameters
    ----------
    session
        The routing session over the warehouse (network, placed sites and demand, bounded caches).
    result
        The appraisal whose enrolled stations take medical calls.
    max_snap_m
        Points further than this from a road are off the network.
    replications
        Simulated years with and without co-responding.
    seed
        Random seed (the same calls in both arms).
    """
    from bluelight.analysis.replications import make_calls, mean_ci
    from bluelight.analysis.simulation import DAY_S, Calls, simulate, summarise_run
    from bluelight.services.fleet_system import SimulationRequest, build_system, load_settings

    settings = load_settings()
    request = SimulationRequest.parse(service="fire", replications=replications, seed=seed, max_snap_m=max_snap_m)
    try:
        system = build_system(session, request, settings)
    except AnalysisError as exc:
        return {"available": False, "reason": str(exc)}
    pts = result.points
    rate = pts["weight"].to_numpy(float) * result.params.calls_per_arrest * pts["p_fire_first"].to_numpy(float)
    medical = session.with_links(pts.assign(rate_per_year=rate)[rate > 0].reset_index(drop=True),
                                 max_snap_m=max_snap_m)
    medical = medical[medical["node"] >= 0].reset_index(drop=True)
    enrolled = system.stations["site_id"].isin(result.enrolled).to_numpy()
    if medical.empty or not enrolled.any():
        return {"available": False, "reason": "no co-responder calls: no enrolled station on the road network "
                                              "is first to any expected cardiac arrest"}
    med_drive = point_times(session.site_times(system.stations), frame_links(medical)).T
    med_drive[:, ~enrolled] = np.inf
    n_zones = system.travel.drive_s.shape[0]
    travel = type(system.travel)(np.vstack([system.travel.drive_s, med_drive]), system.travel.turnout_s)
    threshold = request.standard_s
    scene_s = float(result.params.time_on_scene_min) * 60.0
    alone, shared, answered, medical_calls = [], [], [], []
    for r in range(replications):
        fire, _ = make_calls(system, np.random.default_rng([seed, r]), arrivals=request.arrivals)
        rng = np.random.default_rng([seed, r, 1])
        n = rng.poisson(rate.sum() * system.period_s / (365.25 * DAY_S) if len(medical) else 0)
        zone = n_zones + rng.choice(len(medical), size=n, p=medical["rate_per_year"] / medical["rate_per_year"].sum())
        t = np.concatenate([fire.time_s, rng.uniform(0.0, system.period_s, n)])
        order = np.argsort(t, kind="stable")
        is_fire = (np.arange(len(t)) < fire.n_calls)[order]
        width = fire.on_scene_s.shape[1] if fire.on_scene_s.ndim == 2 else 1
        pad = np.full((n, width), scene_s)
        scene = np.concatenate([fire.on_scene_s.reshape(fire.n_calls, width), pad])[order]
        fire_factor = np.ones(fire.on_scene_s.shape) if fire.response_factor is None else fire.response_factor
        factor = np.concatenate([fire_factor.reshape(fire.n_calls, width), np.ones((n, width))])[order]
        both = Calls(t[order], np.concatenate([fire.zone, zone])[order],
                     np.concatenate([fire.need, np.ones(n, dtype=np.int64)])[order], scene,
                     response_factor=factor, may_wait=is_fire)
        base = summarise_run(simulate(fire, system.fleet, system.travel, period_s=system.period_s),
                             first_thresholds_s=(threshold,), second_thresholds_s=())
        run = simulate(both, system.fleet, travel, period_s=system.period_s)
        with_med = summarise_run(run, first_thresholds_s=(threshold,), second_thresholds_s=(), mask=is_fire)
        alone.append(base.first_within[threshold])
        shared.append(with_med.first_within[threshold])
        med_first = run.first()[~is_fire[run.call[run.first()]]]
        answered.append(float(np.mean(run.vehicle[med_first] >= 0)) if len(med_first) else float("nan"))
        medical_calls.append(n)
    years = system.period_s / (365.25 * DAY_S)
    return {"available": True, "threshold_s": threshold,
            "fire_first_within_alone": mean_ci(alone), "fire_first_within_with_coresponding": mean_ci(shared),
            "change": mean_ci(np.subtract(shared, alone)),
            "coresponder_calls_per_year": float(np.mean(medical_calls) / years),
            "coresponder_calls_answered_share": mean_ci(answered),
            "replications": replications, "seed": seed, "vehicles": system.fleet.n_vehicles,
            "method": ("the fire service's loaded incidents resampled at the full rate for a year, with and without "
                       "co-responder calls (spread evenly over the year) that take the nearest free enrolled "
                       "appliance and are left to the ambulance when none is free; the same fire calls in both")}


def to_json(result: CorespondingResult) -> dict[str, Any]:
    """The appraisal as the JSON ``bluelight coresponding --json`` prints (stations by survivors added).

    Parameters
    ----------
    result
        The appraisal.
    """
    def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = frame.astype(object).where(frame.notna(), None).to_dict("records")
        return rows
    return {"summary": result.summary, "medical_incidents": result.medical, "params": asdict(result.params),
            "fire_cover_simulated": result.simulated_cost,
            "enrolled": result.enrolled, "stations": records(result.stations.sort_values(
                "additional_survivors", ascending=False)), "enrolment_curve": records(result.curve)}
