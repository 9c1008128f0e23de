"""Calling a Dash app's callbacks over HTTP as its renderer does (for tests of the server's gate)."""

from __future__ import annotations

from bench.serving import callback_body as dependency_body


def callback_body(app, key: str, values: dict | None = None) -> dict:
    """The JSON body of a request for callback ``key``; ``values`` sets inputs and states by ``id.property``."""
    return dependency_body({**app.callback_map[key], "output": key}, values or {})


def post_callback(client, app, key: str, values: dict | None = None, *, csrf: str | None = None,
                  headers: dict | None = None):
    sent = dict(headers or {}) | ({"X-CSRFToken": csrf} if csrf else {})
    return client.post("/_dash-update-component", json=callback_body(app, key, values), headers=sent)
