"""GeoDataFrames in (analysis.frames): points checked up front, named by the argument, converted to EPSG:27700."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point

from bluelight.analysis.frames import points_xy
from bluelight.foundation.errors import AnalysisError
from bluelight.foundation.geo import to_wgs84


def test_points_in_lon_lat_come_back_as_eastings_and_northings():
    frame = gpd.GeoDataFrame(geometry=[Point(-0.1276, 51.5072)], crs="EPSG:4326")      # Trafalgar Square
    x, y = points_xy(frame, name="demand")
    assert 529_000 < x[0] < 531_000 and 179_500 < y[0] < 181_500                      # central London
    lon, lat = to_wgs84(x, y)
    assert lon[0] == pytest.approx(-0.1276, abs=1e-6) and lat[0] == pytest.approx(51.5072, abs=1e-6)
    bng = gpd.GeoDataFrame(geometry=[Point(530000.0, 180000.0)], crs="EPSG:27700")
    assert [v.tolist() for v in points_xy(bng, name="demand")] == [[530000.0], [180000.0]]


@pytest.mark.parametrize("frame, says", [
    (pd.DataFrame({"x": [1]}), "sites must be a GeoDataFrame of points, got DataFrame"),
    (gpd.GeoDataFrame(geometry=[], crs="EPSG:27700"), "sites is empty"),
    (gpd.GeoDataFrame(geometry=[Point(0, 0)]), "sites has no CRS"),
    (gpd.GeoDataFrame(geometry=[Point(530000, 180000), None], crs="EPSG:27700"), "sites: row 1 has no geometry"),
    (gpd.GeoDataFrame(geometry=[LineString([(0, 0), (1, 1)])], crs="EPSG:27700"), "sites must hold points"),
    (gpd.GeoDataFrame(geometry=[Point(np.inf, 0)], crs="EPSG:27700"), "sites: row 0 has non-finite coordinates"),
])
def test_each_problem_is_refused_naming_the_argument_and_row(frame, says):
    with pytest.raises(AnalysisError, match=says.replace("(", r"\(").replace(")", r"\)")):
        points_xy(frame, name="sites")
