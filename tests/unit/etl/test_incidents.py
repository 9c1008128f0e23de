import pytest

from bluelight.etl.categories import lfb_category, normalise_category
from bluelight.etl.incidents import detect_layout, load_incidents
from bluelight.foundation.errors import InputFileError, RejectedRowsError
from tests.conftest import counts

LFB_HEADER = ("IncidentNumber,DateOfCall,CalYear,TimeOfCall,HourOfCall,IncidentGroup,StopCodeDescription,"
              "SpecialServiceType,PropertyCategory,PropertyType,Easting_m,Northing_m,Easting_rounded,Northing_rounded,"
              "IncGeo_BoroughCode,ProperCase,IncidentStationGround,FirstPumpArriving_AttendanceTime,"
              "FirstPumpArriving_DeployedFromStation,SecondPumpArriving_AttendanceTime,"
              "SecondPumpArriving_DeployedFromStation")
LFB_ROWS = [
    "001-2023,2023-03-19,2023,14:11:51,14,Fire,Primary Fire,,Dwelling,House,,,529550,181450,E09000033,Westminster,Soho,298,Soho,,",
    "002-2023,2023-03-20,2023,02:00:00,2,Special Service,Special Service,RTC,Road Vehicle,Car,529501,181499,529500,181500,E09000033,Westminster,Soho,,,,",
    "003-2023,01 Jan 2009,2009,00:00:37,0,False Alarm,AFA,,Non Residential,Office,,,530000,180000,E09000033,Westminster,Soho,410.0,Lambeth,500,Soho",
]


def _lfb(write, rows=LFB_ROWS, name="lfb.csv"):
    return write(name, LFB_HEADER + "\n" + "\n".join(rows) + "\n")


def test_lfb_schema_detected_and_mapped(con, write):
    assert detect_layout(LFB_HEADER.split(",")) == "lfb_incident"
    s = load_incidents(con, _lfb(write))
    assert s.rows_loaded == 3
    rows = {r[0]: r[1:] for r in con.execute(
        "SELECT incident_id, category, location_precision_m, easting, first_arrival_s, first_site_id, hour_of_day "
        "FROM incidents").fetchall()}
    assert rows["LFB-001-2023"] == ("dwelling_fire", 50.0, 529550.0, 298.0, "LFB-soho", 14)
    assert rows["LFB-002-2023"][:3] == ("rtc", 1.0, 529501.0)        # precise coordinates preferred
    assert rows["LFB-003-2023"][0] == "false_alarm"
    assert con.execute("SELECT call_time FROM incidents WHERE incident_id='LFB-003-2023'").fetchone()[0].year == 2009


def test_reload_and_id_rules(con, write):
    path = _lfb(write)
    load_incidents(con, path)
    before = counts(con)
    assert load_incidents(con, path).status == "unchanged"
    # a new file repeating two incidents unchanged and adding one: only the new one is loaded
    s = load_incidents(con, _lfb(write, LFB_ROWS[:2] + [LFB_ROWS[2].replace("003-2023", "004-2023")], "b.csv"))
    assert (s.rows_loaded, s.rows_unchanged) == (1, 2)
    assert counts(con)["incidents"] == before["incidents"] + 1
    # the same id with different content is an error naming the row
    changed = LFB_ROWS[0].replace(",298,", ",301,")
    with pytest.raises(RejectedRowsError, match="row 1 .*incident_id.*different content"):
        load_incidents(con, _lfb(write, [changed], "c.csv"))


def test_same_id_different_content_in_one_file(con, write):
    rows = [LFB_ROWS[0], LFB_ROWS[0].replace(",298,", ",999,"), LFB_ROWS[0]]
    with pytest.raises(RejectedRowsError) as err:
        load_incidents(con, _lfb(write, rows))
    assert "row 2" in str(err.value) and "same id as row 1" in str(err.value)
    assert counts(con)["incidents"] == 0


def test_bad_lfb_rows(con, write):
    rows = [LFB_ROWS[0].replace("529550,181450", "-0.13,51.5"), LFB_ROWS[1].replace("2023-03-20", "yesterday")]
    with pytest.raises(RejectedRowsError) as err:
        load_incidents(con, _lfb(write, rows))
    msg = str(err.value)
    assert "row 1" in msg and "WGS84 degrees" in msg and "row 2" in msg and "'DateOfCall'" in msg


