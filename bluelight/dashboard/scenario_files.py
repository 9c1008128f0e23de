"""Saved scenarios: YAML files in the format ``bluelight scenario run`` reads, chosen by id, never by path.

The store lists the scenario files of its directories (the user's saved ones
first, then the examples shipped with the package); a request names a
scenario by the id the store listed, and only files the store found inside
its own directories are ever opened.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from bluelight.analysis.scenario import Scenario, load_scenario
from bluelight.foundation.errors import ConfigError

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,80}$")


def state_to_scenario(state: dict[str, Any], *, name: str, note: str = "") -> Scenario:
    """The Scenarios page's edits (service, closed ids, added and moved sites) as a :class:`Scenario`."""
    changes = [{"action": "close", "site": s} for s in state.get("closed", [])]
    changes += [{"action": "move", "site": m["site_id"], "easting": m["easting"], "northing": m["northing"]}
                for m in state.get("moved", [])]
    changes += [{"action": "open", "site_id": a["site_id"], "name": a.get("name", a["site_id"]),
                 "service": state["service"], "duty_system": a.get("duty_system"), "easting": a["easting"],
                 "northing": a["northing"]} for a in state.get("added", [])]
    return Scenario(name=name, note=note, changes=changes, service=state.get("service"))


def slug(name: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", (name or "").lower()).strip("-")[:80].strip("-")
    if not s:
        raise ConfigError("a scenario needs a name")
    return s


class ScenarioStore:
    """Scenario files in ``directories``; the first is where the pages save."""

    def __init__(self, directories: list[Path]):
        self.directories = [Path(d) for d in directories]

    def _files(self) -> dict[str, Path]:
        found: dict[str, Path] = {}
        for d in self.directories:
            if not d.is_dir():
                continue
            root = d.resolve()
            for p in sorted(d.glob("*.yaml")):
                if p.stem in found or not _ID.match(p.stem):
                    continue
                real = p.resolve()
                if real.is_file() and real.is_relative_to(root):     # no symlink out of the store
                    found[p.stem] = real
        return found

    def listing(self) -> pd.DataFrame:
        """Saved and shipped scenarios: id, name, note, service, changes, as_of."""
        rows = []
        for sid, path in self._files().items():
            try:
                sc = load_scenario(path)
            except ConfigError:
                continue
            rows.append({"id": sid, "name": sc.name, "note": sc.note, "service": sc.service,
                         "changes": len(sc.changes), "as_of": sc.as_of})
        return pd.DataFrame(rows, columns=["id", "name", "note", "service", "changes", "as_of"])

    def load(self, scenario_id: str) -> Scenario:
        """The scenario the store listed under ``scenario_id``; anything else is refused."""
        if not isinstance(scenario_id, str) or not _ID.match(scenario_id):
            raise ConfigError("unknown scenario: choose one from the list")
        path = self._files().get(scenario_id)
        if path is None:
            raise ConfigError(f"unknown scenario {scenario_id!r}: choose one from the list")
        return load_scenario(path)

    def save(self, scenario: Scenario, *, service: str | None = None) -> str:
        """Write ``scenario`` (atomically) into the store and return its id."""
        directory = self.directories[0]
        directory.mkdir(parents=True, exist_ok=True)
        sid = slug(scenario.name)
        path = directory / f"{sid}.yaml"
        doc: dict[str, Any] = {"name": scenario.name, "note": scenario.note, "service": service or scenario.service,
               "saved": datetime.now(UTC).isoformat(timespec="seconds")}
        if scenario.as_of:
            doc["as_of"] = scenario.as_of
        doc["horizon_years"] = scenario.horizon_years
        doc |= {k: getattr(scenario, k) for k in ("discount_rate", "project_type", "optimism_bias_pct",
                                                   "cover_value_gbp_pa") if getattr(scenario, k) is not None}
        doc["changes"] = scenario.changes
        tmp = path.with_suffix(".yaml.partial")
        tmp.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
        tmp.replace(path)
        return sid

    def path_of(self, scenario_id: str) -> Path:
        """Where a listed scenario lives (for messages that tell a user how to run it on the command line)."""
        self.load(scenario_id)
        return self._files()[scenario_id]
