"""England's ambulance response without road data, fitted to what the trusts publish (AmbSYS) and checked by
leaving each trust out.

A trust's response statistic (Category 1 mean, its 90th centile, Category 2
mean and 90th centile) over the months a file holds is modelled as a line in
the share of its population living in rural areas (sparse areas mean longer
drives and vehicles further away, as for fire): ``y = a + b * rural``. Each
month adds the month's effect, how far the other trusts were from their own
average that month: winter pressure and busy vehicles are shared across the
country, so what the others felt predicts what the held-out trust felt. Both
parts are fitted without the trust being predicted (leave one trust out), so
the error reported is the error on a trust the model has not seen; the
baseline predicts each trust as the mean of the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from bluelight.foundation.errors import AnalysisError

#: the statistics modelled: AmbSYS column (seconds), and the incident count that weights its months
STATISTICS = {"c1_mean": ("c1_mean_s", "c1_incidents"), "c1_p90": ("c1_p90_s", "c1_incidents"),
              "c2_mean": ("c2_mean_s", "c2_incidents"), "c2_p90": ("c2_p90_s", "c2_incidents")}


@dataclass(frozen=True)
class LineFit:
    intercept_s: float
    per_rural_share_s: float

    def predict(self, rural: ArrayLike) -> np.ndarray:
        return self.intercept_s + self.per_rural_share_s * np.asarray(rural, float)


def fit_line(rural: ArrayLike, y: ArrayLike, weight: ArrayLike | None = None) -> LineFit:
    """Weighted least squares of ``y`` on the rural share (at least two trusts with different shares).

    Parameters
    ----------
    rural
        Each trust's rural population share.
    y
        Each trust's statistic.
    weight
        Each trust's weight (default: one each).

    Examples
    --------
    >>> f = fit_line([0.0, 0.5, 1.0], [400.0, 450.0, 500.0])
    >>> round(f.intercept_s, 6), round(f.per_rural_share_s, 6)
    (400.0, 100.0)
    """
    x, y = np.asarray(rural, float), np.asarray(y, float)
    w = np.ones_like(y) if weight is None else np.asarray(weight, float)
    if x.size < 2 or np.ptp(x) == 0:
        raise AnalysisError("the fit needs at least two trusts with different rural shares")
    a = np.column_stack([np.ones_like(x), x]) * np.sqrt(w)[:, None]
    coef, *_ = np.linalg.lstsq(a, y * np.sqrt(w), rcond=None)
    return LineFit(float(coef[0]), float(coef[1]))


def trust_means(monthly: pd.DataFrame, column: str, count: str) -> pd.Series:
    """Each trust's statistic over the file's months, weighted by its incidents of the category.

    Parameters
    ----------
    monthly
        One row per trust and month.
    column
        The statistic.
    count
        The incidents it is over.
    """
    ok = monthly[column].notna() & monthly[count].gt(0)
    m = monthly[ok]
    return (m[column] * m[count]).groupby(m["org_code"]).sum() / m[count].groupby(m["org_code"]).sum()


def estimate(monthly: pd.DataFrame, rural: pd.Series) -> dict[str, Any]:
    """Modelled against published, per trust and month, with leave-one-trust-out errors.

    ``monthly``: one row per trust and month (``org_code``, ``year``, ``month`` and the AmbSYS columns of
    :data:`STATISTICS`); ``rural``: each trust's rural population share. Returns, per statistic, the
    trust-level and month-level modelled values (each without the trust in the fit) and the errors.

    Parameters
    ----------
    monthly
        One row per trust and month (org_code, year, month and the AmbSYS columns).
    rural
        Each trust's rural population share.
    """
    trusts = sorted(set(monthly["org_code"]) & set(rural.index))
    if len(trusts) < 3:
        raise AnalysisError(f"the estimate needs at least three trusts with a rural share, got {len(trusts)}")
    monthly = monthly[monthly["org_code"].isin(trusts)].copy()
    monthly["period"] = monthly["year"].astype(int) * 100 + monthly["month"].astype(int)
    out: dict[str, Any] = {"statistics": {}, "trusts": trusts}
    for name, (column, count) in STATISTICS.items():
        y = trust_means(monthly, column, count).reindex(trusts)
        have = y.notna()
        if have.sum() < 3:
            continue
        known = [t for t in trusts if have[t]]
        x = rural.reindex(known).to_numpy(float)
        modelled, baseline = {}, {}
        for i, t in enumerate(known):
            rest = np.arange(len(known)) != i
            modelled[t] = float(fit_line(x[rest], y[known].to_numpy()[rest]).predict([x[i]])[0])
            baseline[t] = float(y[known].to_numpy()[rest].mean())
        full = fit_line(x, y[known].to_numpy())
        # month effects: each month, how far the other trusts were from their own average
        pivot = monthly.pivot_table(index="period", columns="org_code", values=column, aggfunc="mean")
        dev = pivot[known] - y[known]
        months: dict[str, dict[int, dict[str, Any]]] = {}
        for t in known:
            effect = dev.drop(columns=[t]).mean(axis=1)
            months[t] = {int(p): {"actual_s": None if pd.isna(pivot.at[p, t]) else float(pivot.at[p, t]),
                                  "modelled_s": float(modelled[t] + effect[p])} for p in pivot.index}
        err = np.array([modelled[t] - y[t] for t in known])
        base_err = np.array([baseline[t] - y[t] for t in known])
        month_err = np.array([m["modelled_s"] - m["actual_s"] for t in known for m in months[t].values()
                              if m["actual_s"] is not None])
        out["statistics"][name] = {
            "actual_s": {t: float(y[t]) for t in known}, "modelled_s": modelled, "months": months,
            "fit": {"intercept_s": full.intercept_s, "per_rural_share_s": full.per_rural_share_s},
            "validation": {"loo_mae_s": float(np.abs(err).mean()), "loo_bias_s": float(err.mean()),
                           "baseline_loo_mae_s": float(np.abs(base_err).mean()),
                           "loo_month_mae_s": float(np.abs(month_err).mean()) if month_err.size else None,
                           "trusts": len(known),
                           "beats_baseline": bool(np.abs(err).mean() < np.abs(base_err).mean())}}
    return out
