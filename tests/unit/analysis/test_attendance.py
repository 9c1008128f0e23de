"""Modelled against actual attendance (analysis.attendance): error by band, worked by hand."""

import numpy as np
import pytest

from bluelight.analysis.attendance import MIN_BAND_REPORT, breakdown, distance_band, distance_labels


def test_distances_fall_in_their_bands_with_edges_in_the_upper_one():
    assert distance_labels() == ["0-1 km", "1-2 km", "2-4 km", "4+ km"]
    assert distance_band(np.array([0.0, 999.9, 1000.0, 4000.0, 1e6])).tolist() == [
        "0-1 km", "0-1 km", "1-2 km", "4+ km", "4+ km"]


def test_each_band_says_its_error_bias_and_shares_and_whether_it_is_enough_to_judge():
    modelled = np.array([300.0, 400.0, 500.0, np.nan, 200.0])
    actual = np.array([330.0, 380.0, 560.0, 300.0, 200.0])
    labels = np.array(["near", "near", "far", "far", "empty-free"], dtype=object)
    rows = breakdown(modelled, actual, labels, ["far", "near", "none"], None, 360.0)
    assert [r["band"] for r in rows] == ["far", "near"]           # in the order asked; a band with no call left out
    far, near = rows
    assert far["n"] == 1 and far["mae_s"] == 60.0 and far["bias_s"] == -60.0      # the unmodelled call is left out
    assert near["n"] == 2 and near["mae_s"] == 25.0 and near["bias_s"] == pytest.approx(-5.0)
    assert near["median_actual_minus_modelled_s"] == pytest.approx(5.0)
    assert near["actual_share_within"] == 0.5 and near["modelled_share_within"] == 0.5   # no spread: 300 in, 400 out
    assert not near["enough"] and MIN_BAND_REPORT > 2
