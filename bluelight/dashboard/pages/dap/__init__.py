"""Dynamic Activation Posts: where ambulances should wait in each time band, and what that gains.

Room: ``layout`` (controls and panels), ``callbacks`` (the Dash wiring, a few lines each),
``views`` (what each callback returns, as plain functions) and ``figures`` (this page's own figures).
"""

from bluelight.dashboard.pages.dap.callbacks import register
from bluelight.dashboard.pages.dap.layout import layout
from bluelight.dashboard.pages.dap.views import (
    BINDINGS,
    CANDIDATE_WORDS,
    MODEL_LABELS,
    bands_frame,
    candidate_options,
    compliance_frame,
    dap_report,
    dap_view,
    demand_note,
    exportable,
    nested_table,
    parse,
    parse_request,
    simulated_note,
    sources_panel,
    update_view,
)

__all__ = ['BINDINGS', 'CANDIDATE_WORDS', 'MODEL_LABELS', 'bands_frame', 'candidate_options', 'compliance_frame', 'dap_report', 'dap_view', 'demand_note', 'exportable', 'layout', 'nested_table', 'parse', 'parse_request', 'register', 'simulated_note', 'sources_panel', 'update_view']
