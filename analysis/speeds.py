"""Blue-light speed profiles: road speeds by class and limit, and turnout by duty system.

A profile is a versioned YAML document; every travel time records the
profile that produced it, so two results can always be told apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import numpy as np
import yaml

from bluelight.errors import ConfigError

PROFILE_DIR = Path(__file__).resolve().parent.parent / "config" / "speed_profiles"


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
    calibration: Mapping | None = None

    @property
    def key(self) -> str:
        """Identifier recorded with every result: ``name@version``."""
        return f"{self.name}@{self.version}"

    def to_dict(self) -> dict:
        return {
            "name": self.name, "version": self.version, "description": self.description,
            "sources": dict(self.sources), "emergency_factor": self.emergency_factor,
            "use_maxspeed": self.use_maxspeed, "maxspeed_factor": self.maxspeed_factor,
            "min_kph": self.min_kph, "max_kph": self.max_kph, "highway_kph": dict(self.highway_kph),
            "turnout_s": dict(self.turnout_s), "day_hours": list(self.day_hours),
            **({"variability": dict(self.variability)} if self.variability else {}),
            **({"calibration": dict(self.calibration)} if self.calibration else {}),
        }


def _validate_profile(doc: dict, origin: str) -> None:
    for key in ("name", "version", "highway_kph", "turnout_s"):
        if key not in doc:
            msg = f"speed profile {origin}: missing '{key}'"
            raise ConfigError(msg)
    for table in ("highway_kph", "turnout_s"):
        for k, v in doc[table].items():
            if not isinstance(v, (int, float)) or v < 0 or (table == "highway_kph" and v == 0):
                msg = f"speed profile {origin}: {table}.{k} must be a positive number, got {v!r}"
                raise ConfigError(msg)
    if "default" not in doc["highway_kph"]:
        msg = f"speed profile {origin}: highway_kph needs a 'default' speed"
        raise ConfigError(msg)


def profile_from_dict(doc: dict, *, origin: str = "<dict>") -> SpeedProfile:
    _validate_profile(doc, origin)
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
    )


def _variability(value, origin: str) -> dict | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not {"log_mean", "log_sd"} <= set(value) or float(value["log_sd"]) < 0:
        msg = f"speed profile {origin}: variability needs log_mean and a non-negative log_sd"
        raise ConfigError(msg)
    out = {"log_mean": float(value["log_mean"]), "log_sd": float(value["log_sd"])}
    q = value.get("log_quantiles")
    if q is not None:
        q = [float(v) for v in q]
        if len(q) < 2 or any(b < a for a, b in zip(q, q[1:])):
            msg = f"speed profile {origin}: variability.log_quantiles must be at least two increasing values"
            raise ConfigError(msg)
        out["log_quantiles"] = q
    return out


def latest_profile_name(name: str = "bluelight", *, directory: Path = PROFILE_DIR) -> str:
    """The highest version of a profile family in ``directory`` (``bluelight_v2`` after a calibration)."""
    versions = []
    for p in directory.glob(f"{name}_v*.yaml"):
        suffix = p.stem.removeprefix(f"{name}_v")
        if suffix.isdigit():
            versions.append(int(suffix))
    if not versions:
        raise ConfigError(f"no {name}_v*.yaml speed profile in {directory}")
    return f"{name}_v{max(versions)}"


def load_profile(name_or_path: str | Path | None = None, *, directory: Path = PROFILE_DIR) -> SpeedProfile:
    """Load a profile by file path, or by name from the profile directory (default: the latest version)."""
    if name_or_path is None:
        name_or_path = latest_profile_name(directory=directory)
    path = Path(name_or_path)
    if not path.suffix:
        path = directory / f"{name_or_path}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in directory.glob("*.yaml"))
        msg = f"speed profile {name_or_path!r} not found; known profiles: {known}"
        raise ConfigError(msg)
    try:
        doc = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        msg = f"speed profile {path}: not valid YAML: {exc}"
        raise ConfigError(msg) from exc
    if not isinstance(doc, dict):
        msg = f"speed profile {path}: expected a mapping"
        raise ConfigError(msg)
    return profile_from_dict(doc, origin=str(path))


def edge_speeds_kph(highway, maxspeed_kph, profile: SpeedProfile) -> np.ndarray:
    """Blue-light speed of each edge: its class's typical speed, capped by the tagged limit.

    The tagged limit (NaN where untagged) is scaled by ``maxspeed_factor``
    because emergency vehicles may exceed limits; the class speed stands for
    traffic, which the limit alone does not.
    """
    highway = np.asarray(highway, dtype=object)
    maxspeed = np.asarray(maxspeed_kph, dtype=float)
    default = profile.highway_kph["default"]
    by_class = np.array([profile.highway_kph.get(str(h), default) for h in highway], dtype=float)
    speed = by_class
    if profile.use_maxspeed:
        tagged = np.isfinite(maxspeed) & (maxspeed > 0)
        speed = np.where(tagged, np.minimum(by_class, maxspeed * profile.maxspeed_factor), by_class)
    speed = speed * profile.emergency_factor
    return np.clip(speed, profile.min_kph, profile.max_kph)


def edge_travel_times_s(length_m, highway, maxspeed_kph, profile: SpeedProfile) -> np.ndarray:
    """Drive time of each edge in seconds."""
    return np.asarray(length_m, dtype=float) / (edge_speeds_kph(highway, maxspeed_kph, profile) / 3.6)


def turnout_s(duty_system: str | None, profile: SpeedProfile, *, hour: int | None = None, standby: bool = False) -> float:
    """Turnout / activation time for a site's duty system (day-crewed depends on the hour)."""
    t = profile.turnout_s
    if duty_system == "day_crewed":
        lo, hi = profile.day_hours
        day = hour is None or lo <= hour < hi
        return t.get("day_crewed_day" if day else "day_crewed_night", t["default"])
    if duty_system == "ambulance" and standby:
        return t.get("ambulance_standby", t.get("ambulance", t["default"]))
    return t.get(duty_system or "default", t["default"])
