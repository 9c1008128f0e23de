import pytest

from bluelight.etl.sites import detect_layout, load_sites, mark_duplicates
from bluelight.foundation.errors import InputFileError, RejectedRowsError
from tests.conftest import counts

GOOD = """site_id,name,service,latitude,longitude,duty_system,running_cost_gbp_pa
F1,Alpha,fire,51.52,-0.12,Whole-time,850000
P1,Beta,police,51.51,-0.13,,
"""


def test_generic_csv_loads_with_both_crs(con, write):
    s = load_sites(con, write("s.csv", GOOD))
    assert (s.status, s.rows_loaded) == ("loaded", 2)
    row = con.execute("SELECT service, kind, status, duty_system, running_cost_gbp_pa, easting FROM sites "
                      "WHERE site_id = 'F1'").fetchone()
    assert row[:5] == ("fire", "station", "open", "wholetime", 850000.0)
    assert 530000 < row[5] < 531000
    s = load_sites(con, write("t.csv", "site_id,name,easting,northing\nA1,Gamma,531000,181000\n"), service="ambulance")
    assert con.execute("SELECT service, lat FROM sites WHERE site_id='A1'").fetchone()[0] == "ambulance"


def test_reload_is_a_no_op_and_changed_site_is_updated(con, write):
    path = write("s.csv", GOOD)
    load_sites(con, path)
    before = counts(con)
    assert load_sites(con, path).status == "unchanged"
    assert counts(con) == before
    s = load_sites(con, write("s2.csv", GOOD.replace("Alpha", "Alpha Renamed")))
    assert (s.rows_loaded, s.rows_unchanged) == (1, 1)
    assert con.execute("SELECT name FROM sites WHERE site_id='F1'").fetchone()[0] == "Alpha Renamed"


def test_bad_rows_named_and_nothing_loaded(con, write):
    text = GOOD + "F2,Delta,fire,-0.1,51.5,,\nF3,Eps,fire,51.5,-0.1,nightshift,\nF1,Dup,fire,51.5,-0.1,,\nF4,,fire,51.5,-0.1,,\n"
    with pytest.raises(RejectedRowsError) as err:
        load_sites(con, write("s.csv", text))
    msg = str(err.value)
    assert "s.csv" in msg and "row 3 (line 4), field 'latitude/longitude'" in msg and "swapped" in msg
    assert "field 'duty_system'" in msg and "duplicate site_id (first at row 1)" in msg and "field 'name'" in msg
    assert counts(con)["sites"] == 0
    s = load_sites(con, write("s.csv", text), accept_partial=True)
    assert (s.rows_loaded, s.rows_rejected) == (2, 4)


def test_missing_columns(con, write):
    with pytest.raises(InputFileError, match="coordinate columns"):
        load_sites(con, write("s.csv", "site_id,name,service\nA,b,fire\n"))
    with pytest.raises(InputFileError, match="--service"):
        load_sites(con, write("s.csv", "site_id,name,latitude,longitude\nA,b,51.5,-0.1\n"))


def test_mapping(con, write):
    path = write("s.csv", "Code,Title,Lat,Lon\nX1,Foo,51.5,-0.1\n")
    s = load_sites(con, path, service="police", mapping={"site_id": "Code", "name": "Title", "latitude": "Lat",
                                                         "longitude": "Lon"})
    assert s.rows_loaded == 1


def test_layout_detection_and_lfb_closures(con, write):
    header = "Station_Name,Postcode,X (easting),Y (northing),Latitude,Longitude"
    assert detect_layout(header.split(",")) == "lfb_stations"
    path = write("lfb.csv", header + "\nSoho,W1,529500,181000,51.51,-0.13\nWestminster,SW1,530000,179000,51.49,-0.13\n")
    load_sites(con, path)
    rows = dict(con.execute("SELECT name, status || ' ' || coalesce(CAST(closed_on AS VARCHAR), '') FROM sites").fetchall())
    assert rows == {"Soho": "open ", "Westminster": "closed 2014-01-09"}


def test_duplicates_marked_across_sources(con, write):
    load_sites(con, write("a.csv", "site_id,name,service,easting,northing,source\nA,Official,fire,530000,180000,user\n"))
    load_sites(con, write("b.csv", "site_id,name,service,easting,northing,source\n"
                                   "O1,OSM near,fire,530100,180050,osm\nO2,OSM far,fire,531000,180000,osm\n"
                                   "O3,OSM police near,police,530050,180000,osm\n"))
    dup = dict(con.execute("SELECT site_id, duplicate_of FROM sites").fetchall())
    assert dup == {"A": None, "O1": "A", "O2": None, "O3": None}
    assert mark_duplicates(con) == 1


def test_geojson_sites_and_wrong_crs(con, write):
    gj = ('{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::27700"}},'
          '"features":[{"type":"Feature","properties":{"site_id":"G1","name":"Geo","service":"fire"},'
          '"geometry":{"type":"Point","coordinates":[530000,180000]}}]}')
    assert load_sites(con, write("s.geojson", gj)).rows_loaded == 1
    wrong = gj.replace("EPSG::27700", "EPSG::4326").replace("G1", "G2")
    with pytest.raises(InputFileError, match="declared CRS is probably wrong"):
        load_sites(con, write("w.geojson", wrong))


def test_a_duplicate_of_a_duplicate_points_to_the_most_authoritative_copy(con, write):
    """An OSM station nearest an estates-register copy of an official station is the official one's duplicate."""
    load_sites(con, write("a.csv", "site_id,name,service,easting,northing,source\nA,Official,fire,530000,180000,user\n"
                                   "P,Register,fire,530100,180000,lfb_property\nO,OSM,fire,530130,180000,osm\n"))
    dup = dict(con.execute("SELECT site_id, duplicate_of FROM sites").fetchall())
    assert dup == {"A": None, "P": "A", "O": "A"}
