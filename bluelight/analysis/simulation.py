"""Discrete-event simulation of a fleet answering calls: who is free, not who is nearest, decides who goes.

The static coverage models assume the nearest station always responds. Here
calls arrive over a period, each needs one or more vehicles, dispatch sends the
fastest vehicle that is free and crewed at that hour (turnout + drive), the
vehicle is committed for the drive, its time at the scene, any conveyance and
handover, and the drive back, and a call that finds no vehicle free waits for
the first one to clear (first come, first served). The event loop is a binary
heap of (time, vehicle) pairs over arrays; travel comes from the cached
per-site drive-time matrices, not from per-event routing.

Numeric core only: arrays in, a :class:`SimulationRun` out. The service layer
(:mod:`bluelight.services.simulation`) builds calls from incidents or
population, the fleet from the stations, and the matrices from the session.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from bluelight.foundation.errors import AnalysisError

HOUR_S = 3600.0
DAY_S = 24 * HOUR_S
#: preferred vehicles remembered per zone (beyond these, the full order is computed when needed)
PREFERENCE_DEPTH = 24


@dataclass(frozen=True)
class Fleet:
    """The vehicles: each vehicle's station (a column of the travel matrices) and its crewed hours.

    ``on_duty``: ``(vehicles, 24)`` booleans, the hours of day a vehicle can be
    sent (an on-call pump crewed only some hours); ``None``: always.
    """

    station: np.ndarray
    on_duty: np.ndarray | None = None

    def __post_init__(self) -> None:
        st = np.asarray(self.station, dtype=np.int64)
        if st.ndim != 1 or len(st) == 0:
            raise AnalysisError("fleet.station must be a non-empty 1-d array of station indices")
        if st.min() < 0:
            raise AnalysisError("fleet.station holds a negative station index")
        object.__setattr__(self, "station", st)
        if self.on_duty is not None:
            duty = np.asarray(self.on_duty, dtype=bool)
            if duty.shape != (len(st), 24):
                raise AnalysisError(f"fleet.on_duty must have shape ({len(st)}, 24), got {duty.shape}")
            object.__setattr__(self, "on_duty", duty)

    @property
    def n_vehicles(self) -> int:
        return len(self.station)


@dataclass(frozen=True)
class Calls:
    """Calls in time order.

    Parameters
    ----------
    time_s
        Seconds from the start of the period (which starts at midnight), non-decreasing.
    zone
        Row of the travel matrices where each call is.
    need
        Vehicles each call needs (1 or more).
    on_scene_s
        Seconds each vehicle spends at the scene: ``(calls,)`` for all a call's
        vehicles, or ``(calls, max need)`` per vehicle in order of dispatch.
    after_scene_s
        Extra committed seconds after the scene (conveyance to hospital and
        handover); default none.
    return_from
        Row of the return matrix each vehicle drives back from (the scene's
        zone, or a hospital); default the call's zone.
    response_factor
        Actual over modelled turnout + drive of each vehicle's trip (the
        travel-time spread; shaped like ``on_scene_s``); default 1. Dispatch
        chooses by the modelled time, the vehicle arrives after the actual one.
    may_wait
        Whether a call that finds no vehicle free waits for one (default: all
        do). A call that may not wait goes unanswered by this fleet, as a
        co-responder call does when no enrolled appliance is free.
    """

    time_s: np.ndarray
    zone: np.ndarray
    need: np.ndarray
    on_scene_s: np.ndarray
    after_scene_s: np.ndarray | None = None
    return_from: np.ndarray | None = None
    response_factor: np.ndarray | None = None
    may_wait: np.ndarray | None = None

    def __post_init__(self) -> None:
        t = np.asarray(self.time_s, dtype=float)
        n = len(t)
        if t.ndim != 1:
            raise AnalysisError("calls.time_s must be 1-d")
        if n and (not np.all(np.isfinite(t)) or t.min() < 0 or np.any(np.diff(t) < 0)):
            raise AnalysisError("calls.time_s must be finite, non-negative and in time order")
        zone = np.asarray(self.zone, dtype=np.int64)
        need = np.asarray(self.need, dtype=np.int64)
        scene = np.asarray(self.on_scene_s, dtype=float)
        for name, arr in (("zone", zone), ("need", need)):
            if arr.shape != (n,):
                raise AnalysisError(f"calls.{name} must have one value per call ({n}), got shape {arr.shape}")
        if n and need.min() < 1:
            raise AnalysisError("calls.need must be at least 1 vehicle per call")
        if scene.shape[0] != n or scene.ndim not in (1, 2) or (n and (scene.min() < 0 or not np.isfinite(scene).all())):
            raise AnalysisError("calls.on_scene_s must be finite non-negative seconds, one row per call")
        if scene.ndim == 2 and n and scene.shape[1] < need.max():
            raise AnalysisError(f"calls.on_scene_s has {scene.shape[1]} columns but a call needs {need.max()} vehicles")
        after = np.zeros(n) if self.after_scene_s is None else np.asarray(self.after_scene_s, dtype=float)
        back = zone if self.return_from is None else np.asarray(self.return_from, dtype=np.int64)
        if after.shape != (n,) or back.shape != (n,):
            raise AnalysisError("calls.after_scene_s and calls.return_from need one value per call")
        factor = np.ones(scene.shape) if self.response_factor is None else np.asarray(self.response_factor, dtype=float)
        if factor.shape[:1] != (n,) or factor.ndim != scene.ndim or (n and (not np.isfinite(factor).all()
                                                                            or factor.min() <= 0)):
            raise AnalysisError("calls.response_factor must be positive, shaped like calls.on_scene_s")
        wait = np.ones(n, dtype=bool) if self.may_wait is None else np.asarray(self.may_wait, dtype=bool)
        if wait.shape != (n,):
            raise AnalysisError("calls.may_wait needs one value per call")
        for name, value in (("time_s", t), ("zone", zone), ("need", need), ("on_scene_s", scene),
                            ("after_scene_s", after), ("return_from", back), ("response_factor", factor),
                            ("may_wait", wait)):
            object.__setattr__(self, name, value)

    @property
    def n_calls(self) -> int:
        return len(self.time_s)


@dataclass(frozen=True)
class Travel:
    """What the dispatcher knows of travel.

    Parameters
    ----------
    drive_s
        ``(zones, stations)`` drive seconds from each station to each zone (``inf``: cannot reach).
    turnout_s
        ``(stations,)`` or ``(24, stations)`` seconds from alert to mobile, by hour of day.
    return_s
        ``(places, stations)`` drive seconds back to each station from each place
        (default ``drive_s``: the way back takes as long as the way out).
    """

    drive_s: np.ndarray
    turnout_s: np.ndarray
    return_s: np.ndarray | None = None

    def __post_init__(self) -> None:
        drive = np.asarray(self.drive_s, dtype=float)
        if drive.ndim != 2:
            raise AnalysisError("travel.drive_s must be a (zones, stations) matrix")
        turn = np.asarray(self.turnout_s, dtype=float)
        turn = np.broadcast_to(turn, (24, drive.shape[1])) if turn.ndim == 1 else turn
        if turn.shape != (24, drive.shape[1]) or not np.isfinite(turn).all() or turn.min() < 0:
            raise AnalysisError(f"travel.turnout_s must be finite seconds per station ({drive.shape[1]}) "
                                "or per hour and station (24, stations)")
        back = drive if self.return_s is None else np.asarray(self.return_s, dtype=float)
        if back.ndim != 2 or back.shape[1] != drive.shape[1]:
            raise AnalysisError("travel.return_s must have one column per station")
        object.__setattr__(self, "drive_s", drive)
        object.__setattr__(self, "turnout_s", np.ascontiguousarray(turn))
        object.__setattr__(self, "return_s", np.where(np.isfinite(back), back, 0.0))

    @property
    def n_stations(self) -> int:
        return self.drive_s.shape[1]


@dataclass
class SimulationRun:
    """What happened to every vehicle request of one replication.

    Requests are the calls' vehicles in order (a two-pump call has requests of
    order 0 and 1). ``vehicle`` is -1 and ``response_s`` ``nan`` where no
    vehicle could ever reach the call.
    """

    call: np.ndarray
    order: np.ndarray
    vehicle: np.ndarray
    station: np.ndarray
    wait_s: np.ndarray
    response_s: np.ndarray
    nearest_station: np.ndarray          # per call: the station that would respond if every vehicle were free
    nearest_response_s: np.ndarray       # per call: that station's response (with the first trip's spread)
    busy_s: np.ndarray                   # per vehicle: committed seconds within the period
    no_free_s: np.ndarray                # per station: seconds with none of its vehicles free
    period_s: float
    calls_hour: np.ndarray               # per call: hour of day

    def first(self) -> np.ndarray:
        """Index of each call's first request."""
        return np.flatnonzero(self.order == 0)


