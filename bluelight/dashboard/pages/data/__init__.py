"""Data: what is loaded, from which files (hash, rows, rejects), licences and standards.

Room: ``layout`` (controls and panels), ``callbacks`` (the Dash wiring, a few lines each),
``views`` (what each callback returns, as plain functions) and ``figures`` (this page's own figures).
"""

from bluelight.dashboard.pages.data.callbacks import register
from bluelight.dashboard.pages.data.layout import layout
from bluelight.dashboard.pages.data.views import LICENCES, audit_panel, loaded_licences, rejects_view

__all__ = ['LICENCES', 'audit_panel', 'layout', 'loaded_licences', 'register', 'rejects_view']
