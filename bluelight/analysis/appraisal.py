"""The economic case of an estates change, as HM Treasury's Green Book (2022) asks for it.

Cash items (:mod:`bluelight.analysis.finance`) become a table by year,
discounted at the Green Book's declining social time preference rate (3.5%
for years 0-30, 3.0% to 75, 2.5% to 125; Green Book 2022, Table 8) unless a
fixed rate is asked for. Capital costs are raised by optimism bias (the
supplementary guidance's upper bounds by project type, editable in
``config/appraisal.yaml``). The net present social value (NPSV) counts cash
and, only where the user supplies a value a year, the change in cover; a
value is never invented. Beside it: the benefit-cost ratio, the payback year,
each cost at plus and minus 20% and the switching value of each input (the
change in it that brings the NPSV to zero), and what is missing. Options are
set side by side against a do-minimum, which is the comparison the economic
case is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from bluelight.analysis.finance import CashItem
from bluelight.foundation.errors import AnalysisError
from bluelight.foundation.text import money

#: Green Book 2022, Table 8: the social time preference rate by year (last year of each band, rate)
STPR_SCHEDULE = ((30, 0.035), (75, 0.030), (125, 0.025))
#: the sensitivity the tables show for each cost (Green Book: test the key inputs)
SENSITIVITY = 0.20


@dataclass(frozen=True)
class OptimismBias:
    """Uplift to capital costs for the systematic tendency to under-estimate them."""

    project_type: str = "none"
    capital_pct: float = 0.0
    source: str = ""


def discount_factors(horizon_years: int, rate: float | None = None) -> np.ndarray:
    """Discount factors for years 0..horizon: the Green Book's declining schedule, or a fixed ``rate``.

    Parameters
    ----------
    horizon_years
        The years appraised (year 0 included).
    rate
        A fixed rate (default: the Green Book's declining schedule).

    Examples
    --------
    >>> f = discount_factors(32)
    >>> round(float(f[30]), 4), round(float(f[31] / f[30]), 4)      # 3.5% to year 30, then 3.0%
    (0.3563, 0.9709)
    >>> round(float(discount_factors(2, 0.10)[2]), 4)
    0.8264
    """
    if not 1 <= horizon_years <= STPR_SCHEDULE[-1][0]:
        raise AnalysisError(f"horizon_years must be between 1 and {STPR_SCHEDULE[-1][0]}, got {horizon_years}")
    years = np.arange(1, horizon_years + 1)
    if rate is None:
        rates = np.select([years <= last for last, _ in STPR_SCHEDULE], [r for _, r in STPR_SCHEDULE])
    else:
        if not -0.5 < rate < 1:
            raise AnalysisError(f"discount_rate must be a fraction such as 0.035, got {rate}")
        rates = np.full(years.size, rate)
    return np.concatenate([[1.0], np.cumprod(1.0 / (1.0 + rates))])


def _flows(items: list[CashItem], horizon_years: int, *, scale: dict[int, float] | None = None) -> np.ndarray:
    """Net cash by year (item i scaled by ``scale[i]``)."""
    out = np.zeros(horizon_years + 1)
    for i, it in enumerate(items):
        amount = it.amount_gbp * (scale or {}).get(i, 1.0)
        if it.annual:
            out[max(1, it.year):] += amount
        elif it.year <= horizon_years:
            out[it.year] += amount
    return out


@dataclass
class Appraisal:
    """A scenario's money: the table by year, NPV of the cash, NPSV with optimism bias and any valued cover."""

    items: list[CashItem]
    horizon_years: int
    discount_rate: float | None              # None: the Green Book schedule
    cash_flows: pd.DataFrame
    npv_gbp: float                           # the cash items alone, discounted
    missing: list[str] = field(default_factory=list)
    optimism_bias: OptimismBias = field(default_factory=OptimismBias)
    optimism_bias_gbp: float = 0.0          # present value of the uplift (a cost, so negative)
    cover_value_gbp_pa: float | None = None  # a value the user put on the change in cover, a year
    npsv_gbp: float = 0.0
    pv_costs_gbp: float = 0.0
    pv_benefits_gbp: float = 0.0
    payback_year: int | None = None
    sensitivity: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def bcr(self) -> float | None:
        """Benefit-cost ratio: present value of benefits over that of costs (None without costs)."""
        return self.pv_benefits_gbp / self.pv_costs_gbp if self.pv_costs_gbp > 0 else None

    @property
    def rate_text(self) -> str:
        return ("the Green Book rate (3.5% to year 30, 3.0% after)" if self.discount_rate is None
                else f"{100 * self.discount_rate:.1f}% a year")

    def as_dict(self) -> dict[str, Any]:
        return {"npv_gbp": round(self.npv_gbp, 2), "npsv_gbp": round(self.npsv_gbp, 2),
                "horizon_years": self.horizon_years,
                "discount_rate": self.discount_rate if self.discount_rate is not None else STPR_SCHEDULE[0][1],
                "discount_schedule": "fixed" if self.discount_rate is not None else "green_book_2022",
                "optimism_bias": {"project_type": self.optimism_bias.project_type,
                                  "capital_pct": self.optimism_bias.capital_pct, "source": self.optimism_bias.source,
                                  "present_value_gbp": round(self.optimism_bias_gbp, 2)},
                "cover_value_gbp_pa": self.cover_value_gbp_pa,
                "pv_costs_gbp": round(self.pv_costs_gbp, 2), "pv_benefits_gbp": round(self.pv_benefits_gbp, 2),
                "bcr": None if self.bcr is None else round(self.bcr, 3), "payback_year": self.payback_year,
                "complete": self.complete, "missing": list(self.missing),
                "items": [i.__dict__ for i in self.items],
                "cash_flows": self.cash_flows.round(2).to_dict("records"),
                "sensitivity": self.sensitivity.round(4).to_dict("records")}


def appraise(items: list[CashItem], *, horizon_years: int = 30, discount_rate: float | None = None,
             missing: list[str] | None = None, optimism_bias: OptimismBias = OptimismBias(),
             cover_value_gbp_pa: float | None = None) -> Appraisal:
    """The Green Book appraisal of ``items``.

    Parameters
    ----------
    items
        Signed cash items (positive money in).
    horizon_years
        Years counted after year 0.
    discount_rate
        A fixed annual rate; None (default) for the Green Book schedule.
    missing
        Figures the items need and nobody supplied (listed, never taken as zero).
    optimism_bias
        The uplift applied to capital costs (build, refurbishment, relocation) in the year they fall.
    cover_value_gbp_pa
        A value a year the user puts on the change in cover (from year 1); None: not valued.

    Examples
    --------
    >>> a = appraise([CashItem("build", -1_000_000.0, 0, False, "", "build_cost_gbp", True),
    ...               CashItem("saving", 100_000.0, 1, True)], horizon_years=30, discount_rate=0.035,
    ...              optimism_bias=OptimismBias("standard_buildings", 24.0))
    >>> round(a.npv_gbp), round(a.optimism_bias_gbp), round(a.npsv_gbp), a.payback_year
    (839205, -240000, 599205, 17)
    """
    if cover_value_gbp_pa is not None and not np.isfinite(cover_value_gbp_pa):
        raise AnalysisError(f"cover_value_gbp_pa must be a number, got {cover_value_gbp_pa}")
    if not 0 <= optimism_bias.capital_pct <= 500:
        raise AnalysisError(f"optimism bias must be between 0 and 500%, got {optimism_bias.capital_pct}")
    for it in items:
        if not np.isfinite(it.amount_gbp):
            raise AnalysisError(f"cash item {it.label!r} has no amount")
    df = discount_factors(horizon_years, discount_rate)
    cash = _flows(items, horizon_years)
    capital = _flows([it for it in items if it.capital], horizon_years)
    uplift = capital * optimism_bias.capital_pct / 100.0
    cover = np.zeros(horizon_years + 1)
    if cover_value_gbp_pa is not None:
        cover[1:] = cover_value_gbp_pa
    net = cash + uplift + cover
    costs = np.minimum(cash, 0) + uplift + np.minimum(cover, 0)
    benefits = np.maximum(cash, 0) + np.maximum(cover, 0)
    table = pd.DataFrame({"year": np.arange(horizon_years + 1), "costs_gbp": costs - uplift,
                          "optimism_bias_gbp": uplift, "benefits_gbp": benefits, "cover_value_gbp": cover,
                          "net_gbp": net, "discount_factor": df, "present_value_gbp": net * df})
    table["cumulative_pv_gbp"] = table["present_value_gbp"].cumsum()
    npsv = float(table["present_value_gbp"].sum())
    ahead = np.flatnonzero(table["cumulative_pv_gbp"].to_numpy() >= 0)
    payback = None
    if npsv >= 0 and ahead.size and (table["cumulative_pv_gbp"] < 0).any():
        after_last_negative = np.flatnonzero(table["cumulative_pv_gbp"].to_numpy() < 0).max() + 1
        payback = int(after_last_negative) if after_last_negative <= horizon_years else None
    out = Appraisal(list(items), horizon_years, discount_rate, table, float((cash * df).sum()), list(missing or []),
                    optimism_bias, float((uplift * df).sum()), cover_value_gbp_pa, npsv,
                    float(-(costs * df).sum()), float((benefits * df).sum()), payback)
    out.sensitivity = sensitivity(out)
    return out


def sensitivity(ap: Appraisal) -> pd.DataFrame:
    """Each input's present value, the NPSV with it 20% lower and higher, and its switching value.

    The switching value is the change in the input, as a share of it, that
    brings the NPSV to zero (Green Book 2022, 5.87): a cost that may rise 300%
    before the case turns is not the one to worry about; one at 5% is.

    Parameters
    ----------
    ap
        The appraisal.
    """
    df = ap.cash_flows["discount_factor"].to_numpy()
    rows = []
    ob = ap.optimism_bias.capital_pct / 100.0
    inputs: list[tuple[str, np.ndarray]] = []
    for _i, it in enumerate(ap.items):
        flow = _flows([it], ap.horizon_years) * (1 + ob if it.capital else 1)
        inputs.append((it.label, flow))
    if ap.cover_value_gbp_pa is not None:
        cover = ap.cash_flows["cover_value_gbp"].to_numpy()
        inputs.append(("value put on the change in cover", cover))
    for label, flow in inputs:
        pv = float((flow * df).sum())
        if pv == 0:
            continue
        rows.append({"input": label, "present_value_gbp": pv,
                     "npsv_if_20pct_lower_gbp": ap.npsv_gbp - SENSITIVITY * pv,
                     "npsv_if_20pct_higher_gbp": ap.npsv_gbp + SENSITIVITY * pv,
                     "switching_value_pct": 100.0 * -ap.npsv_gbp / pv})
    return pd.DataFrame(rows, columns=["input", "present_value_gbp", "npsv_if_20pct_lower_gbp",
                                       "npsv_if_20pct_higher_gbp", "switching_value_pct"])


def compare_options(options: dict[str, Appraisal], *, do_minimum: Appraisal | None = None) -> pd.DataFrame:
    """Options side by side against the do-minimum (keep the estate as it is unless given): NPSV, NPSV over the
    do-minimum, present costs and benefits, benefit-cost ratio, payback, completeness; best first.

    Parameters
    ----------
    options
        Name -> appraisal of each option.
    do_minimum
        The do-minimum (default: the estate as it is).
    """
    base = do_minimum.npsv_gbp if do_minimum is not None else 0.0
    rows = [{"option": "do minimum", "npsv_gbp": base, "npsv_over_do_minimum_gbp": 0.0,
             "pv_costs_gbp": do_minimum.pv_costs_gbp if do_minimum else 0.0,
             "pv_benefits_gbp": do_minimum.pv_benefits_gbp if do_minimum else 0.0, "bcr": None,
             "payback_year": None, "complete": do_minimum.complete if do_minimum else True}]
    for name, ap in options.items():
        if ap.horizon_years != (do_minimum.horizon_years if do_minimum else ap.horizon_years):
            raise AnalysisError(f"option {name!r} is appraised over {ap.horizon_years} years, the do-minimum over "
                                f"{do_minimum.horizon_years if do_minimum else '?'}: compare like with like")
        rows.append({"option": name, "npsv_gbp": ap.npsv_gbp, "npsv_over_do_minimum_gbp": ap.npsv_gbp - base,
                     "pv_costs_gbp": ap.pv_costs_gbp, "pv_benefits_gbp": ap.pv_benefits_gbp, "bcr": ap.bcr,
                     "payback_year": ap.payback_year, "complete": ap.complete})
    table = pd.DataFrame(rows)
    table["rank"] = table["npsv_over_do_minimum_gbp"].rank(ascending=False, method="min").astype(int)
    table = table.sort_values("rank", kind="stable").reset_index(drop=True)
    return table.astype(object).where(table.notna(), None)


def switching_text(row: dict[str, Any]) -> str:
    """One sensitivity row in words.

    Parameters
    ----------
    row
        One row of :func:`sensitivity`.

    Examples
    --------
    >>> switching_text({"input": "build", "switching_value_pct": -125.0, "npsv_if_20pct_lower_gbp": -3.9e6,
    ...                 "npsv_if_20pct_higher_gbp": -5.4e6})
    'build: no change to it alone turns the case (it would have to fall 125%); NPSV −£3.90m at −20%, −£5.40m at +20%'
    """
    pct = row["switching_value_pct"]
    if pct < -100:
        turn = f"no change to it alone turns the case (it would have to fall {-pct:.0f}%)"
    else:
        turn = f"the case turns if it {'rises' if pct > 0 else 'falls'} {abs(pct):.0f}%"
    return (f"{row['input']}: {turn}; NPSV {money(row['npsv_if_20pct_lower_gbp'])} at −20%, "
            f"{money(row['npsv_if_20pct_higher_gbp'])} at +20%")


def describe(finance: dict[str, Any]) -> str:
    """The appraisal in one sentence for a reader (CLI, pages, reports): never "£0" when nothing is costed.

    ``finance`` is :meth:`Appraisal.as_dict`.

    Parameters
    ----------
    finance
        An appraisal as ``Appraisal.as_dict`` gives it.
    """
    if not finance["items"]:
        if finance["missing"]:
            return ("Not appraised: no figure is supplied yet. Needed: " + "; ".join(finance["missing"]) + ".")
        return "No money changes."
    rate = ("the Green Book rate" if finance.get("discount_schedule") == "green_book_2022"
            else f"{100 * finance['discount_rate']:.1f}%")
    ob = finance.get("optimism_bias") or {}
    text = (f"Net present value of the cash {money(finance['npv_gbp'])} over {finance['horizon_years']} years at "
            f"{rate}")
    if ob.get("capital_pct"):
        text += (f"; {money(finance['npsv_gbp'])} net present social value with {ob['capital_pct']:g}% optimism "
                 f"bias on capital costs ({str(ob['project_type']).replace('_', ' ')})")
    elif finance.get("cover_value_gbp_pa") is not None:
        text += f"; net present social value {money(finance['npsv_gbp'])}"
    if finance.get("payback_year") is not None:
        text += f"; pays back in year {finance['payback_year']}"
    text += "."
    if finance.get("cover_value_gbp_pa") is None:
        text += " The change in cover is not valued in money (no value supplied)."
    if finance["missing"]:
        text += " Incomplete: missing " + "; ".join(finance["missing"]) + "."
    return text
