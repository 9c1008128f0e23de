"""Availability: the fleet simulated answering its incidents, beside the static "nearest always free" figures.

Room: ``layout`` (controls and panels), ``callbacks`` (the Dash wiring, a few lines each),
``views`` (what each callback returns, as plain functions) and ``figures`` (this page's own figures).
"""

from bluelight.dashboard.pages.availability.callbacks import register
from bluelight.dashboard.pages.availability.layout import layout
from bluelight.dashboard.pages.availability.views import (
    BINDINGS,
    BLANK_DEFAULTS,
    parse,
    placeholders,
    simulation_view,
    sources,
    update_view,
    validation_view,
    visible_zones,
)

__all__ = ['BINDINGS', 'BLANK_DEFAULTS', 'layout', 'parse', 'placeholders', 'register', 'simulation_view', 'sources', 'update_view', 'validation_view', 'visible_zones']
