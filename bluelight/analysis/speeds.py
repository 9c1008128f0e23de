"""Blue-light speed profiles: road speeds by class and limit, and turnout by duty system.

A profile is a versioned YAML document; every travel time records the
profile that produced it, so two results can always be told apart.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from bluelight.foundation.config_files import profile_document, renamed
from bluelight.foundation.errors import ConfigError

#: node kinds that may carry a delay (see :func:`bluelight.analysis.network.node_kinds`)
JUNCTION_KINDS = ("traffic_signals", "crossing", "give_way", "stop", "junction")
#: turns penalised on the edge-based network (see :mod:`bluelight.analysis.turns`); straight on is free
TURN_KINDS = ("turn_left", "turn_right", "u_turn")
#: traffic periods of the travel model: night, weekday peaks, and the rest (a profile may be fitted for each)
TRAFFIC_PERIODS = ("night", "peak", "off_peak")
#: what profiles written before the rename called ``traffic_periods`` (still read; never written)
LEGACY_PERIODS_KEY = "hour_bands"
NIGHT_HOURS = (22, 7)                   # from 22:00 to 06:59
PEAK_HOURS = ((7, 10), (16, 19))        # weekdays, 07:00-09:59 and 16:00-18:59


def traffic_period(hour: ArrayLike, weekday: ArrayLike) -> np.ndarray:
    """The traffic period of each call: night (22:00-06:59), peak (weekdays 07-10 and 16-19) or off_peak.

    ``weekday``: 0 Monday to 6 Sunday. Unknown hours give "".

    Parameters
    ----------
    hour
        Hour of day of each call (0-23).
    weekday
        Day of the week of each call (0 Monday).

    Examples
    --------
    >>> traffic_period([3, 8, 8, 12, 17], [2, 1, 6, 1, 4]).tolist()
    ['night', 'peak', 'off_peak', 'off_peak', 'peak']
    """
    h = np.asarray(hour, dtype=float)
    d = np.asarray(weekday, dtype=float)
    night = (h >= NIGHT_HOURS[0]) | (h < NIGHT_HOURS[1])
    peak = (d < 5) & np.logical_or.reduce([(h >= a) & (h < b) for a, b in PEAK_HOURS])
    out = np.where(night, "night", np.where(peak, "peak", "off_peak")).astype(object)
    out[~np.isfinite(h) | ~np.isfinite(d)] = ""
    return out


def period_share(hours: Iterable[int], days: Iterable[int], period: str) -> float:
    """The share of the hours of the week given (``hours`` 0-23 x ``days`` 0-6) that fall in traffic period ``period``.

    Parameters
    ----------
    hours
        Hours of the day (0-23).
    days
        Days of the week (0 Monday to 6 Sunday).
    period
        The traffic period.

    Examples
    --------
    >>> period_share(range(6, 12), range(5), "peak")
    0.5
    """
    periods = _week_periods(hours, days)
    return float(np.mean(periods == period)) if len(periods) else 0.0


def _week_periods(hours: Iterable[int], days: Iterable[int]) -> np.ndarray:
    """The traffic period of each hour of the week given (every hour of ``hours`` on every day of ``days``)."""
    hh, dd = np.meshgrid(np.asarray(list(hours)), np.asarray(list(days)))
    return traffic_period(hh.ravel(), dd.ravel())


def prevailing_period(hours: Iterable[int], days: Iterable[int], fitted: Iterable[str]) -> tuple[str, float]:
    """The fitted traffic period covering at least half the hours of the week given (``hours`` 0-23 x ``days`` 0-6),
    and its share of them; ("all", 1.0) when no period covers half, or nothing was fitted by period.

    A plan for the small hours is then timed at night speeds and turnout, a weekday morning's at the peak's.

    Parameters
    ----------
    hours
        Hours of the day (0-23).
    days
        Days of the week (0 Monday to 6 Sunday).
    fitted
        The traffic periods the profile was fitted for.

    Examples
    --------
    >>> prevailing_period(range(0, 6), range(7), ["night", "peak", "off_peak"])
    ('night', 1.0)
    >>> prevailing_period(range(6, 12), range(5), ["night", "peak", "off_peak"])
    ('peak', 0.5)
    >>> prevailing_period(range(24), range(5), ["night", "peak", "off_peak"])
    ('all', 1.0)
    >>> prevailing_period(range(0, 6), range(7), [])
    ('all', 1.0)
    """
    periods = _week_periods(hours, days)
    if not len(periods) or not fitted:
        return "all", 1.0
    names, counts = np.unique(periods, return_counts=True)
    best = int(np.argmax(counts))
    if names[best] not in set(fitted) or counts[best] < len(periods) / 2:
        return "all", 1.0
    return str(names[best]), float(counts[best] / len(periods))


@dataclass(frozen=True)
class SpeedProfile:
    """Speeds and turnout times used to turn a road network into response times."""

    name: str
    version: int
    highway_kph: Mapping[str, float]
    turnout_s: Mapping[str, float]
    emergency_factor: float = 1.0
    use_maxspeed: bool = True
    maxspeed_factor: float = 1.0
    min_kph: float = 8.0
    max_kph: float = 112.0
    day_hours: tuple[int, int] = (7, 19)
    description: str = ""
    sources: Mapping[str, str] = field(default_factory=dict)
    #: spread of actual around modelled response: log(actual/model) ~ N(log_mean, log_sd); None if not fitted
    variability: Mapping[str, float] | None = None
    #: how the profile was fitted and its measured error (written by calibration)
    calibration: Mapping[str, Any] | None = None
    #: speeds by class outside built-up areas (None: one speed per class everywhere)
    rural_highway_kph: Mapping[str, float] | None = None
    #: a road is rural when fewer than ``rural_max_nodes`` junctions lie within ``rural_radius_m`` of its middle,
    #: unless its tagged limit says otherwise (``urban_max_limit_kph`` or less: urban; more: rural)
    rural_radius_m: float = 500.0
    rural_max_nodes: int = 12
    urban_max_limit_kph: float = 65.0
    #: delay (s) on entering a node, by kind: traffic_signals, crossing, give_way, stop, junction (untagged, 3+ ways)
    junction_delay_s: Mapping[str, float] | None = None
    #: per traffic period (see :func:`traffic_period`): turnout_s and drive_factor (drive time relative to all hours)
    traffic_periods: Mapping[str, Mapping[str, float]] | None = None
    #: turnout offset (s) of particular stations (site id) from their duty system's, fitted where calls show it
    station_turnout_s: Mapping[str, float] | None = None
    #: penalty (s) of each turn (TURN_KINDS) made at a junction; any positive one routes on the edge-based network
    turn_penalty_s: Mapping[str, float] | None = None
    #: the traffic period this profile's times are for (None: all hours; see :func:`period_profile`)
    period: str | None = None

    @property
    def turns(self) -> dict[str, float]:
        """The positive turn penalties (empty: routes pay no turn, and the node engine serves)."""
        return {k: float(v) for k, v in (self.turn_penalty_s or {}).items() if v > 0}

    @property
    def key(self) -> str:
        """Identifier recorded with every result: ``name@version``, and ``/period`` for one traffic period's times."""
        return f"{self.name}@{self.version}" + (f"/{self.period}" if self.period else "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "version": self.version, "description": self.description,
            "sources": dict(self.sources), "emergency_factor": self.emergency_factor,
            "use_maxspeed": self.use_maxspeed, "maxspeed_factor": self.maxspeed_factor,
            "min_kph": self.min_kph, "max_kph": self.max_kph, "highway_kph": dict(self.highway_kph),
            "turnout_s": dict(self.turnout_s), "day_hours": list(self.day_hours),
            **({"variability": dict(self.variability)} if self.variability else {}),
            **({"calibration": dict(self.calibration)} if self.calibration else {}),
            **({"rural_highway_kph": dict(self.rural_highway_kph), "rural_radius_m": self.rural_radius_m,
                "rural_max_nodes": self.rural_max_nodes, "urban_max_limit_kph": self.urban_max_limit_kph}
               if self.rural_highway_kph else {}),
            **({"junction_delay_s": dict(self.junction_delay_s)} if self.junction_delay_s else {}),
            **({"traffic_periods": {k: dict(v) for k, v in self.traffic_periods.items()}}
               if self.traffic_periods else {}),
            **({"station_turnout_s": dict(self.station_turnout_s)} if self.station_turnout_s else {}),
            **({"turn_penalty_s": dict(self.turn_penalty_s)} if self.turn_penalty_s else {}),
        }


