"""Bounds on what a request may send, and the one rule for where a sign-in may send the browser next.

Every check here runs before any work is done for the request: a body over
its size is refused (413) before it is read whole, JSON deeper than the limit
(400) before anything walks it, and a ``next`` target that could leave the
site is replaced by the home page.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote, urlsplit

#: characters a browser drops or acts on inside a URL (tab, CR, LF and the other controls) and backslash, which
#: browsers read as "/" (so "/\\evil.example" is "//evil.example")
_UNSAFE = re.compile(r"[\x00-\x1f\x7f\\]")


class BodyError(ValueError):
    """A request body the server will not read: too large (413) or malformed (400)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def safe_next(target: str | None) -> str:
    """``target`` if it is a path on this site, else ``"/"`` (no open redirect).

    Checked after percent-decoding (twice, for double-encoded input): no
    scheme or host, no ``//`` or ``/\\`` start, no control characters.

    Examples
    --------
    >>> safe_next("/coverage?hours=0-23"), safe_next("//evil.example"), safe_next("/%09/evil.example")
    ('/coverage?hours=0-23', '/', '/')
    >>> safe_next("/x%0d%0aSet-Cookie:a=b"), safe_next("https://evil.example/"), safe_next("/\\\\evil.example")
    ('/', '/', '/')
    """
    if not target or not isinstance(target, str) or len(target) > 2000:
        return "/"
    decoded = unquote(unquote(target))
    for text in (target, decoded):
        if _UNSAFE.search(text) or not text.startswith("/") or text.startswith("//"):
            return "/"
        parts = urlsplit(text)
        if parts.scheme or parts.netloc:
            return "/"
    return target


def json_depth(value: object) -> int:
    """How deeply lists and objects nest in a parsed JSON value (a scalar: 0), without recursion.

    Examples
    --------
    >>> json_depth(1), json_depth([]), json_depth({"a": [1, {"b": []}]})
    (0, 1, 4)
    """
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children: Iterable[Any]
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        stack.extend((c, depth + 1) for c in children)
    return deepest


def parse_json_body(raw: bytes, *, max_bytes: int, max_depth: int) -> object:
    """A request body parsed as JSON within the limits, or :class:`BodyError` saying which was broken."""
    if len(raw) > max_bytes:
        raise BodyError(413, f"request body of {len(raw):,} bytes; at most {max_bytes:,} are accepted")
    try:
        value = json.loads(raw)
    except RecursionError as exc:
        raise BodyError(400, f"JSON nested deeper than {max_depth} levels") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise BodyError(400, f"the body is not valid JSON ({exc.__class__.__name__})") from exc
    if json_depth(value) > max_depth:
        raise BodyError(400, f"JSON nested deeper than {max_depth} levels")
    return value