def _filled(value: np.ndarray | None, name: str) -> np.ndarray:
    """A field ``__post_init__`` fills (``None`` only before it ran)."""
    if value is None:
        raise AnalysisError(f"{name} is missing: build the object through its constructor")
    return value


def _check(calls: Calls, fleet: Fleet, travel: Travel, period_s: float) -> None:
    if fleet.station.max() >= travel.n_stations:
        raise AnalysisError(f"a vehicle's station index ({fleet.station.max()}) is beyond the "
                            f"{travel.n_stations} stations of the travel matrix")
    if calls.n_calls and calls.zone.max() >= travel.drive_s.shape[0]:
        raise AnalysisError("a call's zone is beyond the rows of travel.drive_s")
    if calls.n_calls and _filled(calls.return_from, "calls.return_from").max() >= \
            _filled(travel.return_s, "travel.return_s").shape[0]:
        raise AnalysisError("a call's return_from is beyond the rows of travel.return_s")
    if not (period_s > 0 and np.isfinite(period_s)):
        raise AnalysisError(f"period_s must be positive, got {period_s}")


def simulate(calls: Calls, fleet: Fleet, travel: Travel, *, period_s: float) -> SimulationRun:
    """Run the calls through the fleet once; deterministic for given inputs.

    Dispatch: each vehicle request of a call, in order, goes to the free,
    crewed vehicle with the least turnout + drive to the call's zone (ties: the
    lower vehicle index); if none is free the request waits, and the first
    vehicle to clear that can reach it takes it (first come, first served; a call
    that may not wait goes unanswered). A
    vehicle is free again when it is back at its station.

    Parameters
    ----------
    calls
        The calls (:class:`Calls`): arrival, zone, vehicles wanted, time on scene.
    fleet
        The vehicles (:class:`Fleet`): station, crew hours, turnout.
    travel
        Drive time from each station (columns) to each zone (rows).
    period_s
        The length of the period simulated (for utilisation).

    Examples
    --------
    One station with one vehicle 60 s away; two calls 100 s apart, each keeping
    the vehicle 300 s at the scene: the second waits for the first to finish.

    >>> import numpy as np
    >>> run = simulate(Calls([0.0, 100.0], [0, 0], [1, 1], [300.0, 300.0]), Fleet([0]),
    ...                Travel(np.array([[60.0]]), np.array([0.0])), period_s=3600)
    >>> run.response_s.tolist(), run.wait_s.tolist()
    ([60.0, 380.0], [0.0, 320.0])
    """
    _check(calls, fleet, travel, period_s)
    n = calls.n_calls
    need = calls.need
    m = int(need.sum())
    req_call = np.repeat(np.arange(n), need)
    starts = np.concatenate([[0], np.cumsum(need)[:-1]]) if n else np.zeros(0, dtype=np.int64)
    req_order = np.arange(m) - np.repeat(starts, need)
    scene = calls.on_scene_s
    req_scene = (scene[req_call] if scene.ndim == 1 else scene[req_call, req_order]).tolist()
    fac = _filled(calls.response_factor, "calls.response_factor")
    req_factor = (fac[req_call] if fac.ndim == 1 else fac[req_call, req_order]).tolist()

    v_station = fleet.station
    n_veh = fleet.n_vehicles
    st_list = v_station.tolist()
    duty = fleet.on_duty.tolist() if fleet.on_duty is not None else None
    drive = travel.drive_s
    turnout = travel.turnout_s
    # dispatch order by hour: turnout differs by hour (day-crewed stations), so one order per distinct turnout row
    profiles, inverse = np.unique(turnout, axis=0, return_inverse=True)
    hour_profile: list[int] = np.asarray(inverse).reshape(-1).tolist()
    prefs: list[dict[tuple[int, bool], list[int]]] = [{} for _ in range(len(profiles))]
    veh_drive_cache: dict[int, np.ndarray] = {}

    def vehicle_costs(zone: int, prof: int) -> np.ndarray:
        d = veh_drive_cache.get(zone)
        if d is None:
            d = drive[zone, v_station]
            veh_drive_cache[zone] = d
        return d + profiles[prof][v_station]

    def preferred(zone: int, prof: int, full: bool = False) -> list[int]:
        cache = prefs[prof]
        key = (zone, full)
        got = cache.get(key)
        if got is None:
            cost = vehicle_costs(zone, prof)
            reach = np.flatnonzero(np.isfinite(cost))
            order = reach[np.argsort(cost[reach], kind="stable")]
            got = order.tolist() if full else order[:PREFERENCE_DEPTH].tolist()
            cache[key] = got
        return got

    free = [True] * n_veh
    n_free = np.bincount(v_station, minlength=travel.n_stations).tolist()
    zero_since = [0.0] * travel.n_stations
    no_free = [0.0] * travel.n_stations
    busy = [0.0] * n_veh
    vehicle = [-1] * m
    wait = [np.nan] * m
    response = [np.nan] * m
    heap: list[tuple[float, int]] = []
    waiting: list[int] = []
    zone_of = calls.zone.tolist()
    t_call = calls.time_s.tolist()
    back_row = _filled(calls.return_from, "calls.return_from").tolist()
    after = _filled(calls.after_scene_s, "calls.after_scene_s").tolist()
    may_wait = _filled(calls.may_wait, "calls.may_wait").tolist()
    ret = _filled(travel.return_s, "travel.return_s")

    def on(v: int, hour: int) -> bool:
        return duty is None or duty[v][hour]

    def dispatch(r: int, v: int, now: float) -> None:
        c = req_call[r]
        z = zone_of[c]
        s = st_list[v]
        hour = int(now // HOUR_S) % 24
        out_s = float(turnout[hour, s] + drive[z, s]) * req_factor[r]
        until = now + out_s + req_scene[r] + after[c] + float(ret[back_row[c], s]) * req_factor[r]
        heapq.heappush(heap, (until, v))
        free[v] = False
        n_free[s] -= 1
        if n_free[s] == 0:
            zero_since[s] = now
        vehicle[r] = v
        wait[r] = now - t_call[c]
        response[r] = wait[r] + out_s
        busy[v] += max(0.0, min(until, period_s) - min(now, period_s))

    def serve_waiting(v: int, now: float) -> bool:
        """Give vehicle ``v`` to the longest-waiting request it can reach; False if none."""
        s = st_list[v]
        hour = int(now // HOUR_S) % 24
        if not on(v, hour):
            return False
        for i, r in enumerate(waiting):
            if np.isfinite(drive[zone_of[req_call[r]], s]):
                del waiting[i]
                dispatch(r, v, now)
                return True
        return False

    def release(v: int, now: float) -> None:
        s = st_list[v]
        free[v] = True
        if n_free[s] == 0:
            no_free[s] += min(now, period_s) - min(zero_since[s], period_s)
        n_free[s] += 1
        if waiting:
            serve_waiting(v, now)

    def duty_check(now: float) -> None:
        for v in range(n_veh):
            if free[v] and waiting:
                serve_waiting(v, now)

    if fleet.on_duty is not None:             # wake waiting calls when crews come on
        comes_on = fleet.on_duty & ~np.roll(fleet.on_duty, 1, axis=1)
        hours = np.flatnonzero(comes_on.any(axis=0))
        days = int(np.ceil((t_call[-1] if n else 0.0) / DAY_S)) + 2
        for d in range(days):
            for h in hours:
                heapq.heappush(heap, (d * DAY_S + h * HOUR_S, -1))

    def advance(now: float) -> None:
        while heap and heap[0][0] <= now:
            t, v = heapq.heappop(heap)
            if v < 0:
                duty_check(t)
            else:
                release(v, t)

    r = 0
    for c in range(n):
        now = t_call[c]
        advance(now)
        hour = int(now // HOUR_S) % 24
        prof = hour_profile[hour]
        z = zone_of[c]
        for _ in range(need[c]):
            chosen = -1
            for v in preferred(z, prof):
                if free[v] and on(v, hour):
                    chosen = v
                    break
            if chosen < 0 and n_veh > PREFERENCE_DEPTH:
                for v in preferred(z, prof, full=True)[PREFERENCE_DEPTH:]:
                    if free[v] and on(v, hour):
                        chosen = v
                        break
            if chosen >= 0:
                dispatch(r, chosen, now)
            elif may_wait[c] and preferred(z, prof):
                waiting.append(r)
            r += 1
    while heap and (waiting or heap[0][0] <= period_s):   # the period's last clearances and any calls still waiting
        t, v = heapq.heappop(heap)
        if v < 0:
            duty_check(t)
        else:
            release(v, t)
    for s in range(travel.n_stations):        # stations still without a free vehicle at the end of the period
        if n_free[s] == 0:
            no_free[s] += max(0.0, period_s - min(zero_since[s], period_s))

    vehicle_a = np.asarray(vehicle, dtype=np.int64)
    hours = (calls.time_s // HOUR_S).astype(np.int64) % 24
    nearest_st = np.full(n, -1, dtype=np.int64)
    nearest_resp = np.full(n, np.nan)
    if n:
        cost = drive[calls.zone] + turnout[hours]
        reach = np.isfinite(cost).any(axis=1)
        nearest_st[reach] = np.argmin(np.where(np.isfinite(cost), cost, np.inf)[reach], axis=1)
        nearest_resp[reach] = cost[reach, nearest_st[reach]]
        nearest_resp *= fac[:, 0] if fac.ndim == 2 else fac           # the first trip's own spread
    return SimulationRun(call=req_call, order=req_order, vehicle=vehicle_a,
                         station=np.where(vehicle_a >= 0, v_station[np.maximum(vehicle_a, 0)], -1),
                         wait_s=np.asarray(wait), response_s=np.asarray(response),
                         nearest_station=nearest_st, nearest_response_s=nearest_resp,
                         busy_s=np.asarray(busy), no_free_s=np.asarray(no_free), period_s=float(period_s),
                         calls_hour=hours)


@dataclass(frozen=True)
class RunSummary:
    """The headline figures of one replication."""

    calls: int
    first_within: dict[float, float]       # threshold_s -> share of calls whose first vehicle arrived within it
    second_within: dict[float, float]      # threshold_s -> share of calls needing 2+ whose second arrived within it
    first_mean_s: float
    first_p90_s: float
    not_nearest_share: float                # first vehicle from a station other than the nearest one
    queued_share: float                     # calls whose first vehicle had to wait for one to clear
    unreached_share: float
    utilisation: np.ndarray                 # per vehicle
    no_free_share: np.ndarray               # per station: share of the period with no vehicle of its own free
    static_first_within: dict[float, float]  # the same calls if the nearest station were always free

    def as_dict(self) -> dict[str, Any]:
        return {"calls": self.calls, "first_within": {str(int(k)): v for k, v in self.first_within.items()},
                "second_within": {str(int(k)): v for k, v in self.second_within.items()},
                "first_mean_s": self.first_mean_s, "first_p90_s": self.first_p90_s,
                "not_nearest_share": self.not_nearest_share, "queued_share": self.queued_share,
                "unreached_share": self.unreached_share,
                "static_first_within": {str(int(k)): v for k, v in self.static_first_within.items()}}


def _share(x: np.ndarray, threshold: float) -> float:
    return float(np.mean(x <= threshold)) if len(x) else float("nan")


def summarise_run(run: SimulationRun, *, first_thresholds_s: Sequence[float] = (360.0,), second_thresholds_s: Sequence[float] = (480.0,),
                  mask: np.ndarray | None = None) -> RunSummary:
    """Shares within each standard, cross-boundary and queued shares, utilisation, for the calls in ``mask``.

    A call no vehicle can reach counts as not within any standard.

    Parameters
    ----------
    run
        One run of :func:`simulate`.
    first_thresholds_s, second_thresholds_s
        The standards for the first and the second vehicle.
    mask
        The calls summarised (default: all).
    """
    n_calls = len(run.nearest_station)
    keep = np.ones(n_calls, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    first = run.first()
    f_ok = keep[run.call[first]]
    first = first[f_ok]
    resp = run.response_s[first]
    resp_f = np.where(np.isnan(resp), np.inf, resp)
    second = np.flatnonzero((run.order == 1) & keep[run.call])
    resp2 = np.where(np.isnan(run.response_s[second]), np.inf, run.response_s[second])
    static = run.nearest_response_s[keep]
    static = np.where(np.isnan(static), np.inf, static)
    served = ~np.isnan(resp)
    cross = run.station[first][served] != run.nearest_station[run.call[first]][served]
    return RunSummary(
        calls=int(keep.sum()),
        first_within={float(t): _share(resp_f, t) for t in first_thresholds_s},
        second_within={float(t): _share(resp2, t) for t in second_thresholds_s},
        first_mean_s=float(np.mean(resp[served])) if served.any() else float("nan"),
        first_p90_s=float(np.quantile(resp[served], 0.9)) if served.any() else float("nan"),
        not_nearest_share=float(cross.mean()) if len(cross) else float("nan"),
        queued_share=float(np.mean(run.wait_s[first][served] > 0)) if served.any() else float("nan"),
        unreached_share=float(np.mean(~served)) if len(first) else float("nan"),
        utilisation=run.busy_s / run.period_s,
        no_free_share=run.no_free_s / run.period_s,
        static_first_within={float(t): _share(static, t) for t in first_thresholds_s})


def confidence_interval(values: Iterable[float], *, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and Student-t interval of replication results (one value: the interval is that value).

    Parameters
    ----------
    values
        One result per replication.
    level
        The interval's confidence (0.95).
    """
    from scipy import stats

    x = np.asarray([v for v in values if np.isfinite(v)], dtype=float)
    if len(x) == 0:
        return float("nan"), float("nan"), float("nan")
    mean = float(x.mean())
    if len(x) == 1:
        return mean, mean, mean
    half = float(stats.t.ppf(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x)))
    return mean, mean - half, mean + half


def erlang_c(servers: int, offered_load: float) -> float:
    """Probability that a call waits in an M/M/c queue (Erlang C), ``offered_load`` = arrival rate x mean service.

    Parameters
    ----------
    servers
        How many servers (vehicles).
    offered_load
        Arrival rate x mean service time.

    Examples
    --------
    >>> round(erlang_c(2, 1.0), 4)
    0.3333
    """
    c, a = int(servers), float(offered_load)
    if c < 1 or a < 0:
        raise AnalysisError("erlang_c needs at least one server and a non-negative load")
    if a >= c:
        return 1.0
    b = 1.0                                    # Erlang B by the stable recursion, then C from B
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return float(c * b / (c - a * (1 - b)))
