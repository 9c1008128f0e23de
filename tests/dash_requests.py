"""Calling a Dash app's callbacks over HTTP as its renderer does (for tests of the server's gate)."""

from __future__ import annotations


def output_specs(key: str) -> list[dict]:
    """The outputs of a callback-map key (``a.b`` or ``..a.b...c.d..``)."""
    parts = [p for p in key.strip(".").split("...") if p]
    out = []
    for p in parts:
        cid, prop = p.rsplit(".", 1)
        out.append({"id": cid, "property": prop})
    return out


def callback_body(app, key: str, values: dict | None = None) -> dict:
    """The JSON body of a request for callback ``key``; ``values`` sets inputs and states by ``id.property``."""
    spec = app.callback_map[key]
    values = values or {}

    def entries(items):
        return [{"id": i["id"], "property": i["property"], "value": values.get(f"{i['id']}.{i['property']}")}
                for i in items]
    outputs = output_specs(key)
    inputs = entries(spec["inputs"])
    return {"output": key, "outputs": outputs if len(outputs) > 1 else outputs[0], "inputs": inputs,
            "state": entries(spec.get("state", [])),
            "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"] if inputs else []}


def post_callback(client, app, key: str, values: dict | None = None, *, csrf: str | None = None,
                  headers: dict | None = None):
    sent = dict(headers or {}) | ({"X-CSRFToken": csrf} if csrf else {})
    return client.post("/_dash-update-component", json=callback_body(app, key, values), headers=sent)
