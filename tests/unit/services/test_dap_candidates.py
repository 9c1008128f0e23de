"""Where a DAP may be: sites of the chosen sources, standby points on the road, and the stations always there."""

import pytest

from bluelight.analysis.speeds import load_profile
from bluelight.etl.warehouse import connect
from bluelight.foundation.errors import AnalysisError
from bluelight.services.dap_candidates import candidate_posts, read_dap_sites, standby_sites
from bluelight.services.session import Session


@pytest.fixture
def session(synthetic_wh):
    con = connect(synthetic_wh, read_only=True)
    yield Session.over(con, load_profile("bluelight_v1"))
    con.close()


def test_the_sources_give_their_open_stations_and_the_ambulance_stations_stay(synthetic_wh):
    con = connect(synthetic_wh, read_only=True)
    try:
        cands, fixed = read_dap_sites(con, ["fire", "police"])
        assert set(cands["service"]) == {"fire", "police"} and set(cands["status"]) == {"open"}
        assert set(fixed["service"]) == {"ambulance"} and len(fixed) > 0
        with pytest.raises(AnalysisError, match="unknown candidate sources \\['fire station'\\]"):
            read_dap_sites(con, ["fire station"])
    finally:
        con.close()


def test_standby_points_lie_on_the_road_spaced_apart_and_named_by_a_street(session):
    import numpy as np

    points = standby_sites(session, spacing_m=1000.0, max_points=12)
    assert 0 < len(points) <= 12 and set(points["service"]) == {"road"}
    assert points["name"].str.startswith("standby point, ").all() and points["site_id"].is_unique
    xy = points[["easting", "northing"]].to_numpy()
    gaps = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    assert gaps[np.triu_indices(len(xy), 1)].min() >= 1000.0 - 1e-6            # no two closer than the spacing
    net = session.network
    on_road = {(round(x, 3), round(y, 3)) for x, y in zip(net.x_m, net.y_m)}
    assert all((round(x, 3), round(y, 3)) in on_road for x, y in xy)            # each one a road junction


def test_road_points_join_the_sites_and_no_candidate_at_all_is_refused(session, monkeypatch):
    from bluelight.services import dap_candidates

    cands, fixed = candidate_posts(session, ["fire", "road"], None, spacing_m=1000.0, max_points=5)
    assert {"fire", "road"} == set(cands["service"]) and (cands["service"] == "road").sum() <= 5
    none = cands.iloc[0:0]
    monkeypatch.setattr(dap_candidates, "read_dap_sites", lambda con, sources: (none, fixed))   # no open site
    with pytest.raises(AnalysisError, match="no candidate posts: no open hospital sites; add road"):
        candidate_posts(session, ["hospital"], None, spacing_m=1000.0, max_points=5)