def _validate_profile(doc: dict[str, Any], origin: str) -> None:
    for key in ("name", "version", "highway_kph", "turnout_s"):
        if key not in doc:
            msg = f"speed profile {origin}: missing '{key}'"
            raise ConfigError(msg)
    for table in ("highway_kph", "turnout_s", "rural_highway_kph", "junction_delay_s", "turn_penalty_s"):
        for k, v in (doc.get(table) or {}).items():
            if not isinstance(v, (int, float)) or v < 0 or (table == "highway_kph" and v == 0):
                msg = f"speed profile {origin}: {table}.{k} must be a positive number, got {v!r}"
                raise ConfigError(msg)
    bad = set(doc.get("junction_delay_s") or {}) - set(JUNCTION_KINDS)
    if bad:
        msg = f"speed profile {origin}: junction_delay_s keys must be among {list(JUNCTION_KINDS)}, got {sorted(bad)}"
        raise ConfigError(msg)
    bad = set(doc.get("turn_penalty_s") or {}) - set(TURN_KINDS)
    if bad:
        msg = f"speed profile {origin}: turn_penalty_s keys must be among {list(TURN_KINDS)}, got {sorted(bad)}"
        raise ConfigError(msg)
    for period, values in (_periods_of(doc, origin) or {}).items():
        if period not in TRAFFIC_PERIODS or not isinstance(values, dict) \
                or not {"turnout_s", "drive_factor"} <= set(values) \
                or not all(isinstance(values[k], (int, float)) and values[k] > 0 for k in ("turnout_s", "drive_factor")):
            msg = (f"speed profile {origin}: traffic_periods.{period} must be one of {list(TRAFFIC_PERIODS)} with a "
                   "positive turnout_s and drive_factor")
            raise ConfigError(msg)
    for k, v in (doc.get("station_turnout_s") or {}).items():
        if not isinstance(v, (int, float)) or not abs(v) < 600:
            msg = f"speed profile {origin}: station_turnout_s.{k} must be a number of seconds, got {v!r}"
            raise ConfigError(msg)
    if "default" not in doc["highway_kph"]:
        msg = f"speed profile {origin}: highway_kph needs a 'default' speed"
        raise ConfigError(msg)


