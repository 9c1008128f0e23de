"""Disclosure control on hand-checked cases: cells, suppression, restricted sites."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bluelight.analysis.disclosure import aggregate_cells, cell_centres, mask_sites
from bluelight.foundation.errors import AnalysisError
from bluelight.foundation.geo import to_wgs84


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


# --- suppression that survives differencing ---------------------------------------------------------------------


from bluelight.analysis.disclosure import one_way_suppression, published_cells, withhold_across  # noqa: E402


def test_a_lone_small_part_takes_a_second_one_with_it():
    # total 18 = 10 + 1 + 7: publishing 10 and 7 would give the 1 away (18 - 10 - 7)
    withheld, total = one_way_suppression([[10, 1, 7]], min_count=5)
    assert withheld.tolist() == [[False, True, True]] and total.tolist() == [False]
    # two small parts that together reach the threshold need nothing more
    withheld, _ = one_way_suppression([[10, 3, 2]], min_count=5)
    assert withheld.tolist() == [[False, True, True]]
    # a small total hides every part; a part never published counts as withheld
    withheld, total = one_way_suppression([[3, 0], [9, 2]], min_count=5, unpublished=[False, True])
    assert total.tolist() == [True, False] and withheld.tolist() == [[True, True], [True, True]]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.integers(0, 12), min_size=2, max_size=6), min_size=1, max_size=8).filter(
    lambda rows: len({len(r) for r in rows}) == 1), st.integers(2, 6))
def test_no_published_table_gives_a_small_count_away(rows, k):
    counts = np.array(rows, float)
    withheld, total_withheld = one_way_suppression(counts, min_count=k)
    shown = counts[~withheld]
    assert ((shown == 0) | (shown >= k)).all()                     # no small count published
    for u in range(len(counts)):
        if not total_withheld[u]:
            hidden = counts[u, withheld[u]].sum()                  # total minus the published parts
            assert hidden == 0 or hidden >= k
        else:
            assert 0 < counts[u].sum() < k and withheld[u][counts[u] > 0].all()


def test_cells_across_a_published_total():
    assert withhold_across([2, 9, 30], [True, False, False], min_count=5).tolist() == [True, True, False]
    assert withhold_across([2, 3, 30], [True, True, False], min_count=5).tolist() == [True, True, False]


def test_published_cells_for_an_hour_block():
    # one cell: 8 incidents at night (block 0), 1 in the day (block 1); another cell: 6 by day
    f = pd.DataFrame({"easting": [10] * 9 + [700] * 6, "northing": [10] * 15, "weight": 1.0,
                      "part": [0] * 8 + [1] + [1] * 6, "r": [100.0] * 15})
    night = published_cells(f, part="part", parts=[0, 1], selected=0, cell_m=500, min_count=5, means={"m": "r"})
    # publishing the night 8 beside the cell's total 9 would give away the single day incident
    assert night["suppressed"].tolist() == [True] and np.isnan(night["count"]).all()
    whole = published_cells(f, part="part", parts=[0, 1], selected=None, cell_m=500, min_count=5)
    assert whole["count"].tolist() == [9.0, 6.0]
    with pytest.raises(AnalysisError, match="selected"):
        published_cells(f, part="part", parts=[0, 1], selected=7, cell_m=500, min_count=5)
