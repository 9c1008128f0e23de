"""The finance model (analysis.finance): cash items per action from the sites table and what is typed, and
options appraised from them, on cases worked by hand."""

import numpy as np
import pandas as pd
import pytest

from bluelight.analysis.appraisal import OptimismBias, appraise, compare_options, discount_factors
from bluelight.analysis.finance import ACTION_KEYS, FINANCE_KEYS, check_finance, scenario_cash_items
from bluelight.foundation.errors import ValidationError

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
