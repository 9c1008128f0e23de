"""Estates finance of a scenario: cash flows and net present value (HM Treasury Green Book).

Figures come from the sites' estates fields or from the scenario, never
invented: every figure a change needs but lacks is listed in ``missing``, and
an appraisal with missing figures says so rather than treating them as zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from bluelight.errors import AnalysisError

#: HM Treasury Green Book social time preference rate for years 0-30
GREEN_BOOK_RATE = 0.035


@dataclass(frozen=True)
class CashItem:
    """One money item of a scenario. ``year`` 0 is now; ``annual`` items recur in years 1..horizon."""

    label: str
    amount_gbp: float            # positive = money in (or saved), negative = money out
    year: int = 0
    annual: bool = False
    source: str = ""


@dataclass
class Appraisal:
    items: list[CashItem]
    horizon_years: int
    discount_rate: float
    cash_flows: pd.DataFrame
    npv_gbp: float
    missing: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.missing

    def as_dict(self) -> dict:
        return {"npv_gbp": round(self.npv_gbp, 2), "horizon_years": self.horizon_years,
                "discount_rate": self.discount_rate, "complete": self.complete, "missing": list(self.missing),
                "items": [i.__dict__ for i in self.items],
                "cash_flows": self.cash_flows.round(2).to_dict("records")}


def discount_factors(horizon_years: int, rate: float) -> np.ndarray:
    """1 / (1 + rate)^t for t = 0..horizon."""
    return 1.0 / (1.0 + rate) ** np.arange(horizon_years + 1)


def appraise(items: list[CashItem], *, horizon_years: int = 30, discount_rate: float = GREEN_BOOK_RATE,
             missing: list[str] | None = None) -> Appraisal:
    """Cash-flow table by year and the net present value of ``items``.

    Parameters
    ----------
    horizon_years
        Years of recurring items counted (1..horizon), after year 0.
    discount_rate
        Annual discount rate (default the Green Book 3.5%).

    Examples
    --------
    >>> from bluelight.analysis.finance import CashItem
    >>> a = appraise([CashItem("receipt", 1_000_000.0, 0, False, "sites"),
    ...               CashItem("running cost saved", 100_000.0, 1, True, "sites")], horizon_years=2, discount_rate=0.035)
    >>> round(a.npv_gbp)
    1189969
    """
    if horizon_years < 1 or horizon_years > 100:
        raise AnalysisError(f"horizon_years must be between 1 and 100, got {horizon_years}")
    if not -0.5 < discount_rate < 1:
        raise AnalysisError(f"discount_rate must be a fraction such as 0.035, got {discount_rate}")
    years = np.arange(horizon_years + 1)
    one_off = np.zeros(horizon_years + 1)
    recurring = np.zeros(horizon_years + 1)
    for it in items:
        if not np.isfinite(it.amount_gbp):
            raise AnalysisError(f"cash item {it.label!r} has no amount")
        if it.annual:
            recurring[max(1, it.year):] += it.amount_gbp
        elif it.year <= horizon_years:
            one_off[it.year] += it.amount_gbp
    net = one_off + recurring
    df = discount_factors(horizon_years, discount_rate)
    table = pd.DataFrame({"year": years, "one_off_gbp": one_off, "recurring_gbp": recurring, "net_gbp": net,
                          "discount_factor": df, "present_value_gbp": net * df})
    table["cumulative_pv_gbp"] = table["present_value_gbp"].cumsum()
    return Appraisal(list(items), horizon_years, discount_rate, table, float(table["present_value_gbp"].sum()),
                     list(missing or []))


def _estate(estates: pd.DataFrame, site_id: str) -> dict:
    hit = estates[estates["site_id"] == site_id]
    return {} if hit.empty else hit.iloc[0].to_dict()


def _known(value) -> bool:
    return value is not None and not (isinstance(value, float) and np.isnan(value))


def scenario_cash_items(changes: list[dict], estates: pd.DataFrame) -> tuple[list[CashItem], list[str]]:
    """Cash items of a scenario's changes, and the figures it needs but neither the sites nor it give.

    ``estates`` has per site: site_id, name, running_cost_gbp_pa, disposal_value_gbp,
    backlog_maintenance_gbp. A closing site brings in its disposal value (or the
    change's ``receipt_gbp``), saves its running cost every year and avoids its
    backlog maintenance; new or enlarged premises cost what the change says.
    """
    items: list[CashItem] = []
    missing: list[str] = []

    def money(label, amount, *, year=0, annual=False, source="scenario"):
        items.append(CashItem(label, float(amount), year, annual, source))

    def closing(site_id: str, fin: dict, year: int) -> None:
        e = _estate(estates, site_id)
        name = e.get("name", site_id)
        if "receipt_gbp" in fin:
            money(f"receipt from disposing of {name}", fin["receipt_gbp"], year=year)
        elif _known(e.get("disposal_value_gbp")):
            money(f"receipt from disposing of {name}", e["disposal_value_gbp"], year=year, source="sites table")
        else:
            missing.append(f"disposal value of {name} ({site_id})")
        if "running_cost_saved_gbp_pa" in fin:
            money(f"running cost of {name} saved", fin["running_cost_saved_gbp_pa"], annual=True)
        elif _known(e.get("running_cost_gbp_pa")):
            money(f"running cost of {name} saved", e["running_cost_gbp_pa"], annual=True, source="sites table")
        else:
            missing.append(f"annual running cost of {name} ({site_id})")
        if _known(e.get("backlog_maintenance_gbp")):
            money(f"backlog maintenance at {name} avoided", e["backlog_maintenance_gbp"], year=year,
                  source="sites table")
        else:
            missing.append(f"backlog maintenance of {name} ({site_id})")

    def needs(fin: dict, key: str, what: str, label: str, *, sign: float, annual: bool = False, year: int = 0):
        if key in fin:
            money(label, sign * fin[key], annual=annual, year=year)
        else:
            missing.append(what)

    for ch in changes:
        fin = dict(ch.get("finance") or {})
        year = int(fin.get("year", 0))
        act = ch["action"]
        if "grant_gbp" in fin:
            money(f"grant ({act})", fin["grant_gbp"], year=year)
        if act == "close":
            closing(ch["site"], fin, year)
        elif act == "co_locate":
            closing(ch["site"], fin, year)
            host = _estate(estates, ch["into"]).get("name", ch["into"])
            if "refurbishment_gbp" in fin:
                money(f"refurbishment of {host} to host {ch['site']}", -fin["refurbishment_gbp"], year=year)
            if "relocation_cost_gbp" in fin:
                money(f"relocating {ch['site']} into {host}", -fin["relocation_cost_gbp"], year=year)
            needs(fin, "running_cost_change_gbp_pa", f"running cost of hosting {ch['site']} at {host}",
                  f"running cost of hosting {ch['site']} at {host}", sign=-1, annual=True)
        elif act == "merge":
            host = ch.get("into")
            for sid in ch["sites"]:
                if sid != host:
                    closing(sid, {k: v for k, v in fin.items() if k != "receipt_gbp"}, year)
            if "hub" in ch:
                needs(fin, "build_cost_gbp", f"build cost of hub {ch['hub']['site_id']}",
                      f"build cost of hub {ch['hub']['site_id']}", sign=-1, year=year)
            elif "refurbishment_gbp" in fin:
                money(f"refurbishment of hub {host}", -fin["refurbishment_gbp"], year=year)
            needs(fin, "running_cost_change_gbp_pa", "annual running cost of the merged hub",
                  "running cost of the merged hub", sign=-1, annual=True)
        elif act == "open":
            needs(fin, "build_cost_gbp", f"build cost of {ch['site_id']}", f"build cost of {ch['site_id']}",
                  sign=-1, year=year)
            needs(fin, "running_cost_change_gbp_pa", f"annual running cost of {ch['site_id']}",
                  f"running cost of {ch['site_id']}", sign=-1, annual=True)
        elif act == "move":
            needs(fin, "relocation_cost_gbp", f"relocation cost of {ch['site']}", f"relocation of {ch['site']}",
                  sign=-1, year=year)
        elif act == "change":
            needs(fin, "running_cost_change_gbp_pa", f"running cost change of {ch['site']} "
                  f"({ch.get('duty_system', 'turnout')})", f"running cost change at {ch['site']}", sign=-1,
                  annual=True)
    return items, missing
