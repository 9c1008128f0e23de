"""Configuration ships as package data; a user directory adds or overrides files; new profiles go there."""

from __future__ import annotations

import pytest

from bluelight.analysis.speeds import load_profile
from bluelight.foundation import config_files as config
from bluelight.foundation.errors import ConfigError


def test_shipped_files_are_package_data(monkeypatch, tmp_path):
    monkeypatch.setenv("BLUELIGHT_CONFIG_DIR", str(tmp_path / "none"))
    assert config.config_file("dap.yaml").is_file()
    assert "bluelight_v3" in config.profile_names() and config.latest_profile_name() == "bluelight_v3"
    doc, source = config.load_config("targets.yaml")
    assert doc["targets"] and source.endswith("targets.yaml")


def test_user_directory_overrides_and_adds(monkeypatch, tmp_path):
    monkeypatch.setenv("BLUELIGHT_CONFIG_DIR", str(tmp_path))
    (tmp_path / "dap.yaml").write_text("opening_hours: {}\n")
    assert config.config_file("dap.yaml") == tmp_path / "dap.yaml"
    shipped = (config.package_config() / "speed_profiles" / "bluelight_v3.yaml").read_text()
    out = config.write_profile("bluelight_v4", shipped.replace("version: 3", "version: 4"))
    assert out == tmp_path / "speed_profiles" / "bluelight_v4.yaml"
    assert config.latest_profile_name() == "bluelight_v4" and load_profile().key == "bluelight@4"
    assert not (config.package_config() / "speed_profiles" / "bluelight_v4.yaml").is_file()


def test_bad_files_are_named(tmp_path):
    bad = tmp_path / "x.yaml"
    bad.write_text("a: [1, 2\n")
    with pytest.raises(ConfigError, match=r"rules .*x\.yaml: not valid YAML"):
        config.read_yaml(bad, what="rules")
    bad.write_text("- 1\n- 2\n")
    with pytest.raises(ConfigError, match="expected a mapping"):
        config.read_yaml(bad, what="rules")
    with pytest.raises(ConfigError, match="neither in"):
        config.config_file("no_such.yaml")
    with pytest.raises(ConfigError, match="known profiles"):
        load_profile("nope_v9")
