import numpy as np
import pandas as pd
import pytest

from bluelight.analysis.finance import CashItem, appraise, discount_factors, scenario_cash_items
from bluelight.errors import AnalysisError


def test_npv_checked_by_hand():
    # pay 1,000,000 now, save 100,000 a year for 3 years at 3.5%
    a = appraise([CashItem("build", -1_000_000), CashItem("saving", 100_000, annual=True)], horizon_years=3)
    by_hand = -1_000_000 + 100_000 / 1.035 + 100_000 / 1.035**2 + 100_000 / 1.035**3
    assert a.npv_gbp == pytest.approx(by_hand)
    assert a.npv_gbp == pytest.approx(-719_836.30, abs=0.01)   # 96,618.36 + 93,351.07 + 90,194.27 saved
    assert a.cash_flows["net_gbp"].tolist() == [-1_000_000, 100_000, 100_000, 100_000]
    assert a.cash_flows["cumulative_pv_gbp"].iloc[-1] == pytest.approx(a.npv_gbp)
    assert discount_factors(2, 0.1).tolist() == pytest.approx([1, 1 / 1.1, 1 / 1.21])


def test_one_off_in_a_later_year_and_bad_inputs():
    a = appraise([CashItem("receipt", 500_000, year=2)], horizon_years=5, discount_rate=0.0)
    assert a.npv_gbp == 500_000 and a.cash_flows.loc[2, "one_off_gbp"] == 500_000
    with pytest.raises(AnalysisError):
        appraise([], horizon_years=0)
    with pytest.raises(AnalysisError):
        appraise([CashItem("x", float("nan"))])


ESTATES = pd.DataFrame([
    {"site_id": "P1", "name": "Police A", "running_cost_gbp_pa": 300_000, "disposal_value_gbp": 2_000_000,
     "backlog_maintenance_gbp": 150_000},
    {"site_id": "F1", "name": "Fire B", "running_cost_gbp_pa": np.nan, "disposal_value_gbp": np.nan,
     "backlog_maintenance_gbp": np.nan},
])


def test_co_location_items_from_the_sites_table():
    items, missing = scenario_cash_items([{"action": "co_locate", "site": "P1", "into": "F1",
                                           "finance": {"refurbishment_gbp": 400_000,
                                                       "running_cost_change_gbp_pa": 80_000}}], ESTATES)
    got = {i.label: (i.amount_gbp, i.annual) for i in items}
    assert got["receipt from disposing of Police A"] == (2_000_000, False)
    assert got["running cost of Police A saved"] == (300_000, True)
    assert got["backlog maintenance at Police A avoided"] == (150_000, False)
    assert got["refurbishment of Fire B to host P1"] == (-400_000, False)
    assert got["running cost of hosting P1 at Fire B"] == (-80_000, True)
    assert missing == []
    a = appraise(items, horizon_years=10)
    assert a.npv_gbp == pytest.approx(2_000_000 + 150_000 - 400_000 + 220_000 * (1 - 1.035**-10) / 0.035)


def test_missing_figures_are_named_not_zeroed():
    items, missing = scenario_cash_items([{"action": "close", "site": "F1"},
                                          {"action": "open", "site_id": "N1", "service": "fire",
                                           "easting": 1, "northing": 1}], ESTATES)
    assert items == []
    assert missing == ["disposal value of Fire B (F1)", "annual running cost of Fire B (F1)",
                       "backlog maintenance of Fire B (F1)", "build cost of N1", "annual running cost of N1"]
    assert not appraise(items, missing=missing).complete


def test_a_running_cost_entered_for_the_change_replaces_the_sites_table():
    items, missing = scenario_cash_items([{"action": "co_locate", "site": "F1", "into": "P1",
                                           "finance": {"running_cost_saved_gbp_pa": 410_000}}], ESTATES)
    got = {i.label: (i.amount_gbp, i.annual, i.source) for i in items}
    assert got["running cost of Fire B saved"] == (410_000, True, "scenario")
    assert "annual running cost of Fire B (F1)" not in missing
