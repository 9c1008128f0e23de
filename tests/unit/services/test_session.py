"""Session: demand subsets, traffic periods, turn penalties and stored road positions, on a synthetic warehouse."""

import numpy as np


def test_incident_demand_of_some_hours_and_categories_is_the_subset_of_every_incident(synthetic_wh):
    from bluelight.analysis.speeds import load_profile
    from bluelight.etl.warehouse import connect
    from bluelight.services.inputs import read_incident_demand
    from bluelight.services.session import DemandSpec, Session

    con = connect(synthetic_wh, read_only=True)
    try:
        shared = Session.over(con, load_profile("bluelight_v1"))
        shared.evaluate("fire", DemandSpec("incidents"))                    # every incident, modelled first
        cats = sorted(shared.demand(DemandSpec("incidents"), "fire")["category"].dropna().unique())[:1]
        spec = DemandSpec("incidents", "all", tuple(cats), (6, 19))
        got = shared.evaluate("fire", spec)
        fresh = Session.over(con, load_profile("bluelight_v1"))
        pts = fresh.read(lambda cur: read_incident_demand(cur, service="fire", categories=cats, hours=range(6, 20)))
        assert 0 < len(got.points) == len(pts) < len(shared.demand(DemandSpec("incidents"), "fire"))
        assert got.points["zone"].tolist() == pts["zone"].tolist()
        direct = fresh.with_links(pts)
        from bluelight.analysis.coverage import build_coverage_model, evaluate
        from bluelight.services.session import frame_links
        on = fresh.sites("fire")
        on = on[on["node"] >= 0]
        model = build_coverage_model(fresh.site_times(on), on["turnout"].to_numpy(), direct["node"].to_numpy(),
                                     links=frame_links(direct))
        assert np.allclose(evaluate(model), got.response_s, equal_nan=True)
    finally:
        con.close()


def test_a_session_for_one_traffic_period_scales_drives_and_moves_turnout(synthetic_wh):
    import pytest

    from bluelight.analysis.speeds import load_profile, profile_from_dict
    from bluelight.etl.warehouse import connect
    from bluelight.foundation.errors import ConfigError
    from bluelight.services.session import DemandSpec, Session

    base = load_profile("bluelight_v1")
    at_period = profile_from_dict({**base.to_dict(), "traffic_periods": {
        "night": {"turnout_s": base.turnout_s["wholetime"] + 30.0, "drive_factor": 0.5}}})
    con = connect(synthetic_wh, read_only=True)
    try:
        session = Session.over(con, at_period)
        night = session.for_period("night")
        assert night is session.for_period("night") and session.for_period("all") is session
        assert night.profile.key == f"{at_period.key}/night"
        day_t = session.evaluate("fire", DemandSpec()).response_s
        night_t = night.evaluate("fire", DemandSpec()).response_s
        ok = np.isfinite(day_t) & np.isfinite(night_t)
        # wholetime crews: +30 s turnout, drive halved, so night = day + 30 - drive / 2 everywhere
        assert (night_t[ok] < day_t[ok] + 30.0 + 1e-6).all() and (night_t[ok] > 30.0).all()
        assert night_t[ok].mean() < day_t[ok].mean()
        with pytest.raises(ConfigError, match="no traffic period 'peak'"):
            session.for_period("peak")
    finally:
        con.close()


def test_a_profile_with_turn_penalties_routes_on_the_edge_based_network(synthetic_wh):
    from bluelight.analysis.speeds import load_profile, profile_from_dict
    from bluelight.analysis.turns import turn_network, turn_site_times
    from bluelight.etl.warehouse import connect
    from bluelight.services.session import DemandSpec, Session

    base = load_profile("bluelight_v1")
    turning = profile_from_dict({**base.to_dict(), "name": "turning",
                                 "turn_penalty_s": {"turn_left": 0.0, "turn_right": 12.0, "u_turn": 30.0}})
    assert turning.turns == {"turn_right": 12.0, "u_turn": 30.0} and base.turns == {}
    con = connect(synthetic_wh, read_only=True)
    try:
        plain, turned = Session.over(con, base), Session.over(con, turning)
        sites = turned.sites("fire")
        nodes = sites.loc[sites["node"] >= 0, "node"].to_numpy()[:3]
        want = turn_site_times(turn_network(turned.network, turning.turns), nodes, cutoff_s=turned.cutoff_s).dense()
        np.testing.assert_allclose(turned.times(nodes).dense(), want)
        t0 = plain.evaluate("fire", DemandSpec()).response_s
        t1 = turned.evaluate("fire", DemandSpec()).response_s
        ok = np.isfinite(t0) & np.isfinite(t1)
        assert (t1[ok] >= t0[ok] - 1e-6).all() and t1[ok].mean() > t0[ok].mean()
        field, nearest = turned.site_field(sites[sites["node"] >= 0], np.zeros((sites["node"] >= 0).sum()),
                                           cutoff_s=600.0)
        plain_field, _ = plain.site_field(sites[sites["node"] >= 0], np.zeros((sites["node"] >= 0).sum()),
                                          cutoff_s=600.0)
        both = np.isfinite(field) & np.isfinite(plain_field)
        assert (field[both] >= plain_field[both] - 1e-6).all() and (nearest[np.isfinite(field)] >= 0).all()
    finally:
        con.close()


def test_the_response_grid_is_the_earliest_time_grid_of_every_site_with_its_turnout(synthetic_wh):
    from bluelight.analysis.isochrones import earliest_time_grid
    from bluelight.analysis.speeds import load_profile
    from bluelight.etl.warehouse import connect
    from bluelight.services.session import Session

    con = connect(synthetic_wh, read_only=True)
    session = Session.over(con, load_profile("bluelight_v1"))
    grid = session.response_grid("fire", cell_m=100.0, buffer_m=250.0)
    on = session.sites("fire").query("node >= 0")
    times, _ = session.site_field(on, on["turnout"].to_numpy(float), cutoff_s=session.cutoff_s)
    expected = earliest_time_grid(session.network, session.edge_geoms, times, session.cutoff_s, cell_m=100.0,
                                  buffer_m=250.0)
    assert np.array_equal(grid.time_s, expected.time_s) and grid.bounds_m == expected.bounds_m
    reached = grid.time_s[np.isfinite(grid.time_s)]
    assert reached.min() >= on["turnout"].min() - 1e-9           # nowhere sooner than the quickest turnout
    assert session.response_grid("fire", cell_m=100.0, buffer_m=250.0) is grid      # kept in the session
    con.close()
