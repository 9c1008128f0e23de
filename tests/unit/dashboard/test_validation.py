"""Every ranged control: an out-of-range value gets the request's message beside it and computes nothing."""

from __future__ import annotations

import pytest

from bluelight.dashboard.controls import FIX_FIELDS
from bluelight.dashboard.pages import colocation, coresponding, coverage, dap
from bluelight.foundation.errors import ValidationError
from bluelight.services.colocation import CandidatesRequest
from bluelight.services.coresponding import CorespondingRequest
from bluelight.services.coverage import CoverageRequest
from bluelight.services.dap import DapRequest
from bluelight.services.scenarios import AppraisalRequest
from bluelight.services.session import Session


@pytest.fixture(scope="module")
def ctx(wh, engine):
    return wh, engine


def _message(request_cls, field, value) -> str:
    with pytest.raises(ValidationError) as exc:
        request_cls.parse(**{field: value})
    return exc.value.errors[field]


@pytest.fixture
def no_compute(monkeypatch):
    """Fail loudly if a page computes anything while a control is invalid."""
    def refuse(*_a, **_k):
        raise AssertionError("computed a result from an invalid control")
    monkeypatch.setattr(dap.views, "plan_band", refuse)
    monkeypatch.setattr(coresponding.views, "run_coresponding", refuse)
    monkeypatch.setattr(colocation.views, "run_candidates", refuse)
    monkeypatch.setattr(colocation.views, "colocation_plan", refuse)
    monkeypatch.setattr(Session, "evaluate", refuse)


def _blocked(outputs) -> bool:
    return any(FIX_FIELDS in str(o) for o in outputs)


DAP_OK = [5, "mexclp", 8, 15, 0.75, ["fire", "police"], "evening", 0.3, 250]


@pytest.mark.parametrize("position, value, field, scale", [
    (0, 500, "k", 1), (0, 0, "k", 1), (0, -3, "k", 1), (0, None, "k", 1),
    (2, 0, "threshold_s", 60), (2, 90, "threshold_s", 60), (3, 500, "threshold2_s", 60),
    (4, 1.5, "alpha", 1), (7, 1.5, "busy_fraction", 1), (5, [], "candidates", 1), (8, 1, "max_snap_m", 1)])
def test_dap_controls(ctx, no_compute, position, value, field, scale):
    wh, session = ctx
    values = list(DAP_OK)
    values[position] = value
    out = dap.update_view(wh, session, *values)
    errors = out[-len(dap.BINDINGS):]
    expected = _message(DapRequest, field, value * scale if isinstance(value, (int, float)) else value)
    assert errors[position] == expected and sum(bool(e) for e in errors) == 1
    assert _blocked(out[:-len(dap.BINDINGS)])


@pytest.mark.parametrize("minutes", [0, 0.5, 500, None])
def test_coverage_standard(ctx, no_compute, minutes):
    wh, session = ctx
    out = coverage.update_view(wh, session, "fire", minutes, "population", "all", [], [0, 23], None)
    errors = out[-len(coverage.BINDINGS) - 1:-1]             # the hours' message comes last
    assert errors[1] == _message(CoverageRequest, "threshold_s", None if minutes is None else minutes * 60)
    assert _blocked(out)


@pytest.mark.parametrize("position, value, field, scale", [
    (3, 1.5, "bystander_cpr_share", 1), (4, 0.99, "ambulance_busy_fraction", 1), (5, 500, "time_on_scene_min", 1),
    (6, 0, "standard_s", 60), (6, 90, "standard_s", 60), (8, 99_999, "max_snap_m", 1)])
def test_coresponding_controls(ctx, no_compute, position, value, field, scale):
    wh, session = ctx
    values = ["de_maio_2003", [{"name": "b0"}], [1.0], 0.3, 0.5, 20, 8, [], 250]
    values[position] = value
    out = coresponding.update_view(wh, session, *values)
    errors = out[-(len(coresponding.BINDINGS) + 1):]
    index = [b.field for b in coresponding.BINDINGS].index(field)
    assert errors[index] == _message(CorespondingRequest, field, value * scale)
    assert _blocked(out)


def test_coresponding_blank_survival_parameter(ctx, no_compute):
    wh, session = ctx
    out = coresponding.update_view(wh, session, "de_maio_2003", [{"name": "b0"}], [None], 0.3, 0.5, 20, 8, [])
    assert "b0 blank" in out[-1] and _blocked(out)


@pytest.mark.parametrize("snap_m", [1, 99_999, None])
def test_coverage_snap_limit(ctx, no_compute, snap_m):
    wh, session = ctx
    out = coverage.update_view(wh, session, "fire", 6, "population", "all", [], [0, 23], None, snap_m)
    errors = out[-len(coverage.BINDINGS) - 1:-1]             # the hours' message comes last
    assert errors[5] == _message(CoverageRequest, "max_snap_m", snap_m) and _blocked(out)


