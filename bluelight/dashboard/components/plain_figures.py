"""Figures as plain dicts, for the answers a page sends most often (the coverage map and curve).

A plotly graph object validates and deep-copies every property it is given,
and its default template adds about 7 kB to each figure. Under load (50
signed-in clients on two cores) that was a third of the coverage explorer's
server time. A plain dict, with numeric arrays as plotly.js typed arrays
(base64), is what the browser receives either way; where a graph object is
needed (a report), :func:`as_figure` makes one.
"""

from __future__ import annotations

import base64
import json
from functools import lru_cache
from typing import Any

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

#: the trace types the plain figures draw: only their defaults are kept from plotly's template
TRACE_TYPES = ("scatter", "scattermap", "choroplethmap")
#: the layout defaults of plotly's template that 2-d charts and maps use (polar, ternary, 3-d and geo left out)
LAYOUT_KEYS = ("autotypenumbers", "colorway", "font", "hovermode", "hoverlabel", "paper_bgcolor", "plot_bgcolor",
               "coloraxis", "colorscale", "xaxis", "yaxis", "shapedefaults", "annotationdefaults", "title")
_DTYPES = {np.dtype("float64"): "f8", np.dtype("float32"): "f4", np.dtype("int64"): "i4", np.dtype("int32"): "i4",
           np.dtype("bool"): "u1"}


@lru_cache(maxsize=1)
def _template_text() -> str:
    full = pio.templates["plotly"].to_plotly_json()
    lean = {"layout": {k: v for k, v in full["layout"].items() if k in LAYOUT_KEYS},
            "data": {k: v for k, v in full["data"].items() if k in TRACE_TYPES}}
    return json.dumps(lean)


def template() -> dict[str, Any]:
    """plotly's default look, kept to what these figures draw (a fresh copy: a caller may change it).

    >>> sorted(template()["data"])
    ['scatter', 'scattermap']
    """
    fresh: dict[str, Any] = json.loads(_template_text())
    return fresh


def typed(values: Any) -> Any:
    """A numeric array as a plotly.js typed array (base64, exact); anything else as a list.

    Integers are sent as 32-bit (what plotly.js draws); NaN stays NaN (a gap).

    Parameters
    ----------
    values
        An array (or anything ``numpy.asarray`` takes).

    Examples
    --------
    >>> typed(np.array([1.5, 2.0]))
    {'dtype': 'f8', 'bdata': 'AAAAAAAA+D8AAAAAAAAAQA=='}
    >>> typed(np.array(["a", "b"], dtype=object))
    ['a', 'b']
    """
    arr = np.asarray(values)
    code = _DTYPES.get(arr.dtype)
    if code == "i4" and len(arr) and (arr.min() < -2 ** 31 or arr.max() >= 2 ** 31):
        code = None
    if code is None or arr.ndim != 1:
        return arr.tolist()
    target = {"f8": "<f8", "f4": "<f4", "i4": "<i4", "u1": "u1"}[code]
    return {"dtype": code, "bdata": base64.b64encode(np.ascontiguousarray(arr, dtype=target).tobytes()).decode()}


def untyped(value: Any) -> Any:
    """A typed array back as a numpy array (anything else unchanged): for code that reads a figure's data.

    Parameters
    ----------
    value
        A trace property as a figure dict holds it.

    Examples
    --------
    >>> untyped(typed(np.array([1.5, np.nan]))).tolist()
    [1.5, nan]
    """
    if isinstance(value, dict) and set(value) == {"dtype", "bdata"}:
        dtype = {"f8": "<f8", "f4": "<f4", "i4": "<i4", "u1": "u1"}[value["dtype"]]
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=dtype)
    return value


def figure(data: list[dict[str, Any]], layout: dict[str, Any]) -> dict[str, Any]:
    """A figure dict: ``data`` (each trace with its ``type``) over ``layout``, in plotly's look.

    Parameters
    ----------
    data
        The traces, as plotly.js takes them (numeric arrays through :func:`typed`).
    layout
        The layout; its ``template`` defaults to :func:`template`.
    """
    return {"data": data, "layout": {"template": template(), **layout}}


def as_figure(fig: go.Figure | dict[str, Any]) -> go.Figure:
    """A graph object of ``fig`` (typed arrays decoded), for code that reads or restyles it (reports).

    Parameters
    ----------
    fig
        A graph object, or a figure dict (:func:`figure`).
    """
    if isinstance(fig, go.Figure):
        return fig
    data = [{k: (untyped(v) if k != "marker" else {mk: untyped(mv) for mk, mv in v.items()})
             for k, v in trace.items()} for trace in fig["data"]]
    return go.Figure(data=data, layout=fig["layout"])
