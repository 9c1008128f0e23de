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
