"""The finance model and the Green Book appraisal, on cases worked by hand."""

import numpy as np
import pandas as pd
import pytest

from bluelight.analysis.appraisal import OptimismBias, appraise, compare_options, discount_factors
from bluelight.analysis.finance import ACTION_KEYS, FINANCE_KEYS, CashItem, check_finance, scenario_cash_items
from bluelight.foundation.errors import AnalysisError, ValidationError


def test_npv_checked_by_hand():
    # pay 1,000,000 now, save 100,000 a year for 3 years at 3.5%
    a = appraise([CashItem("build", -1_000_000), CashItem("saving", 100_000, annual=True)], horizon_years=3)
    by_hand = -1_000_000 + 100_000 / 1.035 + 100_000 / 1.035**2 + 100_000 / 1.035**3
    assert a.npv_gbp == pytest.approx(by_hand)
    assert a.npv_gbp == pytest.approx(-719_836.30, abs=0.01)   # 96,618.36 + 93,351.07 + 90,194.27 saved
    assert a.cash_flows["net_gbp"].tolist() == [-1_000_000, 100_000, 100_000, 100_000]
    assert a.cash_flows["cumulative_pv_gbp"].iloc[-1] == pytest.approx(a.npv_gbp)
    assert discount_factors(2, 0.1).tolist() == pytest.approx([1, 1 / 1.1, 1 / 1.21])


def test_the_green_book_schedule_declines_after_year_30():
    f = discount_factors(40)
    assert f[30] == pytest.approx(1.035**-30)
    assert f[40] == pytest.approx(1.035**-30 * 1.03**-10)


def test_one_off_in_a_later_year_and_bad_inputs():
    a = appraise([CashItem("receipt", 500_000, year=2)], horizon_years=5, discount_rate=0.0)
    assert a.npv_gbp == 500_000 and a.cash_flows.loc[2, "benefits_gbp"] == 500_000
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
    assert got["disposal receipt: Police A"] == (2_000_000, False)
    assert got["running cost saved: Police A"] == (300_000, True)
    assert got["backlog maintenance avoided: Police A"] == (150_000, False)
    assert got["refurbishment: Police A into Fire B"] == (-400_000, False)
    assert got["running cost change: Police A into Fire B"] == (-80_000, True)
    assert missing == []
    a = appraise(items, horizon_years=10)
    assert a.npv_gbp == pytest.approx(2_000_000 + 150_000 - 400_000 + 220_000 * (1 - 1.035**-10) / 0.035)


def test_missing_figures_are_named_not_zeroed():
    items, missing = scenario_cash_items([{"action": "close", "site": "F1"},
                                          {"action": "open", "site_id": "N1", "service": "fire",
                                           "easting": 1, "northing": 1}], ESTATES)
    assert items == []
    assert missing == ["disposal receipt of Fire B", "backlog maintenance avoided of Fire B",
                       "running cost saved of Fire B", "build or extension: opening N1",
                       "running cost change: opening N1"]
    assert not appraise(items, missing=missing).complete


def test_a_running_cost_entered_for_the_change_replaces_the_sites_table():
    items, missing = scenario_cash_items([{"action": "co_locate", "site": "F1", "into": "P1",
                                           "finance": {"running_cost_saved_gbp_pa": 410_000}}], ESTATES)
    got = {i.label: (i.amount_gbp, i.annual, i.source) for i in items}
    assert got["running cost saved: Fire B into Police A"] == (410_000, True, "scenario")
    assert "running cost saved of Fire B" not in missing


MERGE = {"action": "merge", "sites": ["P1", "F1"], "into": "F1"}


def test_a_merge_into_an_existing_site_takes_build_relocation_and_refurbishment():
    fin = {"build_cost_gbp": 3_000_000, "relocation_cost_gbp": 250_000, "refurbishment_gbp": 500_000}
    items, _ = scenario_cash_items([MERGE | {"finance": fin}], ESTATES.iloc[1:])     # no estates figures at all
    a = appraise(items, horizon_years=30)
    assert a.npv_gbp == pytest.approx(-3_750_000)


def _change(action: str) -> dict:
    return {"close": {"action": "close", "site": "P1"}, "co_locate": {"action": "co_locate", "site": "P1",
                                                                       "into": "F1"},
            "merge": dict(MERGE), "open": {"action": "open", "site_id": "N1", "service": "fire", "easting": 1,
                                           "northing": 1},
            "move": {"action": "move", "site": "P1", "easting": 1, "northing": 1},
            "change": {"action": "change", "site": "F1", "duty_system": "retained"}}[action]


