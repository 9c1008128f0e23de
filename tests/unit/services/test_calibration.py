"""services.calibration on the synthetic region: a fit recovers a known turnout and speed, is written as the next
version, and beats the straight line when evaluated; a file without attendance times is refused by name."""

import numpy as np
import pandas as pd
import pytest
import yaml

from bluelight.analysis.snapping import snap_points
from bluelight.analysis.speeds import load_profile
from bluelight.analysis.traveltime import nearest_site_field
from bluelight.etl.warehouse import connect
from bluelight.foundation.errors import AnalysisError
from bluelight.services.calibration import run_evaluate, run_fit
from bluelight.services.inputs import read_road_network

#: the base profile: one speed for every road (no tagged limits), a one-minute turnout
BASE = {"name": "flat", "version": 1, "description": "test base", "use_maxspeed": False,
        "highway_kph": {"default": 36.0}, "turnout_s": {"default": 60.0, "wholetime": 60.0}}
TRUE_TURNOUT_S, TRUE_SLOWDOWN = 100.0, 1.25          # the crews take 100 s to turn out and drive 25% slower


@pytest.fixture(scope="module")
def calls(synthetic_wh, tmp_path_factory):
    """Calls at road points, each answered by its quickest station, timed by the known truth (plus noise)."""
    folder = tmp_path_factory.mktemp("calibration")
    (folder / "profiles").mkdir()
    (folder / "profiles" / "flat_v1.yaml").write_text(yaml.safe_dump(BASE))
    base = load_profile("flat_v1", directory=folder / "profiles")
    con = connect(synthetic_wh, read_only=True)
    try:
        net = read_road_network(con, base)
        sites = con.execute("SELECT site_id, easting, northing FROM sites WHERE service = 'fire'").df()
    finally:
        con.close()
    snapped = snap_points(net, sites["easting"].to_numpy(), sites["northing"].to_numpy(), max_snap_m=250.0)
    drive_s, nearest = nearest_site_field(net, snapped.node)
    rng = np.random.default_rng(7)
    reach = np.flatnonzero(np.isfinite(drive_s) & (drive_s > 30))
    pick = rng.choice(reach, size=min(400, len(reach)), replace=False)
    when = pd.Timestamp("2023-01-02") + pd.to_timedelta(rng.integers(0, 365 * 24 * 60, len(pick)), unit="min")
    actual = TRUE_TURNOUT_S + TRUE_SLOWDOWN * drive_s[pick] + rng.normal(0, 5, len(pick))
    frame = pd.DataFrame({"incident_id": [f"C{i}" for i in range(len(pick))], "service": "fire",
                          "call_time": when.strftime("%Y-%m-%dT%H:%M:%S"), "category": "fire",
                          "easting": net.x_m[pick].round(1), "northing": net.y_m[pick].round(1),
                          "first_arrival_s": actual.round(), "site_id": sites["site_id"].to_numpy()[nearest[pick]]})
    path = folder / "calls.csv"
    frame.to_csv(path, index=False)
    return path, folder / "profiles", len(pick)


def test_a_fit_recovers_the_known_turnout_and_speed_and_is_written_as_the_next_version(synthetic_wh, calls):
    path, profiles, n = calls
    con = connect(synthetic_wh, read_only=True)
    try:
        fit = run_fit(con, path, base="flat_v1", folds=3, profile_dir=profiles)
    finally:
        con.close()
    assert fit.base_profile == "flat@1" and fit.fitted_profile == "flat@2"
    assert (profiles / "flat_v2.yaml").exists() and fit.observations["used"] >= 0.9 * n
    assert fit.turnout_s == pytest.approx(TRUE_TURNOUT_S, abs=15)
    written = load_profile("flat_v2", directory=profiles)
    assert written.highway_kph["default"] == pytest.approx(36.0 / TRUE_SLOWDOWN, rel=0.1)
    assert fit.cv_mae_s < 20                          # the noise is 5 s; the straight line is far off (below)
    doc = yaml.safe_load((profiles / "flat_v2.yaml").read_text())
    assert doc["calibration"]["file"] == "calls.csv" and len(doc["calibration"]["sha256"]) == 64
    assert set(fit.to_json()) >= {"hour_bands", "cross_validated", "in_sample"}      # the published keys


def test_an_evaluation_sets_the_profile_beside_the_two_baselines(synthetic_wh, calls):
    path, profiles, _ = calls
    con = connect(synthetic_wh, read_only=True)
    try:
        if not (profiles / "flat_v2.yaml").exists():
            run_fit(con, path, base="flat_v1", folds=3, profile_dir=profiles)
        check = run_evaluate(con, path, profile="flat_v2", profile_dir=profiles)
    finally:
        con.close()
    ours, _osmnx, line = check.models
    assert check.profile == "flat@2"
    assert ours["mae_s"] < 20 < line["mae_s"]
    assert [r["band"] for r in ours["by_hour_band"]] == ["night", "peak", "off_peak"]


def test_a_file_without_attendance_times_is_refused_by_name(synthetic_wh, calls, tmp_path):
    path, profiles, _ = calls
    bare = tmp_path / "no_times.csv"
    pd.read_csv(path).drop(columns=["first_arrival_s"]).to_csv(bare, index=False)
    con = connect(synthetic_wh, read_only=True)
    try:
        with pytest.raises(AnalysisError, match="no_times.csv: not an incident file with attendance times"):
            run_evaluate(con, bare, profile="flat_v1", profile_dir=profiles)
    finally:
        con.close()


def test_a_file_with_no_usable_incident_is_refused_not_measured_on_nothing(synthetic_wh, calls, tmp_path):
    path, profiles, _ = calls
    unknown = tmp_path / "unknown_stations.csv"
    pd.read_csv(path).assign(site_id="nowhere").to_csv(unknown, index=False)
    con = connect(synthetic_wh, read_only=True)
    try:
        with pytest.raises(AnalysisError, match=r"unknown_stations.csv: none of its \d+ incidents can be used "
                                                r"\(station unknown \d+\)"):
            run_evaluate(con, unknown, profile="flat_v1", profile_dir=profiles)
    finally:
        con.close()
