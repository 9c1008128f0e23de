"""Hubs: merge sites of any services into one (a shared HQ, a two-into-one or tri-service station), and site a
shared headquarters, workshop or training centre for the staff and vehicles that travel to it.

Room: ``layout`` (controls and panels), ``callbacks`` (the Dash wiring, a few lines each),
``views`` (what each callback returns, as plain functions) and ``figures`` (this page's own figures).
"""

from bluelight.dashboard.pages.hubs.callbacks import register
from bluelight.dashboard.pages.hubs.layout import layout
from bluelight.dashboard.pages.hubs.views import (
    HQ_BINDINGS,
    HUB_BINDINGS,
    change_figure,
    cover_table,
    hq_report,
    hq_request,
    hq_view,
    hub_plan,
    hub_report,
    hub_request,
    hub_view,
    merged_trips,
    plan_view,
)

__all__ = ['HQ_BINDINGS', 'HUB_BINDINGS', 'change_figure', 'cover_table', 'hq_report', 'hq_request', 'hq_view', 'hub_plan', 'hub_report', 'hub_request', 'hub_view', 'layout', 'merged_trips', 'plan_view', 'register']
