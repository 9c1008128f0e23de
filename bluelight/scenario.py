"""A scenario: named changes to the baseline estate, read from YAML.

Changes: ``close`` a site; ``open`` a new site (coordinates, service, duty
system, optional turnout); ``move`` a site to new coordinates. Sites are
referred to by ``site_id``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from bluelight.errors import ConfigError

ACTIONS = ("close", "open", "move")


@dataclass(frozen=True)
class Scenario:
    name: str
    note: str = ""
    as_of: str | None = None
    changes: list[dict] = field(default_factory=list)


def load_scenario(path: str | Path) -> Scenario:
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"scenario file {path} not found")
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(doc, dict) or "name" not in doc:
        raise ConfigError(f"{path}: a scenario needs a 'name' and a list of 'changes'")
    changes = doc.get("changes") or []
    for i, ch in enumerate(changes, start=1):
        if not isinstance(ch, dict) or ch.get("action") not in ACTIONS:
            raise ConfigError(f"{path}: change {i} needs an action, one of {list(ACTIONS)}")
        need = {"close": ("site",), "move": ("site", "easting", "northing"),
                "open": ("site_id", "service", "easting", "northing")}[ch["action"]]
        missing = [k for k in need if k not in ch]
        if missing:
            raise ConfigError(f"{path}: change {i} ({ch['action']}) lacks {missing}")
    return Scenario(str(doc["name"]), str(doc.get("note", "")), doc.get("as_of"), list(changes))


def apply_scenario(sites: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """The sites table after the scenario's changes (closed sites removed, new ones added, moved ones moved)."""
    out = sites.copy()
    for i, ch in enumerate(scenario.changes, start=1):
        if ch["action"] in {"close", "move"} and ch["site"] not in set(out["site_id"]):
            raise ConfigError(f"scenario {scenario.name!r}, change {i}: site {ch['site']!r} is not in the baseline")
        if ch["action"] == "close":
            out = out[out["site_id"] != ch["site"]]
        elif ch["action"] == "move":
            m = out["site_id"] == ch["site"]
            out.loc[m, "easting"] = float(ch["easting"])
            out.loc[m, "northing"] = float(ch["northing"])
        else:
            row = {c: None for c in out.columns}
            row.update({"site_id": ch["site_id"], "name": ch.get("name", ch["site_id"]), "service": ch["service"],
                        "status": "planned", "duty_system": ch.get("duty_system"), "turnout_s": ch.get("turnout_s"),
                        "easting": float(ch["easting"]), "northing": float(ch["northing"])})
            out = pd.concat([out, pd.DataFrame([row])], ignore_index=True)
    return out.reset_index(drop=True)
