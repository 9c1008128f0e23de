"""Co-responding: arrivals and each survival model against values worked out by hand from the published formulas."""

import math

import numpy as np
import pytest

from bluelight.analysis.coresponding import (
    Bystander,
    SurvivalModel,
    arrivals,
    available_ambulance,
    enrolment_curve,
    expand,
    expected_survival,
    fire_cover_cost,
    medical_busy_fraction,
    survivors,
)
from bluelight.foundation.errors import AnalysisError


def test_de_maio_by_hand():
    m = SurvivalModel("de_maio_2003")
    # s(t) = 1 / (1 + exp(-0.679 + 0.262 t)); t = 5 min: exp(0.631) = 1.8795 -> 0.3473
    assert m.survival(0, 5, 9) == pytest.approx(1 / (1 + math.exp(-0.679 + 0.262 * 5)))
    assert float(m.survival(0, 5, 9)) == pytest.approx(0.3473, abs=1e-4)
    assert float(m.survival(0, 0, 0)) == pytest.approx(0.6635, abs=1e-4)


def test_waalewijn_by_hand():
    m = SurvivalModel("waalewijn_2001")
    # logit = 0.04 - 0.3 x 2 - 0.14 x (6 - 2) = -1.12 -> 1 / (1 + e^1.12) = 0.2460
    assert float(m.survival(2, 6, 8)) == pytest.approx(0.2460, abs=1e-4)
    # CPR sooner with the same defibrillation time helps
    assert m.survival(1, 6, 8) > m.survival(4, 6, 8)


def test_larsen_linear_by_hand():
    m = SurvivalModel("larsen_1993_linear")
    # 0.67 - 0.023 x 4 - 0.011 x 6 - 0.021 x 8 = 0.344
    assert float(m.survival(4, 6, 8)) == pytest.approx(0.344)
    assert float(m.survival(30, 30, 30)) == 0.0                          # never below zero
    edited = SurvivalModel("larsen_1993_linear", {"s0": 0.5, "a_cpr": 0.0, "b_def": 0.1, "c_als": 0.0})
    assert float(edited.survival(0, 2, 99)) == pytest.approx(0.3)
    with pytest.raises(AnalysisError, match="unknown survival model"):
        SurvivalModel("hope")


def test_bystander_mixture_by_hand():
    m = SurvivalModel("waalewijn_2001")
    b = Bystander(share=0.5, start_min=2.0)
    # half get CPR at 2 min (defib at 6), half wait for the crew at 6 min
    want = 0.5 * float(m.survival(2, 6, 6)) + 0.5 * float(m.survival(6, 6, 6))
    assert float(expected_survival(m, 6.0, 6.0, b)) == pytest.approx(want)


def test_arrivals_and_minutes_saved():
    amb = np.array([600.0, 300.0, np.inf])
    fire = np.array([[420.0, 500.0], [400.0, 350.0], [900.0, 700.0]])
    arr = arrivals(amb, fire, np.ones(3))
    assert arr.fire_s.tolist() == [420.0, 350.0, 700.0] and arr.fire_station.tolist() == [0, 1, 1]
    assert arr.fire_first.tolist() == [True, False, True]
    s = arr.summary()
    assert s["share_fire_first"] == pytest.approx(2 / 3)
    only_b = arrivals(amb, fire, np.ones(3), enrolled=[1])
    assert only_b.fire_s.tolist() == [500.0, 350.0, 700.0]
    none = arrivals(amb, fire, np.ones(3), enrolled=[])
    assert not none.fire_first[:2].any()


def test_survivors_and_greedy_enrolment_by_hand():
    m = SurvivalModel("de_maio_2003")
    amb = np.array([600.0, 600.0])
    fire = np.array([[300.0, 900.0], [900.0, 480.0]])
    arrests = np.array([2.0, 1.0])
    s = lambda t: 1 / (1 + math.exp(-0.679 + 0.262 * t))                       # noqa: E731
    gain_a, gain_b = 2 * (s(5) - s(10)), 1 * (s(8) - s(10))
    res = survivors(arrivals(amb, fire, arrests), m, arrests)
    assert res["additional_survivors"] == pytest.approx(gain_a + gain_b)
    assert res["per_station"][0] == pytest.approx(gain_a) and res["per_station"][1] == pytest.approx(gain_b)
    curve = enrolment_curve(amb, fire, arrests, m)
    assert curve["station"].tolist() == [0, 1]
    assert curve["marginal_survivors"].tolist() == pytest.approx([gain_a, gain_b])


def test_fire_cover_cost_and_busy_time_by_hand():
    # three fire demand points: station 0 alone brings point 0 within 360 s, station 1 alone point 2;
    # point 1 has both within, so losing either keeps it within
    t = np.array([[200.0, 500.0], [300.0, 340.0], [600.0, 250.0]])
    cost = fire_cover_cost(t, np.array([10.0, 10.0, 20.0]), 360.0, [0.1, 0.2])
    assert cost["share_at_risk_while_away"].tolist() == pytest.approx([0.25, 0.5])
    assert cost["expected_share_lost"].tolist() == pytest.approx([0.025, 0.1])
    arr = arrivals(np.array([600.0]), np.array([[300.0, 900.0]]), np.ones(1))
    busy = medical_busy_fraction(arr, np.array([100.0]), 2, time_on_scene_min=20)
    # 100 calls x (20 min + 2 x 5 min) = 3000 min of 525,960
    assert busy.tolist() == pytest.approx([3000 / (365.25 * 24 * 60), 0.0])


def test_nearest_available_ambulance_by_hand():
    t = np.array([[300.0, 600.0, 900.0]])
    times, probs = available_ambulance(t, 0.5, nearest=2)
    # nearest free with probability 0.5; otherwise (both busy or only the second free) the second: 0.5
    assert times.tolist() == [[300.0, 600.0]] and probs.tolist() == [[0.5, 0.5]]
    times, probs = available_ambulance(t, 0.2, nearest=3)
    assert probs[0].tolist() == pytest.approx([0.8, 0.16, 0.04])
    assert available_ambulance(t, 0.0)[1].tolist() == [[1.0, 0.0, 0.0]]
    # a fire crew at 450 s: first when the nearest ambulance is busy (probability 0.5)
    amb, rows, prob, fire = expand(*available_ambulance(t, 0.5, nearest=2), np.array([[450.0]]))
    arr = arrivals(amb, fire, prob)
    assert rows.tolist() == [0, 0] and arr.summary()["share_fire_first"] == pytest.approx(0.5)
    with pytest.raises(AnalysisError, match="busy_fraction"):
        available_ambulance(t, 1.0)
