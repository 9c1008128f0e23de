"""Demand by time band: expected from population with cited rates, or forecast from observed incidents.

Ambulance posts are chosen per time band (night, morning, afternoon,
evening; weekday or weekend), so demand is needed per band. Two routes:

- expected demand: population by age band x per-person incident rates x the
  band's share of the week from an hour-of-day and day-of-week profile. The
  parameters, with their sources, live in a YAML file
  (``config/ambulance_demand.yaml``) that the UI shows.
- observed demand: a trust's incidents of the band, spread over zones with a
  mass-preserving Gaussian kernel. The bandwidth is chosen, and the method
  validated, on held-out weeks (later weeks predicted from earlier ones),
  against two baselines: raw historical counts per zone and population share.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.spatial import cKDTree

from bluelight.foundation.config_files import read_yaml
from bluelight.foundation.errors import AnalysisError, ConfigError

BAND_HOURS = {"night": (0, 6), "morning": (6, 12), "afternoon": (12, 18), "evening": (18, 24), "all": (0, 24)}
DAY_KINDS = {"all": tuple(range(7)), "weekday": tuple(range(5)), "weekend": (5, 6)}
AGE_BANDS = ("0-15", "16-29", "30-44", "45-64", "65+")


@dataclass(frozen=True)
class TimeBand:
    """Hours of the day and days of the week (0 = Monday) that make a band."""

    name: str
    hours: tuple[int, ...]
    days: tuple[int, ...]

    @classmethod
    def parse(cls, text: str) -> TimeBand:
        """``evening``, ``evening-weekend``, ``night-weekday``, ``all``..."""
        part, _, day = str(text).strip().lower().partition("-")
        day = day or "all"
        if part not in BAND_HOURS or day not in DAY_KINDS:
            raise AnalysisError(f"unknown time band {text!r}: use one of {sorted(BAND_HOURS)}, "
                                f"optionally with -weekday or -weekend (e.g. evening-weekend)")
        lo, hi = BAND_HOURS[part]
        return cls(part if day == "all" else f"{part}-{day}", tuple(range(lo, hi)), DAY_KINDS[day])

    @property
    def hours_per_week(self) -> int:
        return len(self.hours) * len(self.days)

    def contains(self, times: pd.Series) -> np.ndarray:
        """Which timestamps fall in the band."""
        t = pd.to_datetime(times)
        return (t.dt.hour.isin(self.hours) & t.dt.day_of_week.isin(self.days)).to_numpy()


def all_bands() -> list[TimeBand]:
    """The eight standard bands: four times of day, weekday and weekend."""
    return [TimeBand.parse(f"{p}-{d}") for d in ("weekday", "weekend") for p in ("night", "morning", "afternoon",
                                                                                 "evening")]


@dataclass(frozen=True)
class DemandRates:
    """Per-person incident rates by age band and a weekly profile, with their sources."""

    per_1000_per_year: dict[str, float]
    hour_profile: np.ndarray           # 24 relative weights
    day_profile: np.ndarray            # 7 relative weights, Monday first
    category_share: dict[str, float] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    origin: str = "<dict>"

    def band_share(self, band: TimeBand) -> float:
        """Share of a year's incidents that fall in ``band``."""
        week = np.outer(self.day_profile, self.hour_profile)
        return float(week[np.ix_(list(band.days), list(band.hours))].sum() / week.sum())

    def to_dict(self) -> dict[str, Any]:
        return {"per_1000_per_year": self.per_1000_per_year, "hour_profile": self.hour_profile.tolist(),
                "day_profile": self.day_profile.tolist(), "category_share": self.category_share,
                "sources": self.sources, "origin": self.origin}


def rates_from_dict(doc: dict[str, Any], *, origin: str = "<dict>") -> DemandRates:
    """Check and build :class:`DemandRates`; every problem names the file and key.

    Parameters
    ----------
    doc
        The parsed YAML document.
    origin
        What names it in messages (its file).
    """
    def fail(msg: str) -> NoReturn:
        raise ConfigError(f"{origin}: {msg}")
    if not isinstance(doc, dict):
        fail("expected a mapping")
    rates = doc.get("per_1000_per_year")
    if not isinstance(rates, dict) or set(rates) != set(AGE_BANDS):
        fail(f"per_1000_per_year needs exactly the age bands {list(AGE_BANDS)}")
    for key, name, n in (("hour_profile", "hour of day", 24), ("day_profile", "day of week", 7)):
        v = doc.get(key)
        if not isinstance(v, list) or len(v) != n:
            fail(f"{key} needs {n} relative weights (one per {name})")
    values = [*rates.values(), *doc["hour_profile"], *doc["day_profile"], *doc.get("category_share", {}).values()]
    if any(not isinstance(x, (int, float)) or x < 0 for x in values):
        fail("rates, profile weights and shares must be non-negative numbers")
    if not doc.get("sources"):
        fail("sources: say where each figure comes from")
    return DemandRates({k: float(v) for k, v in rates.items()}, np.array(doc["hour_profile"], float),
                       np.array(doc["day_profile"], float),
                       {k: float(v) for k, v in doc.get("category_share", {}).items()},
                       {k: str(v) for k, v in doc["sources"].items()}, origin)


