"""The sweeps' requests and scheduler, by hand: values checked by name, tasks in order with what they share,
and a closure sweep on the synthetic region."""

from __future__ import annotations

import pytest

from bluelight.foundation.errors import ValidationError
from bluelight.services.cluster import run_tasks
from bluelight.services.sweep_closures import ClosureSweepRequest
from bluelight.services.sweep_parameters import ParameterSweepRequest


def _scaled(shared: int, task: int) -> int:
    return shared * task


def test_serial_tasks_come_back_in_order_with_what_they_share_and_progress():
    seen = []
    ran = run_tasks(_scaled, [3, 1, 2], scheduler="serial", shared=10, progress=lambda d, t: seen.append((d, t)))
    assert ran.results == [30, 10, 20] and ran.workers == 1 and seen == [(1, 3), (2, 3), (3, 3)]
    assert run_tasks(abs, [-2, 5], scheduler="serial").results == [2, 5]


def test_parameter_values_are_numbers_within_the_parameter_s_bounds_sorted():
    assert ParameterSweepRequest.parse(values="2,1.45,1").values == ("1", "1.45", "2")
    with pytest.raises(ValidationError, match="Values must be numbers"):
        ParameterSweepRequest.parse(values="1,x")
    with pytest.raises(ValidationError, match="from 1 to 10"):
        ParameterSweepRequest.parse(values="1,12")
    with pytest.raises(ValidationError, match="must differ"):
        ParameterSweepRequest.parse(values="2,2.0")
    with pytest.raises(ValidationError, match="at least"):
        ParameterSweepRequest.parse(values="2")
    assert ParameterSweepRequest.parse(parameter="turnout_add_s", values="-30,60").values == ("-30", "60")


def test_closure_requests_name_their_bad_field():
    with pytest.raises(ValidationError) as err:
        ClosureSweepRequest.parse(scheduler="somewhere")
    assert err.value.field == "scheduler"
    with pytest.raises(ValidationError) as err:
        ClosureSweepRequest.parse(service="police", arrivals="population")
    assert err.value.field == "arrivals"
    assert ClosureSweepRequest.parse(service="ambulance").simulation("ambulance").threshold_s == 420.0


def test_a_closure_sweep_of_the_synthetic_region_ranks_every_station(synthetic_wh):
    from bluelight.etl.warehouse import connect
    from bluelight.services.inputs import session_profile
    from bluelight.services.session import Session
    from bluelight.services.sweep_closures import run_closure_sweep

    con = connect(synthetic_wh, read_only=True)
    try:
        session = Session.over(con, session_profile(con, None))
        out = run_closure_sweep(session, ClosureSweepRequest(service="ambulance", replications=2))
    finally:
        con.close()
    # the synthetic incidents are every incident of the region: replayed as they happened
    assert out.arrivals == "replay" and "replayed" in out.arrivals_note
    assert len(out.sites) == out.baseline["stations"] >= 2
    assert [s["rank"] for s in out.sites] == list(range(1, len(out.sites) + 1))
    assert all(s["calls_pa"] >= 0 and s["added_mean_response_ci95"][0] <= s["added_mean_response_s"]
               for s in out.sites)