def profile_from_dict(doc: dict[str, Any], *, origin: str = "<dict>") -> SpeedProfile:
    """A validated profile from a mapping (a parsed YAML document); ``origin`` names it in messages.

    Parameters
    ----------
    doc
        The parsed YAML document.
    origin
        What names it in messages (its file).

    Examples
    --------
    >>> profile_from_dict({"name": "flat", "version": 1, "highway_kph": {"default": 36}, "turnout_s": {"default": 60}}).key
    'flat@1'
    """
    _validate_profile(doc, origin)
    periods = _periods_of(doc, origin)
    return SpeedProfile(
        name=str(doc["name"]), version=int(doc["version"]),
        highway_kph={k: float(v) for k, v in doc["highway_kph"].items()},
        turnout_s={k: float(v) for k, v in doc["turnout_s"].items()},
        emergency_factor=float(doc.get("emergency_factor", 1.0)),
        use_maxspeed=bool(doc.get("use_maxspeed", True)),
        maxspeed_factor=float(doc.get("maxspeed_factor", 1.0)),
        min_kph=float(doc.get("min_kph", 8.0)), max_kph=float(doc.get("max_kph", 112.0)),
        day_hours=tuple(doc.get("day_hours", (7, 19))), description=str(doc.get("description", "")),
        sources=dict(doc.get("sources", {})),
        variability=_variability(doc.get("variability"), origin),
        calibration=doc.get("calibration"),
        rural_highway_kph={k: float(v) for k, v in doc["rural_highway_kph"].items()}
        if doc.get("rural_highway_kph") else None,
        rural_radius_m=float(doc.get("rural_radius_m", 500.0)), rural_max_nodes=int(doc.get("rural_max_nodes", 12)),
        urban_max_limit_kph=float(doc.get("urban_max_limit_kph", 65.0)),
        junction_delay_s={k: float(v) for k, v in doc["junction_delay_s"].items()}
        if doc.get("junction_delay_s") else None,
        traffic_periods={b: {k: float(x) for k, x in v.items()} for b, v in periods.items()} if periods else None,
        station_turnout_s={str(k): float(v) for k, v in doc["station_turnout_s"].items()}
        if doc.get("station_turnout_s") else None,
        turn_penalty_s={k: float(v) for k, v in doc["turn_penalty_s"].items()} if doc.get("turn_penalty_s") else None,
    )