def load_rates(path: str | Path) -> DemandRates:
    """Demand rates from a YAML file (see ``config/ambulance_demand.yaml``).

    Parameters
    ----------
    path
        The YAML file.
    """
    doc = read_yaml(path, what="demand rates")
    return rates_from_dict(doc, origin=str(path))


def expected_demand(population_by_age: pd.DataFrame, rates: DemandRates, band: TimeBand, *,
                    category: str | None = None) -> np.ndarray:
    """Expected incidents a year, per zone, that occur in ``band`` (optionally of one category).

    ``population_by_age`` has one column per age band (``AGE_BANDS``).

    Parameters
    ----------
    population_by_age
        One column per age band, one row per zone.
    rates
        The demand rates.
    band
        The time band of the week.
    category
        One incident category (default: all).
    """
    missing = [a for a in AGE_BANDS if a not in population_by_age.columns]
    if missing:
        raise AnalysisError(f"population_by_age lacks the age bands {missing}")
    if category is not None and category not in rates.category_share:
        raise AnalysisError(f"no share for category {category!r} in {rates.origin}; "
                            f"known: {sorted(rates.category_share)}")
    pop = population_by_age[list(AGE_BANDS)].fillna(0.0).to_numpy(float)
    per_year = pop @ (np.array([rates.per_1000_per_year[a] for a in AGE_BANDS]) / 1000.0)
    share = 1.0 if category is None else rates.category_share[category]
    return per_year * share * rates.band_share(band)


def kernel_allocation(zone_xy: np.ndarray, point_xy: np.ndarray, bandwidth_m: float) -> np.ndarray:
    """Spread each point's unit mass over zones by a Gaussian kernel (nearest zone when bandwidth is 0).

    The total is preserved: the result sums to the number of points.

    Parameters
    ----------
    zone_xy
        Zone centres (EPSG:27700).
    point_xy
        The points.
    bandwidth_m
        The kernel's width (0: nearest zone).
    """
    zone_xy, point_xy = np.asarray(zone_xy, float), np.asarray(point_xy, float)
    out = np.zeros(len(zone_xy))
    if len(point_xy) == 0:
        return out
    tree = cKDTree(zone_xy)
    if bandwidth_m <= 0:
        np.add.at(out, tree.query(point_xy)[1], 1.0)
        return out
    k = min(len(zone_xy), 64)
    dist, idx = tree.query(point_xy, k=k)
    dist, idx = dist.reshape(len(point_xy), k), idx.reshape(len(point_xy), k)
    w = np.exp(-0.5 * (dist / bandwidth_m) ** 2)
    w[:, 0] = np.maximum(w[:, 0], 1e-300)                  # a point far from every zone still lands somewhere
    np.add.at(out, idx.ravel(), (w / w.sum(axis=1, keepdims=True)).ravel())
    return out


def _poisson_deviance(observed: np.ndarray, expected: np.ndarray) -> float:
    mu = np.maximum(expected, 1e-9)
    y = observed
    term = np.where(y > 0, y * np.log(np.where(y > 0, y, 1.0) / mu), 0.0) - (y - mu)
    return float(2.0 * term.sum() / len(y))


@dataclass(frozen=True)
class ForecastValidation:
    """How well each method predicted the held-out weeks (mean Poisson deviance per zone-week; lower is better)."""

    table: pd.DataFrame            # method, bandwidth_m, deviance on the test weeks
    best_bandwidth_m: float        # chosen on the last training weeks, never on the test weeks
    best_population_share: float   # weight of the population surface in the blend, chosen likewise
    train_weeks: int
    test_weeks: int
    test_incidents: int

    @property
    def improvement_vs_counts(self) -> float:
        """Relative deviance reduction of the chosen kernel over raw historical counts."""
        t = self.table.set_index("method")["deviance"]
        return float(1 - t["kernel (chosen)"] / t["historical counts"])

    @property
    def improvement_vs_population(self) -> float:
        t = self.table.set_index("method")["deviance"]
        return float(1 - t["kernel (chosen)"] / t["population share"])


