"""Registering callbacks: one wrapper, so that a success clears the error banner a failure raised."""

from __future__ import annotations

import functools

from dash import set_props


def callback(app, *dependencies, **options):
    """``app.callback`` whose function, when it succeeds, hides the page's error alert.

    Errors themselves are shown by the app's ``on_error`` handler
    (:func:`bluelight.dashboard.app.show_error`).
    """
    def decorate(fn):
        @functools.wraps(fn)
        def wrapped(*args, **kwargs):
            out = fn(*args, **kwargs)
            set_props("global-alert", {"style": {"display": "none"}})
            return out
        return app.callback(*dependencies, **options)(wrapped)
    return decorate
