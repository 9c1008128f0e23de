"""Disclosure control on hand-checked cases: cells, suppression, restricted sites."""

import numpy as np
import pandas as pd
import pytest

from bluelight.analysis.disclosure import aggregate_cells, cell_centres, mask_sites
from bluelight.errors import AnalysisError
from bluelight.geo import to_wgs84


def test_cell_centres():
    e, n = cell_centres([0, 499.9, 500, -1], [1000, 1499, 1500, 0], cell_m=500)
    assert e.tolist() == [250, 250, 750, -250] and n.tolist() == [1250, 1250, 1750, 250]
    with pytest.raises(AnalysisError, match="cell_m"):
        cell_centres([0], [0], cell_m=0)


def test_small_cells_lose_their_figures_but_keep_their_place():
    # 5 incidents in cell A (4 within), 4 in cell B: with min_count 5 only A shows figures
    f = pd.DataFrame({"easting": [10] * 5 + [700] * 4, "northing": [10] * 9, "weight": 1.0,
                      "within": [1, 1, 1, 1, 0, 1, 1, 1, 1], "r": [60, 120, 180, 240, np.nan, 1, 2, 3, 4]})
    out = aggregate_cells(f, cell_m=500, min_count=5, means={"share": "within", "mean_r": "r"})
    a, b = out.iloc[0], out.iloc[1]
    assert (a["count"], a["share"], a["mean_r"], a["suppressed"]) == (5.0, 0.8, 150.0, False)   # r: nan left out
    assert b["suppressed"] and np.isnan(b["count"]) and np.isnan(b["share"])
    assert out["cell_id"].tolist() == ["0-0", "500-0"]


def test_restricted_sites_are_rounded_and_lose_their_address():
    lon, lat = to_wgs84([530123.0, 529000.0], [180456.0, 181000.0])
    sites = pd.DataFrame({"site_id": ["A", "B"], "kind": ["control", "station"], "easting": [530123.0, 529000.0],
                          "northing": [180456.0, 181000.0], "lon": lon, "lat": lat, "address": ["1 Road", "2 Road"]})
    out = mask_sites(sites, restricted_kinds=["control"], restricted_ids=[], rounding_m=1000)
    assert out["restricted"].tolist() == [True, False]
    assert (out.loc[0, "easting"], out.loc[0, "northing"], out.loc[0, "address"]) == (530000.0, 180000.0, None)
    assert out.loc[1, "address"] == "2 Road" and out.loc[1, "lon"] == lon[1]
    assert out.loc[0, "lon"] == pytest.approx(to_wgs84([530000.0], [180000.0])[0][0])
    by_id = mask_sites(sites, restricted_kinds=[], restricted_ids=["B"], rounding_m=1000)
    assert by_id["restricted"].tolist() == [False, True]