def _periods_of(doc: dict[str, Any], origin: str) -> Any:
    """The profile's figures by traffic period (profiles written before the rename say ``hour_bands``: read as
    they are, written back under the new name)."""
    return renamed(doc, "traffic_periods", LEGACY_PERIODS_KEY, origin=f"speed profile {origin}")


def _variability(value: object, origin: str) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not {"log_mean", "log_sd"} <= set(value) or float(value["log_sd"]) < 0:
        msg = f"speed profile {origin}: variability needs log_mean and a non-negative log_sd"
        raise ConfigError(msg)
    out: dict[str, Any] = {"log_mean": float(value["log_mean"]), "log_sd": float(value["log_sd"])}
    q = value.get("log_quantiles")
    if q is not None:
        q = [float(v) for v in q]
        if len(q) < 2 or any(b < a for a, b in zip(q, q[1:])):
            msg = f"speed profile {origin}: variability.log_quantiles must be at least two increasing values"
            raise ConfigError(msg)
        out["log_quantiles"] = q
    by = value.get("by_modelled_time")
    if by is not None:
        edges, quantiles = (by.get("edges_s"), by.get("log_quantiles")) if isinstance(by, dict) else (None, None)
        if (not isinstance(edges, list) or not isinstance(quantiles, list) or len(quantiles) != len(edges) + 1
                or any(b <= a for a, b in zip(edges, edges[1:]))
                or any(len(q) < 2 or any(y < x for x, y in zip(q, q[1:])) for q in quantiles)):
            msg = (f"speed profile {origin}: variability.by_modelled_time needs increasing edges_s and one "
                   "increasing list of log_quantiles per band (one more than the edges)")
            raise ConfigError(msg)
        out["by_modelled_time"] = {"edges_s": [float(e) for e in edges],
                                   "log_quantiles": [[float(v) for v in q] for q in quantiles]}
    return out


def load_profile(name_or_path: str | Path | None = None, *, directory: Path | None = None) -> SpeedProfile:
    """A profile by name (default: the latest ``bluelight`` version) or by file path.

    Profiles are shipped with the package and may be added or overridden in
    the user's configuration directory (see :mod:`bluelight.foundation.config_files`);
    ``directory`` reads one directory of profiles instead.

    Parameters
    ----------
    name_or_path
        A profile's name (``bluelight_v1``), a file, or None for the latest.
    directory
        A directory of profiles to read instead of the shipped and user ones.

    Examples
    --------
    >>> load_profile("bluelight_v1").key
    'bluelight@1'
    """
    doc, origin = profile_document(name_or_path, directory=directory)
    return profile_from_dict(doc, origin=origin)


