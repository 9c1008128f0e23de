"""The national first look's settings (services.national): every key it needs, or the file and key named."""

import pytest
import yaml

from bluelight.foundation.config_files import config_file
from bluelight.foundation.errors import ConfigError
from bluelight.services.national import CONFIG, load_config


def test_the_shipped_settings_have_every_key_and_a_missing_one_is_named(tmp_path):
    shipped = load_config()
    assert {"files", "year", "fire_type", "urban_density_per_km2", "turnout_min", "frs_aliases"} <= set(shipped)
    doc = yaml.safe_load(config_file(CONFIG).read_text(encoding="utf-8"))
    del doc["fire_type"]
    path = tmp_path / "national.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    with pytest.raises(ConfigError, match=f"{path}: missing 'fire_type'"):
        load_config(path)
