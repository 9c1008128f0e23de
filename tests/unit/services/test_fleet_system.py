"""The simulated fleet's request and settings (services.fleet_system): the rules across fields, and the shipped
settings with their sources."""

import pytest

from bluelight.foundation.errors import ValidationError
from bluelight.services.fleet_system import SimulationRequest, load_settings


def test_request_rules():
    r = SimulationRequest.parse()
    assert (r.threshold_s, r.second_threshold_s, r.replications) == (360.0, None, 10)   # second: the loaded target
    with pytest.raises(ValidationError) as e:
        SimulationRequest.parse(arrivals="replay", sample_share="0.1")
    assert "replay" in e.value.errors["sample_share"]
    with pytest.raises(ValidationError) as e:
        SimulationRequest.parse(period_from="2023-05-01", period_to="2023-04-01")
    assert "period_to" in e.value.errors
    with pytest.raises(ValidationError) as e:
        SimulationRequest.parse(service="fire", arrivals="population")
    assert "ambulance" in e.value.errors["arrivals"]


def test_shipped_settings_load_with_sources():
    s = load_settings()
    assert s.vehicles_per_station["fire"] >= 1 and "vehicles_per_station" in s.sources and "on_scene" in s.sources


def test_the_hour_ranges_are_read_under_their_earlier_name_too(tmp_path):
    from bluelight.foundation.config_files import config_file
    from bluelight.foundation.errors import ConfigError

    shipped = config_file("simulation.yaml").read_text()
    assert load_settings().hour_ranges == ((0, 6), (6, 12), (12, 18), (18, 24))
    earlier = tmp_path / "simulation.yaml"
    earlier.write_text(shipped.replace("hour_ranges:", "hour_bands:"))
    assert load_settings(earlier).hour_ranges == ((0, 6), (6, 12), (12, 18), (18, 24))
    earlier.write_text(shipped.replace("hour_ranges: [[0, 6], [6, 12], [12, 18], [18, 24]]", ""))
    with pytest.raises(ConfigError, match="simulation settings need 'hour_ranges'"):
        load_settings(earlier)


def test_the_hour_ranges_under_both_names_are_refused(tmp_path):
    from bluelight.foundation.config_files import config_file
    from bluelight.foundation.errors import ConfigError

    both = tmp_path / "simulation.yaml"
    both.write_text(config_file("simulation.yaml").read_text() + "hour_bands: [[0, 24]]\n")
    with pytest.raises(ConfigError, match="give hour_ranges or hour_bands \\(its earlier name\\), not both"):
        load_settings(both)
