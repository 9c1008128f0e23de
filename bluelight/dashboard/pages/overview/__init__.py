"""Overview: every site, headline cover of each service against its standard, coverage and isochrones.

Room: ``layout`` (controls and panels), ``callbacks`` (the Dash wiring, a few lines each),
``views`` (what each callback returns, as plain functions) and ``figures`` (this page's own figures).
"""

from bluelight.dashboard.pages.overview.callbacks import register
from bluelight.dashboard.pages.overview.layout import layout
from bluelight.dashboard.pages.overview.views import (
    ISO_BANDS,
    busy_note,
    executive_panel,
    kpis,
    legend_text,
    overview_coverage,
)

__all__ = ['ISO_BANDS', 'busy_note', 'executive_panel', 'kpis', 'layout', 'legend_text', 'overview_coverage', 'register']
