"""Coverage explorer: one service, one standard, any demand; who is reached, how fast, by whom.

Room: ``layout`` (controls and panels), ``callbacks`` (the Dash wiring, a few lines each),
``views`` (what each callback returns, as plain functions) and ``figures`` (this page's own figures).
"""

from bluelight.dashboard.pages.coverage.callbacks import register
from bluelight.dashboard.pages.coverage.layout import layout
from bluelight.dashboard.pages.coverage.views import (
    BINDINGS,
    SITE_BANDS,
    coverage_report,
    explorer_view,
    parse,
    parse_demand,
    update_view,
)

__all__ = ['BINDINGS', 'SITE_BANDS', 'coverage_report', 'explorer_view', 'layout', 'parse', 'parse_demand', 'register', 'update_view']
