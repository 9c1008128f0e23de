import numpy as np
import pytest

from bluelight.analysis.speeds import edge_speeds_kph, edge_travel_times_s, load_profile, profile_from_dict, turnout_s
from bluelight.foundation.config_files import latest_profile_name
from bluelight.foundation.errors import ConfigError


def test_default_profile_is_cited_and_versioned():
    p = load_profile("bluelight_v1")
    assert p.key == "bluelight@1"
    assert {"highway_kph", "turnout_s", "maxspeed"} <= set(p.sources)


def test_default_is_the_latest_version(tmp_path):
    for v in (1, 3, 2):
        (tmp_path / f"fam_v{v}.yaml").write_text(
            f"name: fam\nversion: {v}\nhighway_kph: {{default: 30}}\nturnout_s: {{default: 60}}\n")
    assert latest_profile_name("fam", directory=tmp_path) == "fam_v3"
    with pytest.raises(ConfigError, match="no fam2_v"):
        latest_profile_name("fam2", directory=tmp_path)


def test_speeds_class_capped_by_limit():
    p = profile_from_dict({"name": "t", "version": 1, "highway_kph": {"primary": 40, "default": 20},
                           "turnout_s": {"default": 60}, "maxspeed_factor": 1.5})
    speeds = edge_speeds_kph(["primary", "primary", "unknown"], [np.nan, 20.0, np.nan], p)
    assert list(speeds) == [40, 30, 20]
    assert edge_travel_times_s([400], ["primary"], [np.nan], p)[0] == pytest.approx(36.0)


def test_turnout_by_duty_system():
    p = load_profile()
    assert turnout_s("wholetime", p) == p.turnout_s["wholetime"]
    assert turnout_s("day_crewed", p, hour=3) == p.turnout_s["day_crewed_night"]
    assert turnout_s("day_crewed", p, hour=12) == p.turnout_s["day_crewed_day"]
    assert turnout_s("ambulance", p, standby=True) == p.turnout_s["ambulance_standby"]
    assert turnout_s(None, p) == p.turnout_s["default"]


def test_bad_profiles():
    with pytest.raises(ConfigError, match="not found"):
        load_profile("nope")
    with pytest.raises(ConfigError, match="positive"):
        profile_from_dict({"name": "t", "version": 1, "highway_kph": {"default": 0}, "turnout_s": {}})


def test_a_profile_written_before_the_rename_is_read_and_written_back_under_the_new_name():
    from bluelight.analysis.speeds import period_profile

    base = {"name": "t", "version": 1, "highway_kph": {"default": 30.0}, "turnout_s": {"default": 60.0}}
    periods = {"night": {"turnout_s": 90.0, "drive_factor": 0.8}}
    old, new = profile_from_dict(base | {"hour_bands": periods}), profile_from_dict(base | {"traffic_periods": periods})
    assert old == new and old.traffic_periods == periods
    assert "traffic_periods" in old.to_dict() and "hour_bands" not in old.to_dict()
    assert period_profile(old, "night").key == "t@1/night"
    with pytest.raises(ConfigError, match="give traffic_periods or hour_bands"):
        profile_from_dict(base | {"hour_bands": periods, "traffic_periods": periods})
    with pytest.raises(ConfigError, match=r"traffic_periods.dusk must be one of \['night', 'peak', 'off_peak'\]"):
        profile_from_dict(base | {"hour_bands": {"dusk": periods["night"]}})
    with pytest.raises(ConfigError, match="no traffic period 'peak': it has night"):
        period_profile(old, "peak")
