"""Candidate points for a shared facility (services.facility): a CSV checked row by row, money never dropped."""

import pytest

from bluelight.foundation.errors import AnalysisError
from bluelight.services.facility import candidate_points


def _csv(tmp_path, text):
    path = tmp_path / "points.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_points_come_with_their_position_in_both_systems_and_their_cost(tmp_path):
    out = candidate_points(_csv(tmp_path, "name,easting,northing,annual_cost_gbp\n"
                                          "Depot,530000,180000,120000\nYard,531000,181000,\n"))
    assert out["site_id"].tolist() == ["point-1", "point-2"] and out["name"].tolist() == ["Depot", "Yard"]
    assert out["running_cost_gbp_pa"].iloc[0] == 120000 and out["running_cost_gbp_pa"].isna().iloc[1]
    assert -0.2 < out["lon"].iloc[0] < 0.0 and 51.4 < out["lat"].iloc[0] < 51.6


@pytest.mark.parametrize("text, says", [
    ("name,easting\nA,1\n", r"need the columns name, easting, northing \(missing \['northing'\]\)"),
    ("name,easting,northing\nA,530000,180000\nB,five,180000\n", "row 3, field easting: not a number"),
    ("name,easting,northing,annual_cost_gbp\nA,530000,180000,£12k\n", "row 2, field annual_cost_gbp: not a number"),
])
def test_a_bad_file_is_refused_naming_its_row_and_field(tmp_path, text, says):
    with pytest.raises(AnalysisError, match=says):
        candidate_points(_csv(tmp_path, text))
