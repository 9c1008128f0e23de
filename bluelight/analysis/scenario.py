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

Each change may carry ``finance``: the keys its action takes
(:data:`bluelight.analysis.finance.ACTION_KEYS`: build, refurbishment and
relocation costs, disposal receipts, backlog maintenance avoided, running
costs saved or changed, grants), each a number, ``{amount_gbp, year}`` or
``{profile: {year: amount}}``, and ``year`` (when its one-off items fall;
default 0). A key the action cannot use is refused, naming the change and the
key. The scenario may also set ``horizon_years``, ``discount_rate`` (a fixed
rate; default the Green Book schedule), ``project_type`` or
``optimism_bias_pct`` (optimism bias on capital costs) and
``cover_value_gbp_pa`` (a value a year the user puts on the change in cover).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from bluelight.analysis.finance import check_finance
from bluelight.foundation.config_files import read_yaml
from bluelight.foundation.errors import ConfigError, ValidationError

ACTIONS = ("close", "open", "move", "co_locate", "merge", "change")
REQUIRED = {"close": ("site",), "move": ("site", "easting", "northing"),
            "open": ("site_id", "service", "easting", "northing"), "co_locate": ("site", "into"),
            "merge": ("sites",), "change": ("site",)}


@dataclass(frozen=True)
class Scenario:
    name: str
    note: str = ""
    as_of: str | None = None
    changes: list[dict[str, Any]] = field(default_factory=list)
    horizon_years: int = 30
    discount_rate: float | None = None       # a fixed rate; None: the Green Book schedule
    service: str | None = None    # the service a dashboard scenario was drawn for, if any
    project_type: str | None = None          # optimism bias by project type (appraisal.yaml); None: the default
    optimism_bias_pct: float | None = None   # an explicit uplift on capital costs, overriding the project type's
    cover_value_gbp_pa: float | None = None  # a value a year on the change in cover; None: not valued


#: what a scenario file may hold
SCENARIO_KEYS = {"name", "note", "as_of", "changes", "horizon_years", "discount_rate", "service", "project_type",
                 "optimism_bias_pct", "cover_value_gbp_pa", "saved"}


def _check_change(path: str, i: int, ch: object) -> None:
    if not isinstance(ch, dict) or ch.get("action") not in ACTIONS:
        raise ConfigError(f"{path}: change {i} needs an action, one of {list(ACTIONS)}")
    missing = [k for k in REQUIRED[ch["action"]] if k not in ch]
    if missing:
        raise ConfigError(f"{path}: change {i} ({ch['action']}) lacks {missing}")
    if ch["action"] == "merge" and "into" not in ch and "hub" not in ch:
        raise ConfigError(f"{path}: change {i} (merge) needs 'into' (an existing site) or 'hub' (a new one)")
    if ch["action"] == "change" and not ({"duty_system", "turnout_s"} & set(ch)):
        raise ConfigError(f"{path}: change {i} (change) needs duty_system or turnout_s")
    try:
        check_finance(ch["action"], ch.get("finance"), where=f"{path}: change {i} ({ch['action']})")
    except ValidationError as exc:                  # a file has no fields: the message alone, naming change and key
        raise ConfigError(exc.errors[exc.field]) from exc


