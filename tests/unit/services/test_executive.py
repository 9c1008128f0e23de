"""The executive matrix: every service and area, judged against its target, with how much is assessed."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from bluelight.analysis.speeds import load_profile
from bluelight.etl.warehouse import connect
from bluelight.services.executive import actual_by_area, cell_text, executive_matrix, judged, scope
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



def test_actual_against_modelled_on_the_same_incidents():
    points = pd.DataFrame({"area": ["A", "A", "A", "B", ""], "first_arrival_s": [300.0, 400.0, 200.0, np.nan, 10.0]})
    stub = SimpleNamespace(variability=None, evaluate=lambda service, spec: SimpleNamespace(
        points=points, response_s=np.array([200.0, 500.0, np.nan, 100.0, 50.0])))
    out = actual_by_area(stub, "fire", 360.0)
    # A: the off-network incident is left out; of the two left, one reached within 6 min actually and modelled
    assert out["A"] == {"incidents_checked": 2, "actual_share_within": 0.5, "modelled_incident_share_within": 0.5}
    assert "B" not in out and out["(no area)"]["incidents_checked"] == 1       # B has no recorded arrival


def test_cells_lead_with_the_statistic_their_target_judges():
    base = {"threshold_s": 360.0, "share_within": 0.763, "mean_s": 290.0, "judged": True, "assessed_share": 1.0}
    assert cell_text(base | {"met": True, "statistic": "mean"}) == \
        "mean 4:50 against 6:00, met; 76.3% within 6:00"
    assert cell_text(base | {"met": False, "statistic": "share_within", "goal": 0.9, "judged": False,
                             "assessed_share": 0.12}) == "76.3% within 6:00 against 90%, not met (12% assessed)"
    assert cell_text(base | {"met": None, "incidents_checked": 1200, "actual_share_within": 0.751,
                             "modelled_incident_share_within": 0.788}) == \
        "76.3% within 6:00, no target; 1,200 incidents: 75% actual, 79% modelled"


def test_the_command_line_gives_the_matrix(synthetic_wh, capsys):
    import json

    from bluelight.cli.main import main

    capsys.readouterr()
    assert main(["executive", "--warehouse", str(synthetic_wh), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["cells"] and result["scope"]["areas"] == len({c["area"] for c in result["cells"]})
    assert result["caveats"].keys() <= {"police"}
    assert main(["executive", "--warehouse", str(synthetic_wh)]) == 0
    text = capsys.readouterr().out
    assert text.startswith("Assessed: ") and "within" in text