@pytest.mark.parametrize("value", [0, 5000, -5, None])
def test_colocation_drive_time(ctx, no_compute, value):
    _, session = ctx
    out = colocation.ranked_view(session, value, [])
    assert out[-3] == _message(CandidatesRequest, "max_travel_s", value) and _blocked(out)


def test_colocation_traffic_period(ctx, no_compute):
    _, session = ctx
    out = colocation.ranked_view(session, 300, [], None, "dusk")
    assert out[-2] == _message(CandidatesRequest, "traffic_period", "dusk") and out[-3] == "" and _blocked(out)
    with pytest.raises(ValidationError, match="Travel times for must be one of"):
        colocation.timed(session, "dusk")


def test_colocation_figures_typed_into_the_grid(ctx, no_compute):
    _, session = ctx
    entered = colocation.entered_figures([{"colId": "host bays", "data": {"move": "F1", "into": "H1"},
                                           "value": -1}], {})
    assert entered == {"bays": {"H1": -1}}
    out = colocation.ranked_view(session, 300, [], entered)
    assert out[-1] == "Vehicle bays for H1 must be a whole number from 0 to 100, got -1 (fix the cell or clear the " \
                      "figures)" and _blocked(out)
    cleared = colocation.entered_figures([{"colId": "host bays", "data": {"into": "H1"}, "value": None}], entered)
    assert cleared == {}


@pytest.mark.parametrize("horizon, rate, field", [(0, 0.035, "horizon_years"), (500, 0.035, "horizon_years"),
                                                  (30, 0.5, "discount_rate"), (30, -0.1, "discount_rate")])
def test_colocation_appraisal(ctx, no_compute, horizon, rate, field):
    wh, session = ctx
    out = colocation.show_view(wh, session, "a", "b", horizon, rate, None, None, None, None, None)
    errors = out[4:6]
    index = ["horizon_years", "discount_rate"].index(field)
    assert errors[index] == _message(AppraisalRequest, field, horizon if index == 0 else rate)
    assert _blocked(out)


def test_valid_controls_clear_the_messages(ctx):
    wh, session = ctx
    out = dap.update_view(wh, session, *DAP_OK)
    assert out[-len(dap.BINDINGS):] == ("",) * len(dap.BINDINGS) and not _blocked(out)


def test_colocation_money_must_be_a_non_negative_cost(ctx, no_compute):
    from bluelight.services.scenarios import FinanceRequest

    wh, session = ctx
    out = colocation.show_view(wh, session, "a", "b", 30, 0.035, -5000, None, None, None, None)
    assert out[6] == _message(FinanceRequest, "refurbishment_gbp", -5000) and _blocked(out)


def test_scenarios_traffic_period(ctx):
    from bluelight.dashboard.pages import scenarios
    from bluelight.services.scenarios import AppraisalRequest

    _, session = ctx
    assert scenarios.at_period(session, "dusk") == (None, [_message(AppraisalRequest, "traffic_period", "dusk")])
    assert scenarios.at_period(session, "all") == (session, [""])


def test_a_plan_that_cannot_be_made_clears_the_old_one_and_says_why_beside_the_field(ctx):
    wh, session = ctx
    values = list(DAP_OK)
    values[0], values[5] = 40, ["fire"]                    # more posts than the synthetic region has fire stations
    out = dap.update_view(wh, session, *values, [], [])
    errors = out[-len(dap.BINDINGS):]
    assert errors[0] and "candidate" in errors[0] and all(not e for e in errors[1:])
    assert "Fill order" not in str(out[:-len(dap.BINDINGS)]) and errors[0] in str(out[1])


@pytest.mark.parametrize("page", ["coverage", "coresponding", "availability", "what_matters", "hubs"])
def test_every_travel_times_control_refuses_a_period_by_the_field(page):
    """A traffic period the profile does not have gets the request's message beside that page's "Travel times
    for" control (never all hours in its place)."""
    import importlib

    from bluelight.dashboard.controls import parse_controls

    views = importlib.import_module(f"bluelight.dashboard.pages.{page}.views")
    bindings = views.HUB_BINDINGS[:-1] if page == "hubs" else views.BINDINGS
    request_cls = getattr(views, {"coverage": "CoverageRequest", "coresponding": "CorespondingRequest",
                                  "availability": "SimulationRequest", "what_matters": "ClosureSweepRequest",
                                  "hubs": "HubRequest"}[page])
    values = ["dusk" if b.field == "traffic_period" else request_cls.field(b.field).default for b in bindings]
    request, errors = parse_controls(request_cls, bindings, values)
    at = [b.field for b in bindings].index("traffic_period")
    assert request is None and errors[at] == _message(request_cls, "traffic_period", "dusk")
    assert "Travel times for must be one of all, night, peak, off_peak, got 'dusk'" in errors[at]