def test_generic_and_mobilisation(con, write):
    gen = write("g.csv", "incident_id,call_time,service,category,priority,latitude,longitude\n"
                         "A1,2025-01-02T03:04:05,ambulance,Cardiac arrest,C1,51.5,-0.1\n")
    assert load_incidents(con, gen).rows_loaded == 1
    assert con.execute("SELECT category, priority, service FROM incidents").fetchone() == ("cardiac_arrest", "C1", "ambulance")
    mob = write("m.csv", "IncidentNumber,ResourceMobilisationId,DateAndTimeMobilised,DateAndTimeMobile,"
                         "DateAndTimeArrived,TurnoutTimeSeconds,TravelTimeSeconds,AttendanceTimeSeconds,"
                         "DeployedFromStation_Name,PumpOrder\n"
                         "9,77,01/01/2009 00:02:27,01/01/2009 00:03:27,01/01/2009 00:07:46,60,259,319,Battersea,1\n")
    assert load_incidents(con, mob).rows_loaded == 1
    assert con.execute("SELECT site_id, turnout_s, attendance_s FROM mobilisations").fetchone() == ("LFB-battersea", 60.0, 319.0)


def test_generic_missing_columns(con, write):
    with pytest.raises(InputFileError) as err:
        load_incidents(con, write("g.csv", "id,when\n1,2\n"))
    assert err.value.field == "incident_id"


def test_categories():
    assert lfb_category("Fire", "Primary Fire", "", "Dwelling")[0] == "dwelling_fire"
    assert lfb_category("Fire", "Primary Fire", "", "Non Residential")[0] == "other_fire"
    assert lfb_category("Special Service", "Special Service", "Medical Incident - Co-responder", "")[0] == "medical"
    assert lfb_category("Special Service", "Special Service", "Flooding", "")[0] == "special_service"
    assert normalise_category("Road Traffic Collision") == "rtc"
    assert normalise_category("meteor strike") is None


def test_lfb_schema_without_the_optional_columns_parses(tmp_path):
    """An LFB-schema file lacking SpecialServiceType and PropertyCategory (calibrate --evaluate crashed on it)."""
    import pandas as pd

    from bluelight.etl.incidents import parse_incidents
    from tests.conftest import SHARED

    src = SHARED / "london" / "incidents" / "lfb_incidents_2023_sample.csv"
    if not src.is_file():
        import pytest
        pytest.skip("no shared data")
    frame = pd.read_csv(src, dtype=str, nrows=50).drop(columns=["SpecialServiceType", "PropertyCategory"])
    path = tmp_path / "lfb_min.csv"
    frame.to_csv(path, index=False)
    parsed = parse_incidents(path)
    assert len(parsed.frame) > 0 and parsed.frame["category"].notna().all()


def test_pump_count_and_minutes_go_to_the_workload_table_and_leave_the_incident_hash_alone(con, write):
    header = LFB_HEADER + ",PumpCount,PumpMinutesRounded"
    rows = [LFB_ROWS[0] + ",2,60", LFB_ROWS[1] + ",1,95", LFB_ROWS[2] + ",,"]
    path = write("w.csv", header + "\n" + "\n".join(rows) + "\n")
    assert load_incidents(con, path).rows_loaded == 3
    work = {r[0]: r[1:] for r in con.execute(
        "SELECT incident_id, vehicles_sent, vehicle_minutes, vehicle_minutes_floor FROM incident_workload").fetchall()}
    assert work == {"LFB-001-2023": (2, 60.0, 60.0), "LFB-002-2023": (1, 95.0, 60.0)}     # no figures: no row
    # the same incidents without the workload columns are unchanged (a warehouse loaded before the table existed)
    assert load_incidents(con, _lfb(write)).status == "unchanged"
    bad = write("bad.csv", header + "\n" + LFB_ROWS[0].replace("001-2023", "009-2023") + ",two,60\n")
    with pytest.raises(RejectedRowsError, match="PumpCount"):
        load_incidents(con, bad)
    assert con.execute("SELECT count(*) FROM incident_workload").fetchone()[0] == 2     # nothing half-written
