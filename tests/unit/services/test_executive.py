"""The executive matrix: every service and area, judged against its target, with how much is assessed."""

import numpy as np
import pytest

from bluelight.analysis.speeds import load_profile
from bluelight.etl.warehouse import connect
from bluelight.services.executive import executive_matrix, judged, scope
from bluelight.services.session import Session


def test_targets_are_judged_by_their_statistic():
    assert judged("mean", 0.1, 300.0, 360.0, None) is True and judged("mean", 0.9, 400.0, 360.0, None) is False
    assert judged("share_within", 0.76, 0.0, 420.0, 0.75) is True
    assert judged("share_within", 0.74, 0.0, 420.0, 0.75) is False and judged("mean", 0.5, np.nan, 360, None) is None


def test_matrix_on_a_synthetic_region(synthetic_wh):
    con = connect(synthetic_wh, read_only=True)
    try:
        session = Session.over(con, load_profile("bluelight_v1"))
        targets = con.execute("SELECT * FROM targets").df()
        m = executive_matrix(session, targets)
    finally:
        con.close()
    assert {"fire", "ambulance"} <= set(m["service"]) and m["area"].nunique() >= 1
    assert m["share_within"].between(0, 1).all() and m["assessed_share"].between(0, 1).all()
    assert (m["judged"] == (m["assessed_share"] >= 0.5)).all()
    assert all("patrol" in c for c in m.loc[m["service"] == "police", "caveat"])
    assert (m.loc[m["service"] != "police", "caveat"] == "").all()
    sc = scope(m)
    assert 0 < sc["population_assessed"] <= sc["population"] and sc["areas"] == m["area"].nunique()
    assert sc["population"] == pytest.approx(m.drop_duplicates("area")["population"].sum())
