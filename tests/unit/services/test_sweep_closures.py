"""Closing each station in turn (services.sweep_closures): requests checked by name, and a sweep of the
synthetic region ranking every station."""

from __future__ import annotations

import pytest

from bluelight.foundation.errors import ValidationError
from bluelight.services.sweep_closures import ClosureSweepRequest


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