def edge_speeds_kph(highway: ArrayLike, maxspeed_kph: ArrayLike, profile: SpeedProfile, *,
                    rural: ArrayLike | None = None) -> np.ndarray:
    """Blue-light speed of each edge: its class's typical speed, capped by the tagged limit.

    The tagged limit (NaN where untagged) is scaled by ``maxspeed_factor``
    because emergency vehicles may exceed limits; the class speed stands for
    traffic, which the limit alone does not.

    Parameters
    ----------
    highway
        Each edge's road class.
    maxspeed_kph
        Its tagged limit (NaN where untagged).
    profile
        The speed profile.
    rural
        Which edges are rural (or None: none).
    """
    highway = np.asarray(highway, dtype=object)
    maxspeed = np.asarray(maxspeed_kph, dtype=float)
    default = profile.highway_kph["default"]
    codes, classes = pd.factorize(pd.Series(highway, dtype=object).map(str))      # each class looked up once
    by_class = np.array([profile.highway_kph.get(c, default) for c in classes], dtype=float)[codes]
    if rural is not None and profile.rural_highway_kph:
        r = profile.rural_highway_kph
        rural_class = np.array([r.get(c, np.nan) for c in classes], dtype=float)[codes]
        rural_speed = np.where(np.isnan(rural_class), r.get("default", np.nan), rural_class)
        rural_speed = np.where(np.isnan(rural_speed), by_class, rural_speed)
        by_class = np.where(np.asarray(rural, dtype=bool), rural_speed, by_class)
    speed = by_class
    if profile.use_maxspeed:
        tagged = np.isfinite(maxspeed) & (maxspeed > 0)
        speed = np.where(tagged, np.minimum(by_class, maxspeed * profile.maxspeed_factor), by_class)
    speed = speed * profile.emergency_factor
    return np.clip(speed, profile.min_kph, profile.max_kph)


def edge_travel_times_s(length_m: ArrayLike, highway: ArrayLike, maxspeed_kph: ArrayLike,
                        profile: SpeedProfile) -> np.ndarray:
    """Drive time of each edge in seconds.

    Parameters
    ----------
    length_m
        Each edge's length.
    highway
        Its road class.
    maxspeed_kph
        Its tagged limit (NaN where untagged).
    profile
        The speed profile.
    """
    return np.asarray(length_m, dtype=float) / (edge_speeds_kph(highway, maxspeed_kph, profile) / 3.6)


def turnout_s(duty_system: str | None, profile: SpeedProfile, *, hour: int | None = None,
              standby: bool = False) -> float:
    """Turnout / activation time for a site's duty system (day-crewed depends on the hour).

    Parameters
    ----------
    duty_system
        The site's duty system (wholetime, day_crewed, on_call, ambulance ...).
    profile
        The speed profile (its turnouts).
    hour
        The hour of day (day-crewed stations).
    standby
        A vehicle on standby at a post, already crewed.

    Examples
    --------
    >>> p = load_profile("bluelight_v1")
    >>> turnout_s("wholetime", p) == p.turnout_s["wholetime"], turnout_s("day_crewed", p, hour=3) == p.turnout_s["day_crewed_night"]
    (True, True)
    """
    t = profile.turnout_s
    if duty_system == "day_crewed":
        lo, hi = profile.day_hours
        day = hour is None or lo <= hour < hi
        return t.get("day_crewed_day" if day else "day_crewed_night", t["default"])
    if duty_system == "ambulance" and standby:
        return t.get("ambulance_standby", t.get("ambulance", t["default"]))
    return t.get(duty_system or "default", t["default"])