def scenario_from_dict(doc: object, *, source: str = "scenario") -> Scenario:
    """A validated :class:`Scenario` from a parsed YAML document; ``source`` names it in messages.

    Parameters
    ----------
    doc
        The parsed YAML document.
    source
        What names it in messages (its file).

    Examples
    --------
    >>> scenario_from_dict({"name": "close one", "changes": [{"action": "close", "site": "F1"}]}).changes
    [{'action': 'close', 'site': 'F1'}]
    >>> scenario_from_dict({"name": "bad", "changes": [{"action": "demolish"}]})
    Traceback (most recent call last):
    ...
    bluelight.foundation.errors.ConfigError: scenario: change 1 needs an action, one of ['close', 'open', 'move', 'co_locate', 'merge', 'change']
    """
    if not isinstance(doc, dict) or "name" not in doc:
        raise ConfigError(f"{source}: a scenario needs a 'name' and a list of 'changes'")
    changes = doc.get("changes") or []
    if not isinstance(changes, list):
        raise ConfigError(f"{source}: 'changes' must be a list")
    for i, ch in enumerate(changes, start=1):
        _check_change(source, i, ch)
    as_of = doc.get("as_of")
    unknown = set(doc) - SCENARIO_KEYS
    if unknown:
        raise ConfigError(f"{source}: unknown keys {sorted(unknown)} (a scenario takes {sorted(SCENARIO_KEYS)})")
    try:
        horizon = int(doc.get("horizon_years", 30))
        rate, ob, value = (None if doc.get(k) is None else float(doc[k])
                           for k in ("discount_rate", "optimism_bias_pct", "cover_value_gbp_pa"))
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{source}: horizon_years, discount_rate, optimism_bias_pct and cover_value_gbp_pa must be "
                          f"numbers ({exc})") from exc
    return Scenario(str(doc["name"]), str(doc.get("note", "") or ""), None if as_of is None else str(as_of),
                    list(changes), horizon, rate, None if doc.get("service") is None else str(doc["service"]),
                    None if doc.get("project_type") is None else str(doc["project_type"]), ob, value)


def load_scenario(path: str | Path) -> Scenario:
    """A scenario from a YAML file (a file the user gave; the dashboard opens only its own store).

    Parameters
    ----------
    path
        The YAML file.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"scenario file {path} not found")
    return scenario_from_dict(read_yaml(path, what="scenario"), source=str(path))


def _require(out: pd.DataFrame, site: str, scenario: Scenario, i: int) -> pd.Series:
    hit = out[out["site_id"] == site]
    if hit.empty:
        raise ConfigError(f"scenario {scenario.name!r}, change {i}: site {site!r} is not in the baseline")
    return hit.iloc[0]


def _relocated(row: pd.Series, host: pd.Series, suffix: str) -> dict[str, Any]:
    moved = row.to_dict()
    moved.update({"site_id": f"{row['site_id']}@{host['site_id']}", "name": f"{row['name']} ({suffix} {host['name']})",
                  "easting": float(host["easting"]), "northing": float(host["northing"]), "status": "planned"})
    return moved


def apply_scenario(sites: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """The sites table (any services) after the scenario's changes.

    Parameters
    ----------
    sites
        The sites table (any services), before.
    scenario
        The changes to make.

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
    added: list[dict[str, Any]] = []
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
            row: dict[str, Any] = {c: None for c in out.columns}
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


def moved_services(sites: pd.DataFrame, scenario: Scenario) -> list[str]:
    """Services whose own sites a scenario closes, opens, moves or re-crews (not the hosts they move into).

    Parameters
    ----------
    sites
        The sites table the scenario applies to.
    scenario
        The scenario.

    Examples
    --------
    >>> sites = pd.DataFrame({"site_id": ["F1", "P1"], "service": ["fire", "police"]})
    >>> moved_services(sites, Scenario("x", changes=[{"action": "co_locate", "site": "P1", "into": "F1"}]))
    ['police']
    """
    ids = {ch["site"] for ch in scenario.changes if "site" in ch}
    ids.update(s for ch in scenario.changes for s in ch.get("sites", []) if s != ch.get("into"))
    services = {ch["service"] for ch in scenario.changes if ch["action"] == "open"}
    services.update(sites.loc[sites["site_id"].isin(ids), "service"])
    return sorted(services)


def touched_services(sites: pd.DataFrame, scenario: Scenario) -> list[str]:
    """Services whose sites a scenario changes (those whose cover can change).

    Parameters
    ----------
    sites
        The sites table the scenario applies to.
    scenario
        The scenario.
    """
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
