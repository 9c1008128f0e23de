"""The DAP core on hand-built response matrices."""

import numpy as np
import pytest

from bluelight.analysis.dap import (
    DapProblem,
    PostSettings,
    compliance_table,
    expected_share_within,
    nested_plans,
    plan_objective,
    solve_plan,
    solve_posts,
)
from bluelight.foundation.errors import AnalysisError


def _problem(available=(True, True, True)):
    # four demand points; one existing station reaches points 0 and 1 within 480 s
    cand = np.array([[900, 300, 1000], [900, 350, 1000], [200, 900, 700], [1000, 900, 400]], float)
    fixed = np.array([[100], [300], [1500], [1500]], float)
    return DapProblem(cand, fixed, np.array([5.0, 5.0, 3.0, 2.0]), np.array(available))


def test_mclp_posts_where_the_station_does_not_reach():
    p = _problem()
    r = solve_posts(p, 1, PostSettings("mclp"))
    assert r.chosen.tolist() == [0] and r.objective == pytest.approx(3.0)      # point 2; point 3 is worth 2
    r = solve_posts(p, 2, PostSettings("mclp"))
    assert sorted(r.chosen.tolist()) == [0, 2] and r.objective == pytest.approx(5.0)
    assert p.response_s([0, 2]).tolist() == [100, 300, 200, 400]


def test_opening_hours_exclude_a_candidate():
    r = solve_posts(_problem(available=(False, True, True)), 1, PostSettings("mclp"))
    assert r.chosen.tolist() == [2]                                              # post 0 is closed in this band
    with pytest.raises(AnalysisError, match="only 2 candidates are open"):
        solve_posts(_problem(available=(False, True, True)), 3, PostSettings("mclp"))


def test_pmedian_and_compliance_table():
    p = _problem()
    table = compliance_table(p, 3, PostSettings("pmedian"))
    # base total: 5x100 + 5x300 + 3x1500 + 2x1500 = 9500; post 0 saves 3x1300 + 2x500 = 4900 (best single)
    assert table.loc[0, "posts"] == "0" and table.loc[0, "gain"] == pytest.approx(4900)
    assert table.loc[1, "objective"] == pytest.approx(500 + 1500 + 600 + 800)   # posts 0 and 2
    assert (table["gain"] >= -1e-9).all() and table["status"].eq("optimal").all()


def test_expected_share_with_busy_vehicles():
    p = _problem()
    # within 480: points 0 and 1 have the station and post 1 (1 - 0.5^2), point 2 has post 0, point 3 none
    got = expected_share_within(p, [0, 1], 480, 0.5)
    assert got == pytest.approx((5 * 0.75 + 5 * 0.75 + 3 * 0.5 + 0) / 15)
    assert solve_posts(p, 2, PostSettings("mexclp", busy_fraction=0.5, max_per_site=2)).optimal


def test_double_standard_needs_the_second_standard_met():
    p = _problem()
    r = solve_posts(p, 2, PostSettings("dsm", threshold_s=480, threshold2_s=1000, alpha=0.5))
    assert r.optimal
    with pytest.raises(AnalysisError, match="cannot be met with 1 vehicle"):   # points 2 and 3 need a post each
        solve_posts(p, 1, PostSettings("dsm", threshold_s=480, threshold2_s=480, alpha=0.5))
    with pytest.raises(AnalysisError, match="unknown model"):
        PostSettings("teleport")


def test_compliance_table_says_which_levels_cannot_meet_the_double_standard():
    table = compliance_table(_problem(), 2, PostSettings("dsm", threshold_s=480, threshold2_s=480, alpha=0.5))
    assert "cannot be met with 1 vehicle" in table.loc[0, "status"] and np.isnan(table.loc[0, "objective"])
    assert table.loc[1, "status"] == "optimal"


def _three_candidates():
    # X covers points 2, 3 (3 + 3 = 6); Y covers 1, 2 (2 + 3 = 5); Z covers 3, 4 (3 + 2 = 5); no station
    near, far = 100.0, 1000.0
    cand = np.array([[far, near, far], [near, near, far], [near, far, near], [far, far, near]])
    return DapProblem(cand, np.zeros((4, 0)), np.array([2.0, 3.0, 3.0, 2.0]), np.ones(3, bool))


def test_nested_plans_add_one_post_at_a_time_and_say_what_nesting_costs():
    problem, s = _three_candidates(), PostSettings("mclp", threshold_s=480)
    optimum = compliance_table(problem, 2, s, names=np.array(["X", "Y", "Z"]))
    assert optimum["objective"].tolist() == [6.0, 10.0]                       # k = 2: Y and Z, not X
    nested = nested_plans(problem, 2, s, names=np.array(["X", "Y", "Z"]), optimum=optimum)
    assert nested["added"].tolist()[0] == "X" and nested["posts"].iloc[1].startswith("X, ")
    assert nested["objective"].tolist() == [6.0, 8.0] and nested["gain"].tolist() == [6.0, 2.0]
    assert nested["cost_of_nesting"].tolist() == [0.0, 2.0]
    assert set(nested["chosen"].iloc[0]) <= set(nested["chosen"].iloc[1])   # nested by construction


@pytest.mark.parametrize("model", ["mclp", "mexclp", "pmedian"])
def test_plan_objective_is_the_solvers_and_nested_plans_are_nested(model):
    rng = np.random.default_rng(7)
    problem = DapProblem(rng.uniform(100, 900, (30, 6)), rng.uniform(300, 1200, (30, 2)), rng.uniform(0, 5, 30),
                         np.ones(6, bool))
    s = PostSettings(model, threshold_s=480, busy_fraction=0.4)
    for k in (1, 2, 3):
        r = solve_posts(problem, k, s)
        assert plan_objective(problem, r.chosen, s) == pytest.approx(r.objective, rel=1e-6)
    nested = nested_plans(problem, 4, s, optimum=compliance_table(problem, 4, s))
    for a, b in zip(nested["chosen"], nested["chosen"][1:]):
        assert b[:len(a)] == a
    assert (nested["cost_of_nesting"] >= 0).all() and nested["cost_of_nesting"].iloc[0] == pytest.approx(0.0)


def test_forced_and_excluded_candidates():
    problem, s = _three_candidates(), PostSettings("mclp", threshold_s=480)
    r = solve_plan(problem, 2, s, forced=[0])                                 # X forced: then Y or Z
    assert r.chosen[0] == 0 and len(r.chosen) == 2 and r.objective == 8.0
    r = solve_plan(problem, 2, s, excluded=[2])                               # Z kept out: X and Y
    assert sorted(r.chosen.tolist()) == [0, 1] and r.objective == 8.0
    with pytest.raises(AnalysisError, match="both forced and excluded"):
        solve_plan(problem, 2, s, forced=[1], excluded=[1])
    with pytest.raises(AnalysisError, match="forced but only k = 1"):
        solve_plan(problem, 1, s, forced=[0, 1])
    nested = nested_plans(problem, 2, s, forced=[1], excluded=[0])
    assert nested["chosen"].iloc[1] == [1, 2]
    with pytest.raises(AnalysisError, match="nested plans"):
        nested_plans(problem, 2, PostSettings("dsm", threshold_s=480))
