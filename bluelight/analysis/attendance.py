"""Observed attendances and how far modelled times are from them: by distance and by traffic period.

What a calibration is fitted to (:class:`Observations`: incidents with their deploying station and actual
attendance) and how any model is judged against it (:func:`report`), the fitted profile or a peer's
(:func:`bluelight.analysis.calibration.evaluate_models`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bluelight.analysis.speeds import TRAFFIC_PERIODS, traffic_period
from bluelight.analysis.summary import Variability

DISTANCE_BANDS_M = (0.0, 1000.0, 2000.0, 4000.0, np.inf)
MIN_BAND_REPORT = 30               # a band's error with fewer calls than this is shown but not judged


@dataclass(frozen=True)
class Observations:
    """Incidents inside the network with their deploying station and actual attendance.

    ``hour``, ``weekday`` (0 Monday) and ``week`` (ISO year x 100 + week) of the call are NaN / -1 where
    not recorded; ``category`` is the incident type.
    """

    station_node: np.ndarray
    incident_node: np.ndarray
    actual_s: np.ndarray
    straight_m: np.ndarray
    access_m: np.ndarray      # off-network distance at both ends (snap distances), driven at minor-road pace
    hour: np.ndarray | None = None
    weekday: np.ndarray | None = None
    week: np.ndarray | None = None
    category: np.ndarray | None = None
    station: np.ndarray | None = None         # the deploying station's site id

    def __len__(self) -> int:
        return len(self.actual_s)

    def subset(self, mask: np.ndarray) -> Observations:
        def cut(v: np.ndarray | None) -> np.ndarray | None:
            return None if v is None else v[mask]

        return Observations(self.station_node[mask], self.incident_node[mask], self.actual_s[mask],
                            self.straight_m[mask], self.access_m[mask], cut(self.hour), cut(self.weekday),
                            cut(self.week), cut(self.category), cut(self.station))

    def periods(self) -> np.ndarray:
        """Each call's traffic period (:func:`bluelight.analysis.speeds.traffic_period`); off_peak where the hour is not
        recorded."""
        if self.hour is None or self.weekday is None:
            return np.full(len(self), "off_peak", dtype=object)
        out = traffic_period(self.hour, self.weekday)
        out[out == ""] = "off_peak"
        return out


@dataclass(frozen=True)
class ErrorReport:
    """How far a model's attendance times are from the actual ones."""

    name: str
    n: int
    mae_s: float
    bias_s: float
    within_60s: float
    within_120s: float
    modelled_share_within_6min: float
    modelled_share_within_6min_deterministic: float
    actual_share_within_6min: float
    by_distance: list[dict[str, Any]] = field(default_factory=list)
    by_traffic_period: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON keys (the traffic periods' rows keep their published key, ``by_hour_band``)."""
        out = dict(self.__dict__)
        out["by_hour_band"] = out.pop("by_traffic_period")
        return out


def breakdown(modelled_s: np.ndarray, actual_s: np.ndarray, labels: np.ndarray, order: list[str],
              variability: Variability | None, threshold_s: float) -> list[dict[str, Any]]:
    """Error figures per label (distance band, traffic period), in ``order``.

    Parameters
    ----------
    modelled_s, actual_s
        Modelled and actual attendance of each call.
    labels
        Each call's band.
    order
        The bands, in the order reported.
    variability
        The travel model's spread (or None).
    threshold_s
        The standard the shares are of.
    """
    var = variability or Variability()
    rows = []
    for lab in order:
        m = (labels == lab) & np.isfinite(modelled_s)
        if not m.any():
            continue
        err = modelled_s[m] - actual_s[m]
        rows.append({"band": lab, "n": int(m.sum()), "mae_s": float(np.mean(np.abs(err))),
                     "bias_s": float(np.mean(err)),
                     "median_actual_minus_modelled_s": float(np.median(-err)),
                     "modelled_share_within": float(np.mean(var.prob_within(modelled_s[m], threshold_s))),
                     "actual_share_within": float(np.mean(actual_s[m] <= threshold_s)),
                     "enough": bool(m.sum() >= MIN_BAND_REPORT)})
    return rows


def distance_band(straight_m: np.ndarray) -> np.ndarray:
    """Label of each straight-line distance: "0-1 km", "1-2 km", "2-4 km", "4+ km".

    Parameters
    ----------
    straight_m
        Straight-line distance of each call from its station.
    """
    labels = np.array(distance_labels(), dtype=object)
    return labels[np.clip(np.digitize(straight_m, DISTANCE_BANDS_M[1:-1]), 0, len(labels) - 1)]


def distance_labels() -> list[str]:
    edges = [e / 1000 for e in DISTANCE_BANDS_M]
    return [f"{a:g}-{b:g} km" if np.isfinite(b) else f"{a:g}+ km" for a, b in zip(edges, edges[1:])]


def report(name: str, modelled_s: np.ndarray, actual_s: np.ndarray, variability: Variability | None,
           threshold_s: float = 360.0, *, obs: Observations | None = None) -> ErrorReport:
    """Error figures of modelled against actual attendance times (by distance and traffic period when ``obs``).

    Parameters
    ----------
    name
        The model's name.
    modelled_s, actual_s
        Modelled and actual attendance of each call.
    variability
        The travel model's spread (or None).
    threshold_s
        The standard the shares are of.
    obs
        The observations (for the figures by distance and traffic period), or None.
    """
    m = np.isfinite(modelled_s)
    mod, act = modelled_s[m], actual_s[m]
    err = mod - act
    var = variability or Variability()
    by_distance = by_period = []
    if obs is not None:
        by_distance = breakdown(modelled_s, actual_s, distance_band(obs.straight_m), distance_labels(), var,
                                threshold_s)
        by_period = breakdown(modelled_s, actual_s, obs.periods(), list(TRAFFIC_PERIODS), var, threshold_s)
    return ErrorReport(name, int(m.sum()), float(np.mean(np.abs(err))), float(np.mean(err)),
                       float(np.mean(np.abs(err) <= 60)), float(np.mean(np.abs(err) <= 120)),
                       float(np.mean(var.prob_within(mod, threshold_s))), float(np.mean(mod <= threshold_s)),
                       float(np.mean(act <= threshold_s)), by_distance, by_period)
