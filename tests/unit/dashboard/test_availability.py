"""The Availability page: the simulation's figures for the controls, and an input error clearing them."""

from __future__ import annotations

from bluelight.dashboard.pages import availability
from bluelight.services.fleet_system import SimulationRequest


def _values(**changed):
    """The page's controls at the request's defaults (minutes where the page asks for minutes), two replications."""
    values = []
    for b in availability.BINDINGS:
        default = SimulationRequest.field(b.field).default
        values.append(changed.get(b.field, default / b.scale if isinstance(default, float) and b.scale != 1
                                  else default))
    return values


def test_the_simulation_shows_both_figures_and_an_invalid_value_clears_them(wh, engine, nothing_stale):
    valid = availability.update_view(wh, engine, *_values(replications=2))
    kpis = str(valid[0]).lower()
    assert "with availability" in kpis and "if the nearest were always free" in kpis
    invalid = availability.update_view(wh, engine, *_values(replications=0))
    assert invalid[-len(availability.BINDINGS):][4].startswith("Replications must be a whole number")
    nothing_stale(valid, invalid, results=len(valid) - len(availability.BINDINGS))


def test_a_simulated_target_is_named_in_words_with_its_id():
    from bluelight.dashboard.pages.availability.figures import simulated_targets_table

    row = {"target_id": "t-6min", "statistic": "mean", "threshold_s": 360.0, "goal": None, "met": True,
           "value": {"mean": 318.0, "ci95": [313.0, 324.0]}}
    named = simulated_targets_table([row], table_id="t", names={"t-6min": "First engine within 6 minutes"})
    assert named.rowData[0]["target"] == "First engine within 6 minutes (t-6min)"
    assert named.rowData[0]["simulated, with availability (95% CI)"] == "5:18 (5:13–5:24)"
    assert simulated_targets_table([row], table_id="t").rowData[0]["target"] == "t-6min"     # no description
