"""The ambulance estimate on trusts whose figures follow a known line: left out, each is predicted exactly."""

import numpy as np
import pandas as pd
import pytest

from bluelight.analysis.ambulance_estimate import estimate, fit_line
from bluelight.foundation.errors import AnalysisError


def _monthly(rural: dict, *, winter_s=30.0):
    rows = []
    for code, r in rural.items():
        for m in range(1, 13):
            season = winter_s if m in (12, 1, 2) else 0.0
            c1 = 400 + 500 * r + season
            rows.append({"org_code": code, "year": 2024, "month": m, "c1_mean_s": c1, "c1_incidents": 100,
                         "c1_p90_s": 1.8 * c1, "c2_mean_s": 1800.0 + 10 * m, "c2_incidents": 400,
                         "c2_p90_s": 4000.0})
    return pd.DataFrame(rows)


def test_a_trust_left_out_is_predicted_from_the_others_line_and_month():
    rural = {"A": 0.0, "B": 0.1, "C": 0.2, "D": 0.4}
    out = estimate(_monthly(rural), pd.Series(rural))
    c1 = out["statistics"]["c1_mean"]
    assert c1["validation"]["loo_mae_s"] == pytest.approx(0, abs=1e-6)
    assert c1["validation"]["baseline_loo_mae_s"] > 50 and c1["validation"]["beats_baseline"]
    assert c1["fit"]["per_rural_share_s"] == pytest.approx(500)
    jan = c1["months"]["C"][202401]
    assert jan["modelled_s"] == pytest.approx(jan["actual_s"])          # the shared winter effect, learnt elsewhere
    c2 = out["statistics"]["c2_mean"]                                     # no rural gradient: no better than baseline
    assert c2["validation"]["loo_mae_s"] == pytest.approx(c2["validation"]["baseline_loo_mae_s"], abs=1e-6)


def test_too_few_trusts_or_one_rural_share_are_refused():
    with pytest.raises(AnalysisError, match="three trusts"):
        estimate(_monthly({"A": 0.1, "B": 0.2}), pd.Series({"A": 0.1, "B": 0.2}))
    with pytest.raises(AnalysisError, match="different rural shares"):
        fit_line([0.2, 0.2], [1.0, 2.0])
    assert np.isfinite(fit_line([0, 1], [1, 2]).predict([0.5])[0])
