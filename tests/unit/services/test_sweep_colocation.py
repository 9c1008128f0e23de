"""The co-location sweep (services.sweep_colocation): each candidate pair run as one co-location scenario."""

import pytest

from bluelight.foundation.errors import ValidationError
from bluelight.services.sweep_colocation import ColocationSweepRequest, pair_scenario


def test_a_pair_becomes_one_move_into_its_host_named_in_words():
    sc = pair_scenario({"move": "MPS-1", "into": "LFB-2", "move_name": "Holborn police", "into_name": "Euston fire"})
    assert sc.name == "Holborn police into Euston fire"
    assert sc.changes == [{"action": "co_locate", "site": "MPS-1", "into": "LFB-2"}]


def test_the_request_runs_like_every_sweep():
    assert ColocationSweepRequest.parse().replications >= 1
    with pytest.raises(ValidationError) as err:
        ColocationSweepRequest.parse(scheduler="somewhere")
    assert err.value.field == "scheduler"
