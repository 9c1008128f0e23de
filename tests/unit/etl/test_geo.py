import numpy as np
import pandas as pd
import pytest

from bluelight.etl import geo


@pytest.mark.parametrize("lat,lon,expect", [
    (51.5, -0.12, None),
    (-0.12, 51.5, "swapped"),
    (48.85, 2.35, "outside Great Britain"),   # Paris
    (530000, 180000, "British National Grid"),
])
def test_check_lonlat(lat, lon, expect):
    why = geo.check_lonlat(lat, lon)
    assert (why is None) if expect is None else (expect in why)


@pytest.mark.parametrize("e,n,expect", [
    (530000, 180000, None),
    (-0.12, 51.5, "WGS84 degrees"),
    (-13358, 6710219, "Web Mercator"),        # Charing Cross in EPSG:3857
    (180000, 530000, None),                   # valid: a point in Wales/England
    (900000, 100000, "swapped"),               # swapped it is in the Hebrides
    (1500000, 100000, "outside Great Britain"),
])
def test_check_bng(e, n, expect):
    why = geo.check_bng(e, n)
    assert (why is None) if expect is None else (expect in why)


def test_round_trip_charing_cross():
    # Charing Cross is at about TQ 300 804; this checks axis order and datum, not pyproj's maths
    e, n = geo.to_bng([-0.1276], [51.5074])
    assert abs(e[0] - 530000) < 100 and abs(n[0] - 180400) < 100
    lon, lat = geo.to_wgs84(e, n)
    assert np.allclose([lon[0], lat[0]], [-0.1276, 51.5074], atol=1e-6)


def test_locate_prefers_bng_and_falls_back_to_lonlat():
    frame = pd.DataFrame({"easting": ["530000", ""], "northing": ["180000", ""],
                          "latitude": ["", "51.52"], "longitude": ["", "-0.10"]}, index=[1, 2])
    coords, rejects = geo.locate(frame, lat_col="latitude", lon_col="longitude", east_col="easting", north_col="northing")
    assert not rejects
    assert coords.loc[1, "easting"] == 530000
    assert 51.4 < coords.loc[1, "lat"] < 51.6
    assert 530000 < coords.loc[2, "easting"] < 535000


def test_locate_names_row_and_field():
    frame = pd.DataFrame({"latitude": ["51.5", "abc", "-0.1"], "longitude": ["-0.1", "-0.1", "51.5"]}, index=[1, 2, 3])
    coords, rejects = geo.locate(frame, lat_col="latitude", lon_col="longitude", east_col=None, north_col=None)
    assert list(coords.index) == [1]
    assert [(r.row, r.field) for r in rejects] == [(2, "latitude"), (3, "latitude/longitude")]
    assert "swapped" in rejects[1].reason
