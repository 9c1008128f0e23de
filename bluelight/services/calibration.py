"""``bluelight calibrate``: fit a profile to real attendance times, or measure a profile's error."""

from __future__ import annotations

from pathlib import Path

import yaml

from bluelight.analysis.calibration import evaluate_models, fit_profile
from bluelight.analysis.speeds import SpeedProfile, load_profile
from bluelight.config import latest_profile_name, write_profile
from bluelight.services.calibration_inputs import observations_from_file
from bluelight.services.inputs import read_network
from bluelight.etl.loading import sha256_file

#: turnout of the two baselines, from the uncalibrated profile (FIRE1001 London wholetime mean)
BASELINE_TURNOUT_S = 61.0


def _profiles(profile: str | None, profile_dir: Path | None) -> tuple[SpeedProfile, Path | None]:
    directory = Path(profile_dir) if profile_dir else None
    return load_profile(profile, directory=directory), directory


def run_fit(con, path: Path, *, base: str | None, folds: int, profile_dir: Path | None) -> dict:
    base_profile, directory = _profiles(base, profile_dir)
    net, _ = read_network(con, base_profile)
    obs, counts = observations_from_file(con, net, path)
    version = int(latest_profile_name(base_profile.name, directory=directory).rsplit("_v", 1)[1]) + 1
    note = f"{Path(path).name}, sha256 {sha256_file(Path(path))[:12]}"
    fit = fit_profile(net, obs, base_profile, folds=folds, name=base_profile.name, version=version, source_note=note)
    reports = evaluate_models(net, obs, fit.profile, fixed_turnout_s=BASELINE_TURNOUT_S)
    doc = fit.profile.to_dict()
    doc["calibration"] = {"file": Path(path).name, "sha256": sha256_file(Path(path)), "observations": counts,
                          "cv_folds": fit.cv_folds, "cv_mae_s": round(fit.cv_mae_s, 1),
                          "in_sample": [{k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.as_dict().items()}
                                        for r in reports]}
    out = write_profile(f"{fit.profile.name}_v{fit.profile.version}",
                        "# Written by `bluelight calibrate --fit`; edit with care: results record this version.\n"
                        + yaml.safe_dump(doc, sort_keys=False), directory=directory)
    return {"file": str(path), "observations": counts, "base_profile": base_profile.key,
            "fitted_profile": fit.profile.key, "written_to": str(out), "turnout_s": fit.turnout_s,
            "speeds_kph": fit.speeds_kph, "cv_folds": fit.cv_folds, "cv_mae_s": fit.cv_mae_s,
            "iterations": fit.iterations, "variability": {"log_mean": fit.variability.log_mean,
                                                          "log_sd": fit.variability.log_sd},
            "in_sample": [r.as_dict() for r in reports]}


def run_evaluate(con, path: Path, *, profile: str | None, profile_dir: Path | None) -> dict:
    prof, _ = _profiles(profile, profile_dir)
    net, _ = read_network(con, prof)
    obs, counts = observations_from_file(con, net, path)
    reports = evaluate_models(net, obs, prof, fixed_turnout_s=BASELINE_TURNOUT_S)
    return {"file": str(path), "observations": counts, "profile": prof.key,
            "models": [r.as_dict() for r in reports]}
