"""Saved scenarios: YAML files in the format ``bluelight coverage --scenario`` reads."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import yaml

from bluelight.errors import ConfigError
from bluelight.analysis.scenario import Scenario, load_scenario


def state_to_scenario(state: dict, *, name: str, note: str = "") -> Scenario:
    """The page's scenario state (service, closed ids, added and moved sites) as a :class:`Scenario`."""
    changes = [{"action": "close", "site": s} for s in state.get("closed", [])]
    changes += [{"action": "move", "site": m["site_id"], "easting": m["easting"], "northing": m["northing"]}
                for m in state.get("moved", [])]
    changes += [{"action": "open", "site_id": a["site_id"], "name": a.get("name", a["site_id"]),
                 "service": state["service"], "duty_system": a.get("duty_system"), "easting": a["easting"],
                 "northing": a["northing"]} for a in state.get("added", [])]
    return Scenario(name=name, note=note, changes=changes)


def scenario_to_state(scenario: Scenario, service: str) -> dict:
    state = {"service": service, "closed": [], "added": [], "moved": []}
    for ch in scenario.changes:
        if ch["action"] == "close":
            state["closed"].append(ch["site"])
        elif ch["action"] == "move":
            state["moved"].append({"site_id": ch["site"], "easting": ch["easting"], "northing": ch["northing"]})
        elif ch.get("service", service) == service:
            state["added"].append({k: ch.get(k) for k in ("site_id", "name", "duty_system", "easting", "northing")})
    return state


def slug(name: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    if not s:
        raise ConfigError("a scenario needs a name")
    return s


def save(directory: Path, scenario: Scenario, *, service: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{slug(scenario.name)}.yaml"
    doc = {"name": scenario.name, "note": scenario.note, "service": service,
           "saved": datetime.now(timezone.utc).isoformat(timespec="seconds"), "changes": scenario.changes}
    tmp = path.with_suffix(".yaml.partial")
    tmp.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    tmp.replace(path)
    return path


def listing(directories: list[Path]) -> pd.DataFrame:
    """Saved scenarios in the directories: path, name, note, service."""
    rows = []
    for d in directories:
        for p in sorted(Path(d).glob("*.yaml")):
            try:
                sc = load_scenario(p)
            except ConfigError:
                continue
            rows.append({"path": str(p), "name": sc.name, "note": sc.note, "service": sc.service,
                         "changes": len(sc.changes)})
    return pd.DataFrame(rows, columns=["path", "name", "note", "service", "changes"])
