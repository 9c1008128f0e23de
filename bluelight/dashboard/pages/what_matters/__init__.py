"""What matters most: every station of a service closed in turn, ranked by the harm done, for an estates board.

Room: ``layout`` (controls and panels), ``callbacks`` (the Dash wiring, a few lines each),
``views`` (what each callback returns, as plain functions) and ``figures`` (this page's own figures).
"""

from bluelight.dashboard.pages.what_matters.callbacks import register
from bluelight.dashboard.pages.what_matters.layout import layout
from bluelight.dashboard.pages.what_matters.views import BINDINGS, parse, summary, sweep_view

__all__ = ["BINDINGS", "layout", "parse", "register", "summary", "sweep_view"]
