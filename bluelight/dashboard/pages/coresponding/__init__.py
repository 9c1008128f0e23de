"""Co-responding: where fire crews reach cardiac arrests first, the survivors that adds, and the cost in fire cover.

Room: ``layout`` (controls and panels), ``callbacks`` (the Dash wiring, a few lines each),
``views`` (what each callback returns, as plain functions) and ``figures`` (this page's own figures).
"""

from bluelight.dashboard.pages.coresponding.callbacks import register
from bluelight.dashboard.pages.coresponding.layout import layout
from bluelight.dashboard.pages.coresponding.views import (
    BINDINGS,
    MODEL_LABELS,
    coresponding_report,
    coresponding_view,
    parse,
    parse_params,
    sources,
    update_view,
)

__all__ = ['BINDINGS', 'MODEL_LABELS', 'coresponding_report', 'coresponding_view', 'layout', 'parse', 'parse_params', 'register', 'sources', 'update_view']
