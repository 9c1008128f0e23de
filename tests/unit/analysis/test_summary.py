"""analysis.summary: figures by area are each area's own summary (one grouped pass, not a loop)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from bluelight.analysis.summary import Variability, summarise, summarise_by

TIMES = st.sampled_from([np.nan, np.inf, 100.0, 200.0, 300.0, 299.9, 450.5, 900.0])
WEIGHTS = st.sampled_from([0.0, 1.0, 2.5, 0.3])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abcd"), TIMES, WEIGHTS), max_size=40), st.booleans())
def test_by_area_equals_each_areas_summary(points, spread):
    labels = [p[0] for p in points]
    t = np.array([p[1] for p in points], float)
    w = np.array([p[2] for p in points], float)
    variability = Variability(0.0, 0.2) if spread else None
    got = summarise_by(labels, t, w, 300.0, variability=variability)
    lab = np.asarray(labels, dtype=object)
    want = pd.DataFrame([{"area": a, **summarise(t[lab == a], w[lab == a], 300.0, variability=variability).as_dict()}
                         for a in pd.unique(lab)], columns=got.columns)
    assert got["area"].tolist() == want["area"].tolist()              # in order of first appearance
    for column in got.columns[1:]:
        np.testing.assert_allclose(got[column].to_numpy(float), want[column].to_numpy(float), rtol=1e-12,
                                   atol=1e-12, err_msg=column)


def test_by_area_by_hand():
    # area a: 100 s and 500 s (one within 360 s), then a point off the network; b: 90% at 60 s, 10% unreached
    by = summarise_by(["a", "b", "a", "a", "b"], [100.0, 60.0, 500.0, np.nan, np.inf], [1.0, 9.0, 1.0, 4.0, 1.0],
                      360.0).set_index("area")
    assert list(by.index) == ["a", "b"]
    assert by.loc["a", "share_within"] == 0.5 and by.loc["a", "mean_s"] == 300.0 and by.loc["a", "p90_s"] == 500.0
    assert by.loc["a", "demand_off_network"] == 4.0 and by.loc["a", "demand_total"] == 6.0
    assert by.loc["b", "share_within"] == 0.9 and by.loc["b", "demand_unreached"] == 1.0
    assert by.loc["b", "p90_s"] == 60.0                             # the 90th centile is the last reached point
    assert by.loc["b", "mean_s"] == 60.0                            # unreached demand is not in the mean
