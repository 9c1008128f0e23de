"""A scenario: named changes to the baseline estate, read from YAML.

Changes (sites are referred to by ``site_id``):

- ``close``: close a site.
- ``open``: open a new or candidate site (``site_id, service, easting, northing``; optional
  ``name, duty_system, turnout_s``).
- ``move``: move a site to new coordinates.
- ``co_locate``: move a site's service into another site (``site`` moves ``into`` the host):
  the site closes and its service operates from the host's location.
- ``merge``: close ``sites`` and serve all their services from one hub, an existing site
  (``into``) or a new one (``hub: {site_id, name, easting, northing}``).
- ``change``: a site's ``duty_system`` and/or ``turnout_s``.

Each change may carry ``finance``: ``build_cost_gbp``, ``refurbishment_gbp``,
``relocation_cost_gbp`` (one-off costs), ``receipt_gbp`` (overrides the closed
site's disposal value), ``running_cost_saved_gbp_pa`` (overrides the closed
site's running cost), ``grant_gbp``, ``running_cost_change_gbp_pa`` (positive:
costs more each year), ``year`` (when one-off items fall; default 0).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from bluelight.analysis.finance import GREEN_BOOK_RATE
from bluelight.config import read_yaml
from bluelight.errors import ConfigError

ACTIONS = ("close", "open", "move", "co_locate", "merge", "change")
REQUIRED = {"close": ("site",), "move": ("site", "easting", "northing"),
            "open": ("site_id", "service", "easting", "northing"), "co_locate": ("site", "into"),
            "merge": ("sites",), "change": ("site",)}
FINANCE_KEYS = ("build_cost_gbp", "refurbishment_gbp", "relocation_cost_gbp", "receipt_gbp",
                "running_cost_saved_gbp_pa", "grant_gbp", "running_cost_change_gbp_pa", "year")


@dataclass(frozen=True)
class Scenario:
    name: str
    note: str = ""
    as_of: str | None = None
    changes: list[dict] = field(default_factory=list)
    horizon_years: int = 30
    discount_rate: float = GREEN_BOOK_RATE
    service: str | None = None    # the service a dashboard scenario was drawn for, if any


def _check_change(path, i: int, ch) -> None:
    if not isinstance(ch, dict) or ch.get("action") not in ACTIONS:
        raise ConfigError(f"{path}: change {i} needs an action, one of {list(ACTIONS)}")
    missing = [k for k in REQUIRED[ch["action"]] if k not in ch]
    if missing:
        raise ConfigError(f"{path}: change {i} ({ch['action']}) lacks {missing}")
    if ch["action"] == "merge" and "into" not in ch and "hub" not in ch:
        raise ConfigError(f"{path}: change {i} (merge) needs 'into' (an existing site) or 'hub' (a new one)")
    if ch["action"] == "change" and not ({"duty_system", "turnout_s"} & set(ch)):
        raise ConfigError(f"{path}: change {i} (change) needs duty_system or turnout_s")
    fin = ch.get("finance") or {}
    if not isinstance(fin, dict) or set(fin) - set(FINANCE_KEYS):
        raise ConfigError(f"{path}: change {i}: finance keys must be among {list(FINANCE_KEYS)}")
    for k, v in fin.items():
        if not isinstance(v, (int, float)):
            raise ConfigError(f"{path}: change {i}: finance.{k} must be a number, got {v!r}")


def scenario_from_dict(doc, *, source: str = "scenario") -> Scenario:
    """A validated :class:`Scenario` from a parsed YAML document; ``source`` names it in messages.

    Examples
    --------
    >>> scenario_from_dict({"name": "close one", "changes": [{"action": "close", "site": "F1"}]}).changes
    [{'action': 'close', 'site': 'F1'}]
    >>> scenario_from_dict({"name": "bad", "changes": [{"action": "demolish"}]})
    Traceback (most recent call last):
    ...
    bluelight.errors.ConfigError: scenario: change 1 needs an action, one of ['close', 'open', 'move', 'co_locate', 'merge', 'change']
    """
    if not isinstance(doc, dict) or "name" not in doc:
        raise ConfigError(f"{source}: a scenario needs a 'name' and a list of 'changes'")
    changes = doc.get("changes") or []
    if not isinstance(changes, list):
        raise ConfigError(f"{source}: 'changes' must be a list")
    for i, ch in enumerate(changes, start=1):
        _check_change(source, i, ch)
    as_of = doc.get("as_of")
    try:
        horizon, rate = int(doc.get("horizon_years", 30)), float(doc.get("discount_rate", GREEN_BOOK_RATE))
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{source}: horizon_years and discount_rate must be numbers ({exc})") from exc
    return Scenario(str(doc["name"]), str(doc.get("note", "") or ""), None if as_of is None else str(as_of),
                    list(changes), horizon, rate, None if doc.get("service") is None else str(doc["service"]))


def load_scenario(path: str | Path) -> Scenario:
    """A scenario from a YAML file (a file the user gave; the dashboard opens only its own store)."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"scenario file {path} not found")
    return scenario_from_dict(read_yaml(path, what="scenario"), source=str(path))


