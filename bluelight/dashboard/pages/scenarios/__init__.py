"""Scenarios: switch sites off, add or move one, see what changes; save, compare, export a report.

Room: ``layout`` (controls and panels), ``callbacks`` (the Dash wiring, a few lines each),
``views`` (what each callback returns, as plain functions) and ``figures`` (this page's own figures).
"""

from bluelight.dashboard.pages.scenarios.callbacks import register
from bluelight.dashboard.pages.scenarios.layout import layout
from bluelight.dashboard.pages.scenarios.views import (
    EMPTY,
    PERIOD_BINDINGS,
    at_period,
    compare_data,
    compare_table,
    compare_view,
    comparison,
    edit_state,
    edited_scenario,
    scenario_view,
    shown_view,
)

__all__ = ['PERIOD_BINDINGS', 'EMPTY', 'at_period', 'compare_data', 'compare_table', 'compare_view', 'comparison', 'edit_state', 'edited_scenario', 'layout', 'register', 'scenario_view', 'shown_view']
