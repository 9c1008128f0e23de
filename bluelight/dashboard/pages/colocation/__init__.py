"""Co-location: move one service into another's site; what it does to cover and to money, for a board.

Room: ``layout`` (controls and panels), ``callbacks`` (the Dash wiring, a few lines each),
``views`` (what each callback returns, as plain functions) and ``figures`` (this page's own figures).
"""

from bluelight.dashboard.pages.colocation.callbacks import register
from bluelight.dashboard.pages.colocation.layout import layout
from bluelight.dashboard.pages.colocation.views import (
    APPRAISAL_BINDINGS,
    CANDIDATE_BINDINGS,
    EDITABLE,
    EDITABLE_FIELDS,
    FINANCE_BINDINGS,
    FINANCE_INPUTS,
    NOTHING_CHOSEN,
    PERIOD_BINDINGS,
    PLAN_ERROR_IDS,
    board_report,
    candidates_note,
    candidates_view,
    change_figure,
    colocation_plan,
    entered_figures,
    headline,
    headline_text,
    npv_text,
    plan_errors,
    plan_view,
    ranked_view,
    show_view,
    space_text,
    timed,
)

__all__ = ['APPRAISAL_BINDINGS', 'PERIOD_BINDINGS', 'CANDIDATE_BINDINGS', 'EDITABLE', 'EDITABLE_FIELDS', 'FINANCE_BINDINGS', 'FINANCE_INPUTS', 'NOTHING_CHOSEN', 'PLAN_ERROR_IDS', 'board_report', 'candidates_note', 'candidates_view', 'change_figure', 'colocation_plan', 'entered_figures', 'headline', 'headline_text', 'layout', 'npv_text', 'plan_errors', 'plan_view', 'ranked_view', 'register', 'show_view', 'space_text', 'timed']
