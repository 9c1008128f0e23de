"""The coverage use case's own rules (services.coverage): the standard, demand that must exist, what changed,
and which incident selections the open tier may see."""

import numpy as np
import pandas as pd
import pytest

from bluelight.foundation.access import load_rules
from bluelight.foundation.errors import AnalysisError, ValidationError
from bluelight.services.coverage import CoverageRequest, change_counts, open_selection, require_demand
from bluelight.services.session import DemandSpec


def test_the_standard_is_the_services_own_unless_one_is_given():
    assert CoverageRequest.parse(service="ambulance").standard_s == 420.0
    assert CoverageRequest.parse(service="fire", threshold_s=480).standard_s == 480.0


def test_no_demand_is_refused_rather_than_reported_as_a_share():
    with pytest.raises(AnalysisError, match="no population demand"):
        require_demand(pd.DataFrame({"weight": [0.0, 0.0]}), what="population")
    with pytest.raises(AnalysisError, match="no incidents \\(fire\\) demand"):
        require_demand(pd.DataFrame({"weight": []}), what="incidents (fire)")
    require_demand(pd.DataFrame({"weight": [0.0, 2.0]}), what="population")


def test_what_a_change_did_counted_by_hand():
    r0 = np.array([100.0, 200.0, 300.0, np.nan])
    r1 = np.array([100.0, 400.0, 250.0, 50.0])                # one slower, one faster; the unrouted point ignored
    w = np.array([1.0, 2.0, 3.0, 4.0])
    before = {"summary": {"share_within": 0.5}, "demand_within": 3.0}
    after = {"summary": {"share_within": 0.4}, "demand_within": 4.0}
    out = change_counts(r0, r1, w, before, after)
    assert out == {"demand_slower": 2.0, "demand_faster": 3.0, "share_within_change": pytest.approx(-0.1),
                   "demand_within_before": 3.0, "demand_within_after": 4.0}


def test_the_open_tier_sees_all_hours_one_block_or_one_category_and_nothing_finer():
    rules = load_rules()
    first = tuple(rules.open_hour_blocks[0])
    assert open_selection(DemandSpec("incidents"), rules) == ("hour_block", None)
    assert open_selection(DemandSpec("incidents", hours=first), rules) == ("hour_block", 0)
    assert open_selection(DemandSpec("incidents", categories=("Fire",)), rules) == ("category", "Fire")
    with pytest.raises(ValidationError, match="one block"):
        open_selection(DemandSpec("incidents", hours=(first[0], first[1] + 1)), rules)
    with pytest.raises(ValidationError, match="disclosure control"):
        open_selection(DemandSpec("incidents", categories=("Fire", "Flood")), rules)