def _require(out: pd.DataFrame, site: str, scenario: Scenario, i: int) -> pd.Series:
    hit = out[out["site_id"] == site]
    if hit.empty:
        raise ConfigError(f"scenario {scenario.name!r}, change {i}: site {site!r} is not in the baseline")
    return hit.iloc[0]


def _relocated(row: pd.Series, host: pd.Series, suffix: str) -> dict:
    moved = row.to_dict()
    moved.update({"site_id": f"{row['site_id']}@{host['site_id']}", "name": f"{row['name']} ({suffix} {host['name']})",
                  "easting": float(host["easting"]), "northing": float(host["northing"]), "status": "planned"})
    return moved


def apply_scenario(sites: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """The sites table (any services) after the scenario's changes.

    Examples
    --------
    >>> import pandas as pd
    >>> sites = pd.DataFrame({"site_id": ["F1", "P1"], "name": ["Fire", "Police"], "service": ["fire", "police"],
    ...                       "easting": [530000.0, 531000.0], "northing": [180000.0, 180000.0]})
    >>> sc = scenario_from_dict({"name": "police into fire", "changes": [{"action": "co_locate", "site": "P1", "into": "F1"}]})
    >>> apply_scenario(sites, sc)[["site_id", "service", "easting"]].values.tolist()
    [['F1', 'fire', 530000.0], ['P1@F1', 'police', 530000.0]]
    """
    out = sites.copy()
    added: list[dict] = []
    for i, ch in enumerate(scenario.changes, start=1):
        act = ch["action"]
        if act == "close":
            _require(out, ch["site"], scenario, i)
            out = out[out["site_id"] != ch["site"]]
        elif act == "move":
            _require(out, ch["site"], scenario, i)
            m = out["site_id"] == ch["site"]
            out.loc[m, "easting"], out.loc[m, "northing"] = float(ch["easting"]), float(ch["northing"])
        elif act == "change":
            _require(out, ch["site"], scenario, i)
            m = out["site_id"] == ch["site"]
            for k in ("duty_system", "turnout_s"):
                if k in ch:
                    out.loc[m, k] = ch[k]
        elif act == "open":
            row = {c: None for c in out.columns}
            row.update({"site_id": ch["site_id"], "name": ch.get("name", ch["site_id"]), "service": ch["service"],
                        "status": "planned", "duty_system": ch.get("duty_system"), "turnout_s": ch.get("turnout_s"),
                        "easting": float(ch["easting"]), "northing": float(ch["northing"])})
            added.append(row)
        elif act == "co_locate":
            row, host = _require(out, ch["site"], scenario, i), _require(out, ch["into"], scenario, i)
            out = out[out["site_id"] != ch["site"]]
            added.append(_relocated(row, host, "in"))
        else:  # merge
            if "into" in ch:
                host = _require(out, ch["into"], scenario, i)
            else:
                hub = ch["hub"]
                host = pd.Series({"site_id": hub["site_id"], "name": hub.get("name", hub["site_id"]),
                                  "easting": float(hub["easting"]), "northing": float(hub["northing"])})
            for sid in ch["sites"]:
                if sid == host["site_id"]:
                    continue
                row = _require(out, sid, scenario, i)
                out = out[out["site_id"] != sid]
                added.append(_relocated(row, host, "at hub"))
    if added:
        out = pd.concat([out, pd.DataFrame(added)[out.columns.intersection(pd.DataFrame(added).columns)]],
                        ignore_index=True)
    return out.reset_index(drop=True)


def touched_services(sites: pd.DataFrame, scenario: Scenario) -> list[str]:
    """Services whose sites a scenario changes (those whose cover can change)."""
    ids: set[str] = set()
    services: set[str] = set()
    for ch in scenario.changes:
        for key in ("site", "into"):
            if key in ch:
                ids.add(ch[key])
        ids.update(ch.get("sites", []))
        if ch["action"] == "open":
            services.add(ch["service"])
    services.update(sites.loc[sites["site_id"].isin(ids), "service"])
    return sorted(services)
