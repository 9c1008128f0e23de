import pytest

from bluelight.etl.boundaries import load_boundaries
from bluelight.etl.population import load_population
from bluelight.etl.targets import default_targets, load_targets
from bluelight.foundation.errors import InputFileError, RejectedRowsError

POP = ("zone_code,pop_total,pop_0_15,pop_16_29,pop_30_44,pop_45_64,pop_65_plus,easting,northing\n"
       "Z1,100,10,20,30,25,15,530000,180000\nZ2,50,,,,,,531000,181000\n")


def test_generic_population(con, write):
    s = load_population(con, write("p.csv", POP))
    assert s.rows_loaded == 2
    assert con.execute("SELECT sum(pop_total), sum(pop_65_plus) FROM population").fetchone() == (150.0, 15.0)


def test_population_bad_rows(con, write):
    bad = POP + "Z3,-5,,,,,,531000,181000\nZ4,100,1,1,1,1,1,531000,181000\nZ1,1,,,,,,531000,181000\n"
    with pytest.raises(RejectedRowsError) as err:
        load_population(con, write("p.csv", bad))
    msg = str(err.value)
    assert "row 3" in msg and "row 4" in msg and "age bands sum to 5" in msg and "duplicate zone_code" in msg


def test_london_population_layout(con, write):
    header = ("LSOA11CD,LSOA11NM,MSOA11CD,MSOA11NM,LAD11CD,LAD11NM,Persons_All-Ages,Persons_0-15,Persons_16-29,"
              "Persons_30-44,Persons_45-64,Persons_65+,lon,lat,easting,northing")
    row = "E01000001,City of London 001A,E02000001,x,E09000001,City of London,1749,296,215,313,470,455,-0.0963,51.5196,532180.9,181797.9"
    load_population(con, write("l.csv", header + "\n" + row + "\n"))
    assert con.execute("SELECT zone_kind, year, pop_total, la_name FROM population").fetchone() == \
        ("lsoa11", 2020, 1749.0, "City of London")


SQUARE = ('{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"B1","name":"Borough"},'
          '"geometry":{"type":"Polygon","coordinates":[[[-0.2,51.4],[0.0,51.4],[0.0,51.6],[-0.2,51.6],[-0.2,51.4]]]}}]}')


def test_boundaries_geojson(con, write):
    s = load_boundaries(con, write("b.geojson", SQUARE), kind="borough")
    assert s.rows_loaded == 1
    area = con.execute("SELECT area_m2 FROM boundaries").fetchone()[0]
    assert 2.8e8 < area < 3.2e8      # about 13.9 km x 22.2 km
    assert load_boundaries(con, write("b.geojson", SQUARE), kind="borough").status == "unchanged"


def test_boundaries_wrong_crs_and_fields(con, write):
    bng_as_wgs = SQUARE.replace("-0.2,51.4", "520000,170000")
    with pytest.raises(InputFileError, match="outside Great Britain"):
        load_boundaries(con, write("w.geojson", bng_as_wgs), kind="borough")
    with pytest.raises(InputFileError, match="--code-field"):
        load_boundaries(con, write("n.geojson", SQUARE.replace('"code"', '"zzz"')), kind="borough")


def test_targets_file_and_bad_entries(con, write):
    s = load_targets(con, default_targets())
    assert s.rows_loaded >= 10
    c1 = con.execute("SELECT threshold_s FROM targets WHERE target_id = 'nhs-arp-c1-mean'").fetchone()[0]
    assert c1 == 420
    assert con.execute("SELECT count(*) FROM targets WHERE source IS NULL OR source = ''").fetchone()[0] == 0
    bad = write("t.yaml", "targets:\n  - {id: x, service: fire, category: c, statistic: share_within, threshold_s: 60,"
                          " jurisdiction: j, description: d, source: s}\n")
    with pytest.raises(RejectedRowsError, match="goal"):
        load_targets(con, bad)
    with pytest.raises(InputFileError, match="targets"):
        load_targets(con, write("u.yaml", "just: text\n"))
