"""The Green Book appraisal (analysis.appraisal): discounting, NPV, options against the do-minimum, payback,
checked by hand."""

import pytest

from bluelight.analysis.appraisal import OptimismBias, appraise, discount_factors
from bluelight.analysis.finance import CashItem
from bluelight.foundation.errors import AnalysisError


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


def test_payback_year_by_hand():
    a = appraise([CashItem("build", -1_000_000.0, 0, False, "", "build_cost_gbp", True),
                  CashItem("saving", 100_000.0, 1, True)], horizon_years=30, discount_rate=0.035,
                 optimism_bias=OptimismBias("standard_buildings", 24.0))
    annuity = lambda n: (1 - 1.035**-n) / 0.035                           # noqa: E731
    assert 100_000 * annuity(16) < 1_240_000 <= 100_000 * annuity(17) and a.payback_year == 17
