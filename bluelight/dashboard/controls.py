"""Controls built from a request's fields, and the one way a page validates them.

A page binds each control to a field of the use case's request
(:mod:`bluelight.services`); :func:`parse_controls` hands the raw values to the
request's own validation, so a bad value gets the message the command line
gives, shown beside the control, and nothing is computed from a default in
its place. Number boxes carry no browser-side ``min``/``max``: the browser would
turn an out-of-range entry into a blank and hide what was typed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, cast

import plotly.graph_objects as go
from dash import dcc, html
from dash.development.base_component import Component

from bluelight.analysis.speeds import SpeedProfile
from bluelight.foundation.errors import ValidationError
from bluelight.services.requests import Request
from bluelight.services.session import Session


class _Timed(Protocol):
    """A request with a traffic period (the "Travel times for" control)."""

    traffic_period: str


#: the request a page's controls build
R = TypeVar("R", bound=Request)

#: what result areas show while a control holds an invalid value
FIX_FIELDS = "Fix the highlighted field above: nothing is computed from an invalid value."


@dataclass(frozen=True)
class Binding:
    """A control bound to a request field; ``scale`` converts the control's unit to the field's (minutes x 60)."""

    field: str
    control_id: str
    scale: float = 1.0
    prop: str = "value"


def field_label(request_cls: type[Request], binding: Binding, label: str | None = None) -> str:
    f = request_cls.field(binding.field)
    return label or (f.label + (" (min)" if binding.scale == 60 else ""))


def field_control(request_cls: type[Request], binding: Binding, *, label: str | None = None,
                  component: Component | None = None, value: float | None = None, **style: Any) -> html.Div:
    """A labelled control with an error line beneath it (``<id>-error``) for the field's message."""
    f = request_cls.field(binding.field)
    if component is None:
        default = f.default if value is None else value
        shown = default / binding.scale if isinstance(default, (int, float)) and default is not None else default
        component = dcc.Input(id=binding.control_id, type="number", value=shown, debounce=True, step="any",
                              style={"width": "100%"})
    allowed = f.range_text()
    return html.Div(className="control", style=style or None, children=[
        html.Label(field_label(request_cls, binding, label), htmlFor=binding.control_id,
                   title=f"Allowed: {allowed}" if allowed else None), component,
        html.Div(id=f"{binding.control_id}-error", className="field-error", role="alert")])


#: how the traffic periods of a speed profile read on the pages
TRAFFIC_PERIOD_LABELS = {"night": "night (22:00-07:00)", "peak": "weekday peaks (07-10, 16-19)", "off_peak": "off-peak"}


def period_options(profile: SpeedProfile) -> list[dict[str, Any]]:
    """All hours, and each traffic period the speed profile was fitted for (none offered where it was not)."""
    return [{"label": "all hours", "value": "all"}] + [{"label": TRAFFIC_PERIOD_LABELS.get(b, b), "value": b}
                                                      for b in (profile.traffic_periods or {})]


def traffic_period_control(request_cls: type[Request], binding: Binding, profile: SpeedProfile) -> html.Div:
    """The "Travel times for" dropdown of a request with a ``traffic_period`` field (the same on every page)."""
    return field_control(request_cls, binding, component=dcc.Dropdown(
        id=binding.control_id, value="all", clearable=False, options=period_options(profile)))


def period_session(request_cls: type[Request], binding: Binding, session: Session,
                   period: Any) -> tuple[Session | None, list[str]]:
    """The session for a page's "Travel times for" control, checked by the request's traffic-period field: (session,
    errors), the session None with the message beside the control when the period is invalid."""
    request, errors = parse_controls(request_cls, [binding], [period])
    return (None if request is None else session.for_period(cast(_Timed, request).traffic_period)), errors


def error_ids(bindings: list[Binding]) -> list[str]:
    return [f"{b.control_id}-error" for b in bindings]


def _scaled(raw: Any, scale: float) -> Any:
    if scale == 1 or raw is None or isinstance(raw, bool):
        return raw
    try:
        return float(raw) * scale
    except (TypeError, ValueError):
        return raw


def parse_controls(request_cls: type[R], bindings: list[Binding], values: Sequence[Any],
                   **fixed: Any) -> tuple[R | None, list[str]]:
    """The request from the controls' values (in ``bindings`` order), and one error text per control.

    Returns ``(request, errors)``; ``request`` is None when any value is invalid.
    ``fixed`` adds request fields that no control of the page sets.
    """
    raw = {b.field: _scaled(v, b.scale) for b, v in zip(bindings, values)} | fixed
    try:
        return request_cls.parse(**raw), ["" for _ in bindings]
    except ValidationError as exc:
        return None, [exc.errors.get(b.field, "") for b in bindings]


def blocked_figure(text: str = FIX_FIELDS) -> go.Figure:
    """An empty figure that says why there is nothing to show."""
    fig = go.Figure()
    fig.add_annotation(text=text, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper", font={"size": 14})
    fig.update_layout(xaxis={"visible": False}, yaxis={"visible": False}, height=300, plot_bgcolor="#fff")
    return fig


def blocked_note(text: str = FIX_FIELDS) -> html.P:
    return html.P(text, className="note blocked")


def unavailable(exc: Exception) -> str:
    """Why a page has nothing to show for the data loaded (said where its results would be, not as an alert)."""
    return f"Not available for the data loaded: {exc}"
