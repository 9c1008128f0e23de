"""The warehouse readers' own rules (services.inputs): age bands filled from the configured structure, turnouts."""

import numpy as np
import pandas as pd
import pytest

from bluelight.analysis.speeds import load_profile
from bluelight.foundation.config_files import load_config
from bluelight.services.inputs import AGE_COLUMNS, fill_age_bands, site_turnouts

BANDS = [k for k in AGE_COLUMNS if k != "all"]              # the age bands a zone frame carries


def test_zones_without_age_bands_are_split_by_the_configured_structure_and_said_so():
    zones = pd.DataFrame({"pop_total": [1000.0, 500.0], **{b: [np.nan, 100.0] for b in BANDS}})
    out, note = fill_age_bands(zones)
    shares = load_config("population.yaml")[0]["age_shares_when_missing"]
    assert out.loc[0, BANDS].tolist() == pytest.approx([1000.0 * float(shares[b]) for b in BANDS])
    assert out.loc[1, BANDS].tolist() == [100.0] * len(BANDS)                  # a zone with bands is kept
    assert note.startswith("1 of 2 zones have totals but no age bands")
    assert fill_age_bands(zones.iloc[1:])[1] is None


def test_a_recorded_turnout_wins_else_the_duty_systems():
    profile = load_profile("bluelight_v1")
    sites = pd.DataFrame({"site_id": ["a", "b"], "turnout_s": [45.0, np.nan], "duty_system": [None, "wholetime"]})
    out = site_turnouts(sites, profile)
    assert out[0] == 45.0 and out[1] == pytest.approx(profile.turnout_s["wholetime"])
