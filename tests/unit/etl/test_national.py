"""The national readers name the file, row and field of what they cannot use."""

import gzip

import pytest

from bluelight.etl.national import read_duty, read_fire1001, read_lsoas, read_stations
from bluelight.foundation.errors import InputFileError

PREAMBLE = "# Source: ONS\nContents,,\n,,\nTable SAPE22DT2,,\n,,\n"
HEADER = "LSOA Code,LSOA Name,LA Code (2019 boundaries),LA name (2019 boundaries),All Ages,0,1\n"


def _population(tmp_path, rows):
    path = tmp_path / "pop.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write(PREAMBLE + HEADER + "".join(rows))
    return path


def test_lsoas_join_centroids_to_counts_in_national_grid(tmp_path):
    cen = tmp_path / "cen.csv"
    cen.write_text("\ufeffX,Y,objectid,lsoa11cd,lsoa11nm\n-0.1276,51.5072,1,E01000001,City 001A\n"
                   "-3.18,51.48,2,W01000001,Cardiff 001A\n", encoding="utf-8")
    pop = _population(tmp_path, ['E01000001,City 001A,E09000001,City of London,"1,954",27,22\n',
                                 'W01000001,Cardiff 001A,W06000015,Cardiff,"1,200",20,20\n'])
    out = read_lsoas(cen, pop)
    assert out["lsoa"].tolist() == ["E01000001"] and out["population"].tolist() == [1954.0]   # England only
    assert 529_000 < out["easting"].iloc[0] < 531_000 and 180_000 < out["northing"].iloc[0] < 181_000


def test_a_bad_count_is_named_by_file_row_and_field(tmp_path):
    cen = tmp_path / "cen.csv"
    cen.write_text("X,Y,lsoa11cd\n-0.1,51.5,E01000001\n")
    pop = _population(tmp_path, ["E01000001,A,E09000001,City,lots,1,1\n"])
    with pytest.raises(InputFileError) as e:
        read_lsoas(cen, pop)
    assert e.value.field == "All Ages" and e.value.row == 7 and "pop.csv.gz" in str(e.value) and "'lots'" in str(e.value)
    bare = tmp_path / "bare.csv"
    bare.write_text("a,b\n1,2\n")
    with pytest.raises(InputFileError, match="no header row beginning 'LSOA Code'"):
        read_lsoas(cen, bare)


def test_stations_duty_and_fire1001(tmp_path):
    st = tmp_path / "st.csv"
    st.write_text("FRS_FULLNAME,E_CODE,STATION_NAME,STATION_ADDRESS,STATION_POSTCODE,STATION_EASTING,STATION_NORTHING\n"
                  "Kent,E1,Ashford,x,y,600000,140000\nKent,E1,Nowhere,x,y,,\n")
    out = read_stations(st)
    assert out["easting"].isna().tolist() == [False, True]
    st.write_text("FRS_FULLNAME,STATION_NAME,STATION_EASTING,STATION_NORTHING\n,Ashford,1,1\n")
    with pytest.raises(InputFileError) as e:
        read_stations(st)
    assert e.value.row == 1 and e.value.field == "FRS_FULLNAME"
    du = tmp_path / "duty.csv"
    du.write_text("STATION_NAME,STATION_EASTING,STATION_NORTHING,fire-duty-type,fire-co-responder-station\n"
                  "A,1,1,Wholetime & on-call,yes\nB,2,2,Retained,no\nC,3,3,Day Crewed,no\nD,4,4,,no\n")
    assert read_duty(du)["duty"].tolist() == ["wholetime", "on_call", "day_crewed", ""]
    f = tmp_path / "f1001.csv"
    f.write_text("FINANCIAL_YEAR,FIRE_TYPE,LOCATION_CATEGORY,INCIDENTS\n2019/20,Dwellings,Kent,10\n")
    with pytest.raises(InputFileError, match="DRIVE_TIME_min|TOTAL_RESPONSE_TIME_min"):
        read_fire1001(f)
    with pytest.raises(InputFileError, match="not found"):
        read_fire1001(tmp_path / "missing.csv")