@pytest.mark.parametrize("action", list(ACTION_KEYS))
@pytest.mark.parametrize("key", list(FINANCE_KEYS))
def test_every_key_of_every_action_moves_the_npv_by_its_present_value_or_is_refused(action, key):
    base_items, _ = scenario_cash_items([_change(action) | {"finance": {"year": 2}}], ESTATES)
    base = appraise(base_items, horizon_years=30).npv_gbp
    change = _change(action) | {"finance": {key: 100_000, "year": 2}}
    if key not in ACTION_KEYS[action]:
        with pytest.raises(ValidationError, match=f"change 1 \\({action}\\): finance key '{key}' .* does not apply"):
            scenario_cash_items([change], ESTATES)
        return
    items, _ = scenario_cash_items([change], ESTATES)
    spec = FINANCE_KEYS[key]
    df = discount_factors(30)
    pv = 100_000 * (df[2:].sum() if spec.annual else df[2]) * spec.direction
    # a key that stands in for the sites table's figure (a disposal value, say) replaces it
    replaced = sum(i.amount_gbp * (df[max(1, i.year):].sum() if i.annual else df[i.year])
                   for i in base_items if i.key == key and i.source == "sites table")
    assert appraise(items, horizon_years=30).npv_gbp == pytest.approx(base - replaced + pv, abs=0.01)


def test_unknown_keys_bad_amounts_and_profiles():
    with pytest.raises(ValidationError, match="unknown finance key 'bulid_cost_gbp'"):
        check_finance("merge", {"bulid_cost_gbp": 1}, where="x.yaml: change 1 (merge)")
    with pytest.raises(ValidationError, match="positive amount"):
        check_finance("merge", {"build_cost_gbp": -5}, where="w")
    with pytest.raises(ValidationError, match="whole number"):
        check_finance("merge", {"build_cost_gbp": {"amount_gbp": 5, "year": 1.5}}, where="w")
    assert check_finance("merge", {"build_cost_gbp": {"profile": {0: 1e6, 2: 2e6}},
                                   "running_cost_change_gbp_pa": -40_000}, where="w") == {
        "build_cost_gbp": [(0, 1e6), (2, 2e6)], "running_cost_change_gbp_pa": [(0, -40_000.0)]}


def test_two_options_against_the_do_minimum_checked_by_hand():
    """Kentish Town: A extends the fire station (£3m build, £250k relocation, £500k refurbishment); B builds
    less (£1.5m), sells the police station (£4m) and saves its running cost (£400k a year)."""
    fin_a = {"build_cost_gbp": 3_000_000, "relocation_cost_gbp": 250_000, "refurbishment_gbp": 500_000}
    fin_b = fin_a | {"build_cost_gbp": 1_500_000, "receipt_gbp": 4_000_000, "running_cost_saved_gbp_pa": 400_000}
    none = ESTATES.iloc[1:]
    ob = OptimismBias("standard_buildings", 24.0)
    a = appraise(scenario_cash_items([MERGE | {"finance": fin_a}], none)[0], horizon_years=30, optimism_bias=ob)
    b = appraise(scenario_cash_items([MERGE | {"finance": fin_b}], none)[0], horizon_years=30, optimism_bias=ob)
    annuity = (1 - 1.035**-30) / 0.035                                   # 18.3920 at 3.5% over 30 years
    assert a.optimism_bias_gbp == pytest.approx(-0.24 * 3_750_000)
    assert a.npsv_gbp == pytest.approx(-3_750_000 * 1.24)                 # -£4.65m
    b_by_hand = 4_000_000 - 2_250_000 * 1.24 + 400_000 * annuity          # £8.57m
    assert b.npsv_gbp == pytest.approx(b_by_hand)
    # B pays back in the year the discounted savings first cover the £1.21m net outlay of year 0
    outlay = 2_250_000 * 1.24 - 4_000_000
    assert outlay < 0 and b.payback_year is None                          # B is ahead from year 0: no payback
    assert a.payback_year is None                                         # A never pays back
    # switching value of B's running cost saving: the fall that brings NPSV to zero
    row = b.sensitivity[b.sensitivity["input"].str.startswith("running cost saved")].iloc[0]
    assert row["switching_value_pct"] == pytest.approx(-100 * b_by_hand / (400_000 * annuity))
    table = compare_options({"A": a, "B": b})
    assert table["option"].tolist() == ["B", "do minimum", "A"]
    assert table.loc[0, "npsv_over_do_minimum_gbp"] == pytest.approx(b_by_hand)


def test_payback_year_by_hand():
    a = appraise([CashItem("build", -1_000_000.0, 0, False, "", "build_cost_gbp", True),
                  CashItem("saving", 100_000.0, 1, True)], horizon_years=30, discount_rate=0.035,
                 optimism_bias=OptimismBias("standard_buildings", 24.0))
    annuity = lambda n: (1 - 1.035**-n) / 0.035                           # noqa: E731
    assert 100_000 * annuity(16) < 1_240_000 <= 100_000 * annuity(17) and a.payback_year == 17
