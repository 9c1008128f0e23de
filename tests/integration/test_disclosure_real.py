"""Disclosure control against differencing on the real demo: no pair of maps a viewer may ask for, and no
total beside them, gives away a count under the threshold."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest

from bluelight.analysis.speeds import load_profile
from bluelight.dashboard.queries import Warehouse
from bluelight.foundation.access import load_rules
from bluelight.foundation.errors import ValidationError
from bluelight.services.coverage import every_incident, export_frame
from bluelight.services.session import DemandSpec, Session

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def fire(demo_warehouse):
    session = Session(Warehouse(demo_warehouse).read, load_profile())
    return session, every_incident(session, "fire", DemandSpec("incidents"))


def test_no_allowed_selection_or_pair_of_them_gives_a_small_count_away(fire):
    session, every = fire
    rules = load_rules()
    k = rules.min_count
    categories = sorted(set(every.points["category"].dropna()))
    partitions = {"hours": [DemandSpec("incidents", hours=tuple(b)) for b in rules.open_hour_blocks],
                  "categories": [DemandSpec("incidents", categories=(c,)) for c in categories]}
    assert len(partitions["categories"]) >= 2
    published = {}
    for spec in [DemandSpec("incidents"), *partitions["hours"], *partitions["categories"]]:
        ev = session.evaluate("fire", spec)
        cells = export_frame(ev, 360, tier="open", rules=rules, every=every)
        shown = cells.loc[~cells["suppressed"], "incidents"]
        assert (shown >= k).all()
        on = int(np.isfinite(ev.response_s).sum())
        hidden = on - shown.sum()                         # the page's total minus every cell it shows
        assert hidden == 0 or hidden >= k, spec
        published[spec] = cells.set_index("cell_id")["incidents"]
    whole = published[DemandSpec("incidents")]
    checked = 0
    for name, specs in partitions.items():
        for cell, total in whole.dropna().items():
            parts = [published[s].get(cell, 0.0) for s in specs]          # a cell not listed holds none
            known = [p for p in parts if np.isfinite(p)]
            for r in range(1, len(known) + 1):
                for subset in combinations(known, r):
                    derived = total - sum(subset)               # the rest of the cell, by subtraction
                    assert derived == 0 or derived >= k, (name, cell, total, parts)
                    checked += 1
    assert checked > 100


def test_the_reported_attack_is_refused(fire):
    session, every = fire
    most = session.evaluate("fire", DemandSpec("incidents", hours=(1, 23)))
    with pytest.raises(ValidationError, match="published for all hours or one block"):
        export_frame(most, 360, tier="open", every=every)
    both = session.evaluate("fire", DemandSpec("incidents", categories=("Fire", "False Alarm")))
    with pytest.raises(ValidationError, match="one category"):
        export_frame(both, 360, tier="open", every=every)
    assert len(export_frame(most, 360, tier="official-sensitive")) == len(most.points)   # analysts: any hours
