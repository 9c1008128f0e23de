"""Which role a callback request needs, decided from the callback Dash will actually run.

Dash picks the function to run from the request's ``output`` key (its
``callback_map``) and only then reads ``outputs``, ``inputs`` and ``state``.
A gate that judged the request by its ``outputs`` could be walked around by
emptying or changing them, so this module resolves the key exactly as Dash
does, takes the role from every component the callback reads or writes (the
strictest page any of them belongs to), and refuses a request whose
``outputs`` do not describe that callback's outputs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from dash.dependencies import Wildcard

from bluelight.foundation.access import ROLES, allows


@dataclass(frozen=True)
class CallbackAccess:
    """What one callback touches and the least role that may run it."""

    key: str
    role: str
    outputs: tuple[tuple[object, str], ...]      # (component id, property) as declared
    no_output: bool


def _id_name(component_id: object) -> str:
    """A component id as a name: a pattern-matching id by its ``type`` (which carries the page prefix)."""
    if isinstance(component_id, Mapping):
        return str(component_id.get("type", ""))
    return str(component_id)


def _declared_outputs(entry: Mapping[str, Any]) -> tuple[tuple[object, str], ...]:
    declared = entry.get("output")
    items = declared if isinstance(declared, (list, tuple)) else [declared] if declared is not None else []
    out = []
    for o in items:
        cid = getattr(o, "component_id", None)
        prop = getattr(o, "component_property", None)
        if cid is not None and prop is not None:
            out.append((cid, str(prop)))
    return tuple(out)


def role_for_ids(names: Iterable[str], page_prefixes: Mapping[str, str], shell_ids: frozenset[str]) -> str:
    """The strictest role among the pages whose prefix the names carry.

    A name that is neither a page's nor the shell's (navigation, page title,
    alert) needs an administrator: a callback nobody declared a page for is
    refused to everyone else rather than served to everyone.

    Examples
    --------
    >>> role_for_ids(["scn-map", "url"], {"scn-": "planner", "cov-": "viewer"}, frozenset({"url"}))
    'planner'
    >>> role_for_ids(["url"], {"scn-": "planner"}, frozenset({"url"}))
    'viewer'
    >>> role_for_ids(["mystery"], {"scn-": "planner"}, frozenset({"url"}))
    'admin'
    """
    need = ROLES[0]
    for name in names:
        roles = [role for prefix, role in page_prefixes.items() if name.startswith(prefix)]
        if not roles and name not in shell_ids:
            roles = [ROLES[-1]]
        for role in roles:
            if not allows(need, role):
                need = role
    return need


def resolve(callback_map: Mapping[str, Mapping[str, Any]], key: object, page_prefixes: Mapping[str, str],
            shell_ids: frozenset[str]) -> CallbackAccess | None:
    """The callback Dash would run for ``key`` and the role it needs (None: Dash has no such callback)."""
    if not isinstance(key, str) or key not in callback_map:
        return None
    entry = callback_map[key]
    outputs = _declared_outputs(entry)
    names = [_id_name(cid) for cid, _ in outputs]
    names += [_id_name(d.get("id")) for d in [*(entry.get("inputs") or []), *(entry.get("state") or [])]
              if isinstance(d, Mapping)]
    return CallbackAccess(key, role_for_ids(names, page_prefixes, shell_ids), outputs, bool(entry.get("no_output")))


def _same_id(sent: object, declared: object) -> bool:
    if isinstance(declared, Mapping):
        if not isinstance(sent, Mapping) or set(sent) != set(declared):
            return False
        return all(isinstance(v, Wildcard) or sent[k] == v for k, v in declared.items())
    return bool(sent == declared)


def _flat(sent: object) -> list[Any] | None:
    """The request's ``outputs`` as one entry (or list of entries, for a pattern-matching output) per declared
    output; None when it has no recognisable shape."""
    if sent is None:
        return []
    if isinstance(sent, Mapping):
        return [sent]
    return list(sent) if isinstance(sent, list) else None


def outputs_mismatch(access: CallbackAccess, body: Mapping[str, Any]) -> str | None:
    """Why the request's ``outputs`` do not describe the callback its ``output`` names (None: they do)."""
    sent = _flat(body.get("outputs"))
    if sent is None:
        return "outputs must be a list"
    if access.no_output:
        return None if not sent else "this callback has no outputs, but the request names some"
    if len(sent) != len(access.outputs):
        return f"the callback has {len(access.outputs)} outputs, the request names {len(sent)}"
    for item, (cid, prop) in zip(sent, access.outputs):
        entries = item if isinstance(item, list) else [item]
        for e in entries:
            sent_prop = str(e.get("property")).split("@", 1)[0] if isinstance(e, Mapping) else None
            if sent_prop != prop.split("@", 1)[0] or not _same_id(e.get("id"), cid):
                return f"outputs do not match the callback's output {_id_name(cid)}.{prop}"
    return None
