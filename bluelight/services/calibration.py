"""``bluelight calibrate``: fit a profile to real attendance times, or measure a profile's error."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bluelight.analysis.calibration import evaluate_models, fit_profile
from bluelight.analysis.speeds import SpeedProfile, load_profile
from bluelight.etl.loading import sha256_file
from bluelight.foundation.config_files import latest_profile_name, profile_document, write_profile
from bluelight.services.calibration_inputs import observations_from_file
from bluelight.services.inputs import Connection, read_road_network
from bluelight.services.results import Result

#: turnout of the two baselines, from the uncalibrated profile (FIRE1001 London wholetime mean)
BASELINE_TURNOUT_S = 61.0


def _rounded(value: Any) -> Any:
    """Figures to four places for the profile document (lists and mappings throughout)."""
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def _profiles(profile: str | None, profile_dir: Path | None) -> tuple[SpeedProfile, Path | None]:
    directory = Path(profile_dir) if profile_dir else None
    return load_profile(profile, directory=directory), directory


@dataclass(frozen=True)
class CalibrationFit(Result):
    """A speed profile fitted to attendance times, written as the next version, with its cross-validated error."""

    file: str
    observations: dict[str, Any]
    base_profile: str
    fitted_profile: str
    written_to: str
    turnout_s: float
    speeds_kph: dict[str, float]
    junction_delay_s: dict[str, float]
    turn_penalty_s: dict[str, float]
    #: turnout and drive factor per traffic period (JSON: ``hour_bands``, its name when first published)
    traffic_periods: dict[str, Any] = field(metadata={"key": "hour_bands"})
    cv_folds: int
    cv_grouping: str
    cv_mae_s: float
    pace_penalty: float
    cv_mae_s_by_penalty: dict[str, float]
    cross_validated: dict[str, Any] | None
    iterations: int
    variability: dict[str, float]
    in_sample: list[dict[str, Any]]


@dataclass(frozen=True)
class CalibrationCheck(Result):
    """A profile's error on attendance times beside two baselines (osmnx speeds, a straight line)."""

    file: str
    observations: dict[str, Any]
    profile: str
    models: list[dict[str, Any]]


def run_fit(con: Connection, path: Path, *, base: str | None, folds: int, profile_dir: Path | None) -> CalibrationFit:
    """Fit a new version of a speed profile to incidents' recorded attendance times, and write it.

    Parameters
    ----------
    con
        An open warehouse connection.
    path
        Incidents with recorded attendance times (LFB schema).
    base
        The profile the fit starts from (default: the shipped one).
    folds
        Cross-validation folds for the error measured out of sample.
    profile_dir
        Where the fitted profile is written (default: the user's profile folder).
    """
    base_profile, directory = _profiles(base, profile_dir)
    net = read_road_network(con, base_profile)
    obs, counts = observations_from_file(con, net, path)
    version = int(latest_profile_name(base_profile.name, directory=directory).rsplit("_v", 1)[1]) + 1
    note = f"{Path(path).name}, sha256 {sha256_file(Path(path))[:12]}"
    fit = fit_profile(net, obs, base_profile, folds=folds, name=base_profile.name, version=version, source_note=note)
    reports = evaluate_models(net, obs, fit.profile, fixed_turnout_s=BASELINE_TURNOUT_S)
    doc = fit.profile.to_dict()
    cv = fit.cross_validated.as_dict() if fit.cross_validated else None
    doc["calibration"] = {"file": Path(path).name, "sha256": sha256_file(Path(path)), "observations": counts,
                          "cv_folds": fit.cv_folds, "cv_grouping": fit.cv_grouping, "cv_mae_s": round(fit.cv_mae_s, 1),
                          "cross_validated": _rounded(cv),
                          "in_sample": [_rounded(r.as_dict()) for r in reports]}
    area = profile_document(base, directory=directory)[0].get("applies_to")
    if area:                                   # the fit holds where its base did (the area of its incidents)
        doc["applies_to"] = area
    out = write_profile(f"{fit.profile.name}_v{fit.profile.version}",
                        "# Written by `bluelight calibrate --fit`; edit with care: results record this version.\n"
                        + yaml.safe_dump(doc, sort_keys=False), directory=directory)
    return CalibrationFit.of({"file": str(path), "observations": counts, "base_profile": base_profile.key,
            "fitted_profile": fit.profile.key, "written_to": str(out), "turnout_s": fit.turnout_s,
            "speeds_kph": fit.speeds_kph, "junction_delay_s": fit.junction_delay_s, "turn_penalty_s": fit.turn_penalty_s,
            "traffic_periods": fit.traffic_periods,
            "cv_folds": fit.cv_folds, "cv_grouping": fit.cv_grouping, "cv_mae_s": fit.cv_mae_s,
            "pace_penalty": fit.pace_penalty, "cv_mae_s_by_penalty": {str(k): v for k, v in fit.penalties_tried.items()},
            "cross_validated": cv,
            "iterations": fit.iterations, "variability": {"log_mean": fit.variability.log_mean,
                                                          "log_sd": fit.variability.log_sd},
            "in_sample": [r.as_dict() for r in reports]})


def run_evaluate(con: Connection, path: Path, *, profile: str | None, profile_dir: Path | None) -> CalibrationCheck:
    """A profile's error against incidents' recorded attendance times, beside simpler models'.

    Parameters
    ----------
    con
        An open warehouse connection.
    path
        Incidents with recorded attendance times (LFB schema).
    profile
        The profile evaluated (default: the latest fitted).
    profile_dir
        Where profiles are read from (default: the user's profile folder).
    """
    prof, _ = _profiles(profile, profile_dir)
    net = read_road_network(con, prof)
    obs, counts = observations_from_file(con, net, path)
    reports = evaluate_models(net, obs, prof, fixed_turnout_s=BASELINE_TURNOUT_S)
    return CalibrationCheck.of({"file": str(path), "observations": counts, "profile": prof.key,
            "models": [r.as_dict() for r in reports]})