def parse_maxspeed_kph(value: object) -> float:
    """Tagged speed limit in km/h: '30 mph', '50', ['20 mph', '30 mph'] (lowest), else NaN.

    Parameters
    ----------
    value
        The ``maxspeed`` tag (a string, a number or a list of them).
    """
    if value is None:
        return float("nan")
    if isinstance(value, (list, tuple)):
        speeds = [parse_maxspeed_kph(v) for v in value]
        speeds = [s for s in speeds if s == s]
        return min(speeds) if speeds else float("nan")
    text = str(value).strip().lower()
    if text.startswith("["):
        return parse_maxspeed_kph(re.findall(r"[^\[\]'\",]+", text))
    if text in {"walk", "none", "signals", "variable", ""}:
        return float("nan")
    if text.startswith("gb:nsl_single"):
        return 60 * 1.609344
    if text.startswith("gb:nsl_dual") or text.startswith("gb:motorway"):
        return 70 * 1.609344
    if text.startswith("gb:nsl_restricted") or text == "gb:urban":
        return 30 * 1.609344
    m = re.match(r"^(\d+(?:\.\d+)?)\s*(mph|km/h|kmh|kph)?", text)
    if not m:
        return float("nan")
    num = float(m.group(1))
    return num * 1.609344 if m.group(2) == "mph" else num


#: the traffic-period choices a command or page offers: all hours (the profile as fitted) or one period
PERIOD_CHOICES = ("all", *TRAFFIC_PERIODS)
#: turnout entries that follow the wholetime crew's (the others are duty systems with their own figures)
_CREWED = {"wholetime", "day_crewed_day", "default", "flexi"}


def period_profile(profile: SpeedProfile, period: str | None) -> SpeedProfile:
    """The profile's times for one traffic period: drives scaled by the period's factor, the crewed turnouts
    moved by the period's turnout less the all-hours one; ``period`` None or "all" gives the profile itself.

    Parameters
    ----------
    profile
        The all-hours profile.
    period
        The traffic period (night, peak, off_peak), or None or "all".

    Examples
    --------
    >>> p = profile_from_dict({"name": "p", "version": 1, "highway_kph": {"default": 30.0},
    ...                        "turnout_s": {"wholetime": 100.0, "default": 100.0, "ambulance": 30.0},
    ...                        "traffic_periods": {"night": {"turnout_s": 130.0, "drive_factor": 0.8}}})
    >>> n = period_profile(p, "night")
    >>> n.key, n.highway_kph["default"], n.turnout_s["wholetime"], n.turnout_s["ambulance"]
    ('p@1/night', 37.5, 130.0, 30.0)
    """
    if period in (None, "all"):
        return profile
    periods = profile.traffic_periods or {}
    if period not in periods:
        msg = (f"speed profile {profile.key} has no traffic period {period!r}: "
               + (f"it has {', '.join(periods)}" if periods else
                  "it was not fitted by traffic period (use all hours)"))
        raise ConfigError(msg)
    factor, turnout = periods[period]["drive_factor"], periods[period]["turnout_s"]
    shift = turnout - profile.turnout_s.get("wholetime", profile.turnout_s["default"])
    doc = profile.to_dict()
    doc["highway_kph"] = {k: v / factor for k, v in profile.highway_kph.items()}
    if profile.rural_highway_kph:
        doc["rural_highway_kph"] = {k: v / factor for k, v in profile.rural_highway_kph.items()}
    if profile.junction_delay_s:
        doc["junction_delay_s"] = {k: v * factor for k, v in profile.junction_delay_s.items()}
    if profile.turn_penalty_s:
        doc["turn_penalty_s"] = {k: v * factor for k, v in profile.turn_penalty_s.items()}
    doc["turnout_s"] = {k: (max(0.0, v + shift) if k in _CREWED else v) for k, v in profile.turnout_s.items()}
    doc["max_kph"] = profile.max_kph / min(factor, 1.0)
    return replace(profile_from_dict(doc, origin=f"{profile.key} for {period}"), period=period)
