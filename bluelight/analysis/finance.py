"""The money of a scenario's changes: which figures each action takes, and the cash items they make.

One model for the YAML, the CLI and every page. Each action accepts a fixed
set of finance keys (:data:`ACTION_KEYS`); a key an action cannot use is
refused with a message naming the change and the key, never dropped. Each
figure falls in a year (the change's ``year``, default 0), or in the year it
names, or over a profile of years; annual figures recur from the year after
the change. Figures are entered as positive amounts; the key says whether
it is money out (a cost) or in (a receipt, a grant, a saving), except a
running-cost change, which is positive when the site costs more.

Figures the sites table holds (disposal value, running cost, backlog
maintenance of a released site) are used when the change does not give
them; a figure a change needs and nobody supplies is listed as missing,
never taken as zero. The appraisal is :mod:`bluelight.analysis.appraisal`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from bluelight.foundation.errors import ValidationError

#: HM Treasury Green Book social time preference rate for years 0-30 (the appraisal's schedule lowers it after)
GREEN_BOOK_RATE = 0.035


@dataclass(frozen=True)
class FinanceKey:
    """One kind of money a change may carry."""

    name: str
    label: str
    direction: int          # -1: money out (a cost), +1: money in (a receipt, a grant, a saving)
    annual: bool
    capital: bool           # a capital cost, raised by optimism bias
    meaning: str


FINANCE_KEYS: dict[str, FinanceKey] = {k.name: k for k in (
    FinanceKey("build_cost_gbp", "build or extension", -1, False, True,
               "building a new site, or extending the host to take the services moving in"),
    FinanceKey("refurbishment_gbp", "refurbishment", -1, False, True, "refitting premises for their new use"),
    FinanceKey("relocation_cost_gbp", "relocation", -1, False, True,
               "moving people, vehicles and equipment (one-off)"),
    FinanceKey("grant_gbp", "grant", +1, False, False, "a grant towards the change"),
    FinanceKey("receipt_gbp", "disposal receipt", +1, False, False,
               "capital receipt from disposing of the sites released (replaces their disposal values)"),
    FinanceKey("backlog_maintenance_gbp", "backlog maintenance avoided", +1, False, False,
               "backlog maintenance of the sites released, no longer needed (replaces the sites table's)"),
    FinanceKey("running_cost_saved_gbp_pa", "running cost saved", +1, True, False,
               "the released sites' running costs no longer paid (replaces the sites table's), a year"),
    FinanceKey("running_cost_change_gbp_pa", "running cost change", -1, True, False,
               "what the sites that remain cost more (positive) or less (negative) to run, a year"),
)}

#: the finance keys each action takes
ACTION_KEYS: dict[str, tuple[str, ...]] = {
    "close": ("receipt_gbp", "backlog_maintenance_gbp", "running_cost_saved_gbp_pa", "relocation_cost_gbp",
              "grant_gbp"),
    "open": ("build_cost_gbp", "running_cost_change_gbp_pa", "grant_gbp"),
    "move": ("build_cost_gbp", "relocation_cost_gbp", "receipt_gbp", "backlog_maintenance_gbp",
             "running_cost_change_gbp_pa", "grant_gbp"),
    "co_locate": tuple(FINANCE_KEYS),
    "merge": tuple(FINANCE_KEYS),
    "change": ("build_cost_gbp", "refurbishment_gbp", "running_cost_change_gbp_pa", "grant_gbp"),
}
#: keys of a change's finance that are not money: the year its one-off figures fall in
TIMING_KEYS = ("year",)
MAX_YEAR = 125
MAX_GBP = 1e11


@dataclass(frozen=True)
class CashItem:
    """One money item. ``year`` 0 is now; an ``annual`` item recurs from ``max(1, year)`` to the horizon.

    ``amount_gbp`` is signed: positive money in (or saved), negative money out.
    """

    label: str
    amount_gbp: float
    year: int = 0
    annual: bool = False
    source: str = ""
    key: str = ""
    capital: bool = False


def _where(where: str, key: str) -> str:
    return f"{where}: finance key {key!r}"


def _number(value: object, *, where: str, key: str, signed: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value):
        raise ValidationError(key, f"{_where(where, key)} must be an amount in pounds, got {value!r}")
    if not signed and value < 0:
        raise ValidationError(key, f"{_where(where, key)} is entered as a positive amount (it is "
                                   f"{'money out' if FINANCE_KEYS[key].direction < 0 else 'money in'} by its "
                                   f"nature), got {value:,.0f}")
    if abs(value) > MAX_GBP:
        raise ValidationError(key, f"{_where(where, key)} is beyond £{MAX_GBP:,.0f}: check the units, got {value!r}")
    return float(value)


def _year(value: object, *, where: str, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value) \
            or not 0 <= value <= MAX_YEAR:
        raise ValidationError(key, f"{_where(where, key)}: a year is a whole number from 0 (now) to {MAX_YEAR}, "
                                   f"got {value!r}")
    return int(value)


def money_of(key: str, value: object, *, year: int, where: str) -> list[tuple[int, float]]:
    """(year, amount) pairs of one finance figure: a number (in ``year``), ``{amount_gbp, year}`` or
    ``{profile: {year: amount}}`` (one-off figures only). Amounts as entered (not yet signed).

    Parameters
    ----------
    key
        The figure's key (``build_cost_gbp`` ...).
    value
        Its value as the YAML gives it.
    year
        The year a plain number falls in.
    where
        The change it belongs to, for messages.

    Examples
    --------
    >>> money_of("build_cost_gbp", 3_000_000, year=0, where="change 1 (merge)")
    [(0, 3000000.0)]
    >>> money_of("build_cost_gbp", {"profile": {0: 1e6, 1: 2e6}}, year=0, where="change 1 (merge)")
    [(0, 1000000.0), (1, 2000000.0)]
    """
    spec = FINANCE_KEYS[key]
    signed = key == "running_cost_change_gbp_pa"
    if not isinstance(value, Mapping):
        return [(year, _number(value, where=where, key=key, signed=signed))]
    if "profile" in value:
        if spec.annual or set(value) != {"profile"} or not isinstance(value["profile"], Mapping) \
                or not value["profile"]:
            raise ValidationError(key, f"{_where(where, key)}: a profile is {{profile: {{year: amount, ...}}}} and "
                                       "only one-off figures have one")
        return sorted((_year(y, where=where, key=key), _number(a, where=where, key=key, signed=signed))
                      for y, a in value["profile"].items())
    unknown = set(value) - {"amount_gbp", "year"}
    if unknown or "amount_gbp" not in value:
        raise ValidationError(key, f"{_where(where, key)}: give a number, {{amount_gbp: N, year: Y}} or "
                                   f"{{profile: {{year: amount}}}}, got {dict(value)!r}")
    return [(_year(value.get("year", year), where=where, key=key),
             _number(value["amount_gbp"], where=where, key=key, signed=signed))]


def check_finance(action: str, finance: object, *, where: str) -> dict[str, list[tuple[int, float]]]:
    """A change's finance checked against its action: every key applicable, every figure well formed.

    Returns each key's (year, amount) pairs. ``where`` names the change in
    messages ("scenario.yaml: change 2 (merge)").

    Parameters
    ----------
    action
        The change's action (close, merge, co_locate ...).
    finance
        Its finance section.
    where
        The change, named for messages.

    Raises
    ------
    ValidationError
        On the offending key (so a page shows it beside that field), naming the change and the key.
    """
    if finance is None:
        return {}
    if not isinstance(finance, Mapping):
        raise ValidationError("finance", f"{where}: finance must be a mapping of keys to amounts, got {finance!r}")
    allowed = ACTION_KEYS[action]
    for key in finance:
        if key in TIMING_KEYS:
            continue
        if key not in FINANCE_KEYS:
            raise ValidationError(str(key), f"{where}: unknown finance key {key!r}; a {action} takes "
                                            f"{', '.join(allowed)} (and year)")
        if key not in allowed:
            raise ValidationError(key, f"{where}: finance key {key!r} ({FINANCE_KEYS[key].meaning}) does not apply "
                                       f"to a {action}; it takes {', '.join(allowed)} (and year)")
    year = _year(finance.get("year", 0), where=where, key="year")
    return {k: money_of(k, v, year=year, where=where) for k, v in finance.items() if k not in TIMING_KEYS}


def _estate(estates: pd.DataFrame, site_id: str) -> dict[str, Any]:
    hit = estates[estates["site_id"] == site_id] if len(estates) else estates
    return {} if hit.empty else hit.iloc[0].to_dict()


def _known(value: object) -> bool:
    return value is not None and not (isinstance(value, float) and np.isnan(value))


#: the sites table's column behind each key a released site may take from it
ESTATE_COLUMNS = {"receipt_gbp": "disposal_value_gbp", "backlog_maintenance_gbp": "backlog_maintenance_gbp",
                  "running_cost_saved_gbp_pa": "running_cost_gbp_pa"}
#: what each action needs and nobody may have supplied: listed as missing, never taken as zero
NEEDED = {"open": ("build_cost_gbp", "running_cost_change_gbp_pa"), "move": ("relocation_cost_gbp",),
          "co_locate": ("running_cost_change_gbp_pa",), "merge": ("running_cost_change_gbp_pa",),
          "change": ("running_cost_change_gbp_pa",)}


def _subject(ch: dict[str, Any], names: Mapping[str, str]) -> str:
    """The change in words, with names rather than ids."""
    def n(site_id: str | None) -> str:
        return names.get(site_id or "", site_id or "")
    act = ch["action"]
    if act == "co_locate":
        return f"{n(ch['site'])} into {n(ch['into'])}"
    if act == "merge":
        hub = ch["hub"].get("name", ch["hub"].get("site_id")) if "hub" in ch else n(ch.get("into"))
        return f"merging {', '.join(n(s) for s in ch['sites'] if s != ch.get('into'))} into {hub}"
    if act == "open":
        return f"opening {ch.get('name') or ch['site_id']}"
    return f"{act} {n(ch.get('site', ''))}".strip()


def scenario_cash_items(changes: list[dict[str, Any]], estates: pd.DataFrame, *,
                        source: str = "scenario") -> tuple[list[CashItem], list[str]]:
    """Cash items of a scenario's changes, and the figures it needs but neither the sites nor it give.

    ``estates`` has per site: site_id, name, running_cost_gbp_pa, disposal_value_gbp,
    backlog_maintenance_gbp. Every figure a change supplies becomes an item;
    released sites (closed, co-located, merged away) bring their disposal
    value, running cost and backlog maintenance from the sites table unless
    the change gives them.

    Parameters
    ----------
    changes
        The scenario's changes.
    estates
        Per site: site_id, name, running_cost_gbp_pa, disposal_value_gbp, backlog_maintenance_gbp.
    source
        What names the scenario in messages (its file).
    """
    names = dict(zip(estates["site_id"], estates["name"])) if len(estates) and "name" in estates else {}
    items: list[CashItem] = []
    missing: list[str] = []
    for i, ch in enumerate(changes, start=1):
        act = ch["action"]
        where = f"{source}: change {i} ({act})"
        given = check_finance(act, ch.get("finance"), where=where)
        subject = _subject(ch, names)
        for key, pairs in given.items():
            spec = FINANCE_KEYS[key]
            for year, amount in pairs:
                items.append(CashItem(f"{spec.label}: {subject}", spec.direction * amount, year, spec.annual,
                                      "scenario", key, spec.capital and spec.direction < 0))
        year = _year((ch.get("finance") or {}).get("year", 0), where=where, key="year")
        released = _released(ch)
        for key, column in ESTATE_COLUMNS.items():
            if key in given or key not in ACTION_KEYS[act] or not released:
                continue
            spec = FINANCE_KEYS[key]
            for sid in released:
                value = _estate(estates, sid).get(column)
                if value is not None and _known(value):
                    items.append(CashItem(f"{spec.label}: {names.get(sid, sid)}", spec.direction * float(value),
                                          year, spec.annual, "sites table", key))
                else:
                    missing.append(f"{spec.label} of {names.get(sid, sid)}")
        needed = list(NEEDED.get(act, ()))
        if act == "merge" and "hub" in ch:
            needed.insert(0, "build_cost_gbp")
        missing += [f"{FINANCE_KEYS[k].label}: {subject}" for k in needed if k not in given]
    return items, missing


def _released(ch: dict[str, Any]) -> list[str]:
    """The sites a change releases (their disposal, running cost and backlog come from the sites table)."""
    act = ch["action"]
    if act in ("close", "co_locate"):
        return [ch["site"]]
    if act == "merge":
        return [s for s in ch["sites"] if s != ch.get("into")]
    return []
