"""Registering callbacks: one wrapper, so that a success clears the error banner a failure raised."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from dash import Dash, set_props


def callback(app: Dash, *dependencies: Any, **options: Any) -> Callable[..., Any]:
    """``app.callback`` whose function, when it succeeds, hides the page's error alert.

    Errors themselves are shown by the app's ``on_error`` handler
    (:func:`bluelight.dashboard.app.show_error`).
    """
    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            out = fn(*args, **kwargs)
            set_props("global-alert", {"style": {"display": "none"}})
            return out
        registered: Callable[..., Any] = app.callback(*dependencies, **options)(wrapped)
        return registered
    return decorate