def _holdout_scores(zone_xy: np.ndarray, pop_share: np.ndarray, xy: np.ndarray, week: np.ndarray,
                    train_w: np.ndarray, test_w: np.ndarray, bandwidths_m: Sequence[float],
                    floor: float) -> dict[str | float, float]:
    """Deviance on ``test_w`` of each bandwidth (0 = historical counts) and of the population share."""
    tr, te = np.isin(week, train_w), np.isin(week, test_w)
    per_week = tr.sum() / len(train_w)
    zone_of = cKDTree(zone_xy).query(xy[te])[1] if te.any() else np.empty(0, int)
    observed = np.zeros((len(zone_xy), len(test_w)))
    np.add.at(observed, (zone_of, np.searchsorted(test_w, week[te])), 1.0)

    def deviance(surface: np.ndarray) -> float:
        rate = ((1 - floor) * surface / max(surface.sum(), 1e-12) + floor * pop_share) * per_week
        return _poisson_deviance(observed.ravel(), np.repeat(rate, len(test_w)))

    scores: dict[str | float, float] = {b: deviance(kernel_allocation(zone_xy, xy[tr], b)) for b in bandwidths_m}
    scores["population"] = deviance(pop_share)
    return scores


def validate_forecast(zone_xy: ArrayLike, zone_population: ArrayLike, incident_xy: ArrayLike, week: ArrayLike, *,
                      bandwidths_m: Sequence[float] = (0.0, 150.0, 300.0, 500.0, 800.0, 1200.0, 2000.0),
                      population_shares: Sequence[float] = (0.05, 0.25, 0.5, 0.75),
                      test_share: float = 0.25) -> ForecastValidation:
    """Predict the last ``test_share`` of weeks from the earlier ones; compare methods and baselines.

    The forecast blends the kernel surface with the population surface
    (shrinkage towards population, which matters where incidents are few);
    the bandwidth and the blend are chosen by the same split inside the
    training weeks, so the test weeks judge the method without having chosen it.

    Parameters
    ----------
    zone_xy
        Zone centres (EPSG:27700).
    zone_population
        Each zone's population.
    incident_xy
        The incidents.
    week
        Each incident's week.
    bandwidths_m
        The kernel widths tried.
    population_shares
        The blends with the population surface tried.
    test_share
        The share of weeks held out.
    """
    week = np.asarray(week)
    weeks = np.unique(week)
    if len(weeks) < 8:
        raise AnalysisError(f"need at least 8 weeks of incidents to hold some out, got {len(weeks)}")
    if 0.0 not in bandwidths_m:
        bandwidths_m = (0.0, *bandwidths_m)
    zone_xy = np.asarray(zone_xy, float)
    xy = np.asarray(incident_xy, float)
    pop = np.asarray(zone_population, float)
    pop_share = pop / pop.sum() if pop.sum() > 0 else np.full(len(pop), 1 / len(pop))
    n_test = max(1, int(round(len(weeks) * test_share)))
    train_w, test_w = weeks[:-n_test], weeks[-n_test:]
    n_val = max(1, int(round(len(train_w) * test_share)))
    inner = {f: _holdout_scores(zone_xy, pop_share, xy, week, train_w[:-n_val], train_w[-n_val:], bandwidths_m, f)
             for f in population_shares}
    best_f, best_b = min(((f, b) for f in population_shares for b in bandwidths_m if b > 0),
                         key=lambda fb: inner[fb[0]][fb[1]])
    low = min(population_shares)
    outer = _holdout_scores(zone_xy, pop_share, xy, week, train_w, test_w, bandwidths_m, low)
    chosen = _holdout_scores(zone_xy, pop_share, xy, week, train_w, test_w, (best_b,), best_f)[best_b]
    rows = [{"method": "population share", "bandwidth_m": np.nan, "population_share": 1.0,
             "deviance": outer["population"]}]
    rows += [{"method": "historical counts" if b == 0 else "kernel", "bandwidth_m": b, "population_share": low,
              "deviance": outer[b]} for b in bandwidths_m]
    rows.append({"method": "kernel (chosen)", "bandwidth_m": best_b, "population_share": best_f, "deviance": chosen})
    return ForecastValidation(pd.DataFrame(rows), float(best_b), float(best_f), len(train_w), n_test,
                              int(np.isin(week, test_w).sum()))


def observed_demand(zone_xy: np.ndarray, incident_xy: np.ndarray, weeks_observed: int, bandwidth_m: float, *, zone_population: ArrayLike | None = None,
                    population_share: float = 0.0) -> np.ndarray:
    """Forecast incidents a year per zone from observed incidents of one band.

    The kernel surface, blended with ``population_share`` of the population
    surface (as chosen by :func:`validate_forecast`); the total is the observed
    rate.

    Parameters
    ----------
    zone_xy
        Zone centres (EPSG:27700).
    incident_xy
        The incidents.
    weeks_observed
        How many weeks they span.
    bandwidth_m
        The kernel's width.
    zone_population
        Each zone's population (for the blend).
    population_share
        The blend with the population surface.
    """
    if weeks_observed < 1:
        raise AnalysisError("weeks_observed must be at least 1")
    counts = kernel_allocation(zone_xy, incident_xy, bandwidth_m)
    if population_share > 0 and zone_population is not None:
        pop = np.asarray(zone_population, float)
        counts = (1 - population_share) * counts + population_share * counts.sum() * pop / max(pop.sum(), 1e-12)
    return counts * (52.18 / weeks_observed)
