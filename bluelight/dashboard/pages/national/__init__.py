"""National: every English fire and rescue service at a glance, estimated without road data, with its error.

Room: ``layout`` (controls and panels), ``callbacks`` (the Dash wiring, a few lines each),
``views`` (what each callback returns, as plain functions) and ``figures`` (this page's own figures).
"""

from bluelight.dashboard.pages.national.callbacks import register
from bluelight.dashboard.pages.national.layout import layout
from bluelight.dashboard.pages.national.views import BINDINGS, ambulance_view, national_table, national_view, road_area

__all__ = ['BINDINGS', 'ambulance_view', 'layout', 'national_table', 'national_view', 'register', 'road_area']
