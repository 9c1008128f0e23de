"""Demand by time band: band arithmetic, expected demand by hand, the kernel forecast and its validation."""

import numpy as np
import pandas as pd
import pytest

from bluelight.analysis.demand_bands import (
    AGE_BANDS,
    TimeBand,
    all_bands,
    expected_demand,
    kernel_allocation,
    rates_from_dict,
    validate_forecast,
)
from bluelight.foundation.errors import AnalysisError, ConfigError


def _rates(**over):
    doc = {"per_1000_per_year": {"0-15": 50, "16-29": 100, "30-44": 100, "45-64": 200, "65+": 400},
           "hour_profile": [1.0] * 24, "day_profile": [1.0] * 7, "category_share": {"category_1": 0.1},
           "sources": {"all": "test"}}
    return rates_from_dict(doc | over)


def test_bands_partition_the_week():
    bands = all_bands()
    assert len(bands) == 8 and sum(b.hours_per_week for b in bands) == 168
    r = _rates()
    assert sum(r.band_share(b) for b in bands) == pytest.approx(1.0)
    assert r.band_share(TimeBand.parse("evening-weekend")) == pytest.approx(12 / 168)
    times = pd.Series(pd.to_datetime(["2024-01-06 19:30", "2024-01-08 19:30", "2024-01-06 07:00"]))   # Sat, Mon, Sat
    assert TimeBand.parse("evening-weekend").contains(times).tolist() == [True, False, False]
    with pytest.raises(AnalysisError, match="unknown time band"):
        TimeBand.parse("teatime")


def test_expected_demand_by_hand():
    pop = pd.DataFrame({a: [1000.0, 0.0] for a in AGE_BANDS})
    pop["65+"] = [1000.0, 2000.0]
    hours = [2.0 if 18 <= h < 24 else 1.0 for h in range(24)]
    r = _rates(hour_profile=hours)
    # zone 0: 1000 x (50 + 100 + 100 + 200 + 400) / 1000 = 850 a year; zone 1: 2000 x 0.4 = 800
    share = (6 * 2.0) / (18 + 12)                       # evening's share of the day's weight
    got = expected_demand(pop, r, TimeBand.parse("evening"), category="category_1")
    assert got == pytest.approx([850 * 0.1 * share, 800 * 0.1 * share])
    with pytest.raises(AnalysisError, match="no share"):
        expected_demand(pop, r, TimeBand.parse("all"), category="category_9")


def test_rates_file_problems_name_the_key():
    with pytest.raises(ConfigError, match="hour_profile"):
        _rates(hour_profile=[1.0] * 23)
    with pytest.raises(ConfigError, match="sources"):
        _rates(sources={})


def test_kernel_allocation_preserves_mass():
    zones = np.array([[0.0, 0.0], [1000.0, 0.0], [5000.0, 0.0]])
    pts = np.array([[10.0, 0.0], [900.0, 0.0], [4000.0, 0.0]])
    assert kernel_allocation(zones, pts, 0.0).tolist() == [1.0, 1.0, 1.0]
    smooth = kernel_allocation(zones, pts, 800.0)
    assert smooth.sum() == pytest.approx(3.0) and 0 < smooth[2] < 1.0
    assert kernel_allocation(zones, np.empty((0, 2)), 300.0).sum() == 0


def test_validation_prefers_where_incidents_really_happen():
    rng = np.random.default_rng(0)
    zones = rng.uniform(0, 10_000, size=(60, 2))
    hot = zones[:5]                                    # demand concentrates around five zones, every week
    weeks = np.repeat(np.arange(30), 40)
    pts = hot[rng.integers(0, 5, len(weeks))] + rng.normal(0, 200, size=(len(weeks), 2))
    v = validate_forecast(zones, np.ones(60), pts, weeks)
    assert v.train_weeks + v.test_weeks == 30 and v.test_incidents == 40 * v.test_weeks
    assert v.improvement_vs_population > 0.5           # population (flat) knows nothing of the hot spots
    assert v.best_bandwidth_m > 0
    with pytest.raises(AnalysisError, match="8 weeks"):
        validate_forecast(zones, np.ones(60), pts[:10], np.arange(10) % 3)
