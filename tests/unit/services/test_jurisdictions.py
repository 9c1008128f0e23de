"""Whose area each loaded area is (services.jurisdictions)."""

from bluelight.analysis.speeds import load_profile
from bluelight.etl.warehouse import connect
from bluelight.services.jurisdictions import area_jurisdictions
from bluelight.services.session import Session


def test_a_synthetic_regions_areas_are_in_no_country(synthetic_wh):
    # its districts' codes (SYNLA0 ...) are not ONS codes: an S at the front once made them Scottish
    con = connect(synthetic_wh, read_only=True)
    try:
        found = area_jurisdictions(Session.over(con, load_profile("bluelight_v1")))
    finally:
        con.close()
    assert set(found) == {f"SYNTHETIC district {i}" for i in range(1, 5)}
    assert all(j == set() for j in found.values())
