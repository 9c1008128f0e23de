"""Fit and evaluate the travel model against real attendance times.

Each observation is an incident with the station that actually sent the
first appliance and its actual attendance time (turnout + travel). Given the
routes, the model is

    attendance = turnout[period] + offset[station]
                 + factor[period] x (sum over classes of length x pace + sum over controls of count x delay)

with the traffic period (night, weekday peak, off-peak) of the call, the
deploying station's turnout offset, the pace (seconds per metre) of each road
class and a delay at each tagged traffic signal, crossing, give-way and stop
the route passes. It is fitted by least absolute deviations (an LP, solved
with HiGHS) within plausible bounds, with L1 penalties that keep each class's
speed near the base profile's, each delay near none and each station's offset
near none unless the data pulls them away (the weight on the speeds chosen by
cross-validation); the period factors are fitted in turn with the rest held, and
the whole re-routed under the new speeds and delays until the routes settle.
Cross-validation holds out whole weeks (incidents of one week share weather,
events and roadworks), gives the out-of-sample error by distance and hour
band, and its log(actual / modelled) spread, by modelled time band, gives the
variability used to report compliance as a probability
rather than a single deterministic time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse
from scipy.optimize import linprog
from scipy.sparse.csgraph import dijkstra

from bluelight.analysis.attendance import ErrorReport, Observations, report
from bluelight.analysis.network import RoadNetwork, build_network
from bluelight.analysis.speeds import JUNCTION_KINDS, TRAFFIC_PERIODS, TURN_KINDS, SpeedProfile, profile_from_dict
from bluelight.analysis.summary import Variability
from bluelight.analysis.turns import route_turns, turn_network, turn_site_times
from bluelight.foundation.errors import AnalysisError

#: fitted road classes; links and minor types fold into their parent
CLASS_OF = {"motorway": "motorway", "motorway_link": "motorway", "trunk": "trunk", "trunk_link": "trunk",
            "primary": "primary", "primary_link": "primary", "secondary": "secondary", "secondary_link": "secondary",
            "tertiary": "tertiary", "tertiary_link": "tertiary"}
MINOR = "minor"
MIN_CLASS_LENGTH_M = 5_000.0      # classes with less route length than this share the minor pace
STRAIGHT_LINE_SPEED_MPS = 6.0
#: plausible blue-light speeds (km/h) by class, a prior that keeps the fit physical
SPEED_BOUNDS_KPH = {"motorway": (30.0, 112.0), "trunk": (15.0, 80.0), "primary": (12.0, 64.0),
                    "secondary": (12.0, 64.0), "tertiary": (10.0, 56.0), MINOR: (8.0, 48.0)}
TURNOUT_BOUNDS_S = (20.0, 240.0)
#: plausible delay (s) on passing a node of each kind
DELAY_BOUNDS_S = {"traffic_signals": (0.0, 30.0), "crossing": (0.0, 15.0), "give_way": (0.0, 20.0),
                  "stop": (0.0, 25.0), "junction": (0.0, 15.0),
                  # turns by angle (a right turn crosses the traffic, driving on the left)
                  "turn_left": (0.0, 15.0), "turn_right": (0.0, 25.0), "u_turn": (0.0, 60.0)}
MIN_KIND_COUNT = 30               # junction kinds passed fewer times than this on all routes are not fitted
#: kinds fitted: the tagged controls. An untagged junction is passed about once per block, so its count is
#: nearly proportional to route length and cannot be told apart from a slower pace (a profile may still set it)
FITTED_KINDS = ("traffic_signals", "crossing", "give_way", "stop", *TURN_KINDS)
#: drive in one traffic period relative to off-peak: a blue-light run is not slowed or sped up more than this
FACTOR_BOUNDS = (0.7, 1.3)
INNER_ROUNDS = 6                   # alternations of the two LADs per routing (each lowers the total error)
#: weight of the L1 pull of each station's turnout offset to none, in seconds of total error per second of
#: offset: a station's own turnout is fitted only where its calls show it clearly
STATION_PENALTY = 3.0
STATION_OFFSET_BOUNDS_S = (-120.0, 120.0)
#: weights tried for the L1 pull of each class's pace to the base profile's (and of each delay to none), in
#: seconds of total error per second of drive the change adds over all routes; cross-validation picks the
#: strongest whose error is within one standard error of the best (the "one standard error" rule)
PACE_PENALTIES = (0.0, 0.02, 0.05, 0.1)
N_QUANTILES = 41
MIN_BAND_OBSERVATIONS = 40         # fewer observations in a modelled time band: its spread is the pooled one
VARIABILITY_BANDS_S = (240.0, 360.0, 480.0)   # spread of log(actual / modelled) by modelled time band


@dataclass
class FitResult:
    profile: SpeedProfile
    turnout_s: float
    speeds_kph: dict[str, float]
    variability: Variability
    cv_mae_s: float
    cv_folds: int
    iterations: int
    n: int
    notes: list[str] = field(default_factory=list)
    junction_delay_s: dict[str, float] = field(default_factory=dict)
    turn_penalty_s: dict[str, float] = field(default_factory=dict)
    traffic_periods: dict[str, dict[str, float]] = field(default_factory=dict)
    cross_validated: ErrorReport | None = None
    cv_grouping: str = "week"
    pace_penalty: float = 0.0
    penalties_tried: dict[float, float] = field(default_factory=dict)


def road_class(highway: str) -> str:
    """The class whose pace a road's drive is fitted with (:data:`CLASS_OF`; any other road is minor).

    Parameters
    ----------
    highway
        The OpenStreetMap ``highway`` tag.
    """
    return CLASS_OF.get(str(highway), MINOR)


def period_turnout_factor(profile: SpeedProfile, periods: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per call, the profile's wholetime turnout and drive factor for its traffic period (all hours where the
    profile has none).

    Parameters
    ----------
    profile
        The speed profile.
    periods
        Each call's traffic period.
    """
    base = profile.turnout_s.get("wholetime", profile.turnout_s["default"])
    turnout, factor = np.full(len(periods), float(base)), np.ones(len(periods))
    for period, values in (profile.traffic_periods or {}).items():
        m = periods == period
        turnout[m], factor[m] = values["turnout_s"], values["drive_factor"]
    return turnout, factor


def modelled_times(network: RoadNetwork, obs: Observations, profile: SpeedProfile) -> np.ndarray:
    """Turnout + (access at minor-road speed + fastest drive with junction delays) x period factor, per observation,
    under ``profile`` (``network`` must carry the profile's times).

    Parameters
    ----------
    network
        The road network, carrying the profile's drive times.
    obs
        The observed attendances.
    profile
        The speed profile.
    """
    minor_kph = profile.highway_kph.get("residential", profile.highway_kph["default"])
    turnout, factor = period_turnout_factor(profile, obs.periods())
    if profile.station_turnout_s and obs.station is not None:
        turnout = turnout + np.array([profile.station_turnout_s.get(str(s), 0.0) for s in obs.station])
    return turnout + factor * (obs.access_m / (minor_kph / 3.6) + route_times(network, obs, turns=profile.turns))


def route_times(network: RoadNetwork, obs: Observations, *, turns: dict[str, Any] | None = None) -> np.ndarray:
    """Shortest drive time from each observation's station to its incident (paying ``turns``, the penalties of
    :data:`~bluelight.analysis.speeds.TURN_KINDS`, on the edge-based network when any is given).

    Parameters
    ----------
    network
        The road network.
    obs
        The observed attendances.
    turns
        Turn penalties by kind (or None: none).
    """
    out = np.full(len(obs), np.inf)
    stations = np.unique(obs.station_node)
    if turns:
        times = turn_site_times(turn_network(network, turns), stations, cutoff_s=np.inf)
        row_of = {int(s): i for i, s in enumerate(stations)}
        rows = np.array([row_of[int(s)] for s in obs.station_node], dtype=int)
        stored = np.asarray(times.stored[rows, obs.incident_node]).ravel() if len(obs) else np.empty(0)
        return np.where(stored > 0, stored - 1.0, np.inf)
    for start in range(0, len(stations), 64):
        chunk = stations[start:start + 64]
        d = np.atleast_2d(dijkstra(network.graph, directed=True, indices=chunk))
        row_of = {s: i for i, s in enumerate(chunk)}
        m = np.isin(obs.station_node, chunk)
        rows = np.array([row_of[s] for s in obs.station_node[m]], dtype=int)
        out[m] = d[rows, obs.incident_node[m]]
    return out


def route_features(network: RoadNetwork, obs: Observations, classes: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Metres of each class, shape (n, len(classes)), and nodes of each junction kind passed then turns made,
    shape (n, len(JUNCTION_KINDS) + len(TURN_KINDS)), on each observation's fastest route on the nodes (the start
    node not counted).

    Parameters
    ----------
    network
        The road network.
    obs
        The observed attendances.
    classes
        The road classes fitted.
    """
    col = {c: i for i, c in enumerate(classes)}
    edge_class = np.array([col[road_class(h)] if road_class(h) in col else col[MINOR] for h in network.highway])
    kind_col = {k: i for i, k in enumerate(JUNCTION_KINDS)}
    node_kind = np.array([kind_col.get(k, -1) for k in network.node_kinds()], dtype=int)
    lengths = np.zeros((len(obs), len(classes)))
    counts = np.zeros((len(obs), len(JUNCTION_KINDS) + len(TURN_KINDS)))
    for s in np.unique(obs.station_node):
        _, pred = dijkstra(network.graph, directed=True, indices=int(s), return_predecessors=True)
        for i in np.flatnonzero(obs.station_node == s):
            edges = network.path_edges(pred, obs.incident_node[i])
            np.add.at(lengths[i], edge_class[edges], network.length_m[edges])
            kinds = node_kind[network.edge_v[edges]]
            np.add.at(counts[i], kinds[kinds >= 0], 1.0)
            counts[i, len(JUNCTION_KINDS):] = route_turns(network, edges)
    return lengths, counts


def class_lengths(network: RoadNetwork, obs: Observations, classes: list[str]) -> np.ndarray:
    """Metres of each class on each observation's fastest route, shape (n, len(classes)).

    Parameters
    ----------
    network
        The road network.
    obs
        The observed attendances.
    classes
        The road classes fitted.
    """
    return route_features(network, obs, classes)[0]


def lad_fit(x: np.ndarray, y: np.ndarray, bounds: list[tuple[float, float]], *, prior: np.ndarray | None = None,
            penalty: np.ndarray | None = None) -> np.ndarray:
    """Least absolute deviations within bounds: minimise sum |y - x b| + sum penalty |b - prior| (HiGHS LP).

    Parameters
    ----------
    x
        The design matrix.
    y
        The observations.
    bounds
        Each coefficient's (lower, upper) bound.
    prior
        The values the penalties pull towards (default: zero).
    penalty
        Each coefficient's L1 penalty (default: none).

    Examples
    --------
    >>> x = np.column_stack([np.ones(5), np.arange(5.0)])          # four points on y = 1 + 2x and one far off
    >>> lad_fit(x, np.array([1.0, 3, 5, 7, 100]), [(None, None)] * 2).round(6)
    array([1., 2.])
    """
    n, k = x.shape
    pen = np.zeros(k) if penalty is None else np.asarray(penalty, float)
    prior = np.zeros(k) if prior is None else np.asarray(prior, float)
    held = np.flatnonzero(pen > 0)
    m = len(held)
    # variables: b[k], e_plus[n], e_minus[n], u[m] (|b - prior| of the penalised)
    c = np.concatenate([np.zeros(k), np.ones(2 * n), pen[held]])
    eye = sparse.identity(n, format="csr")
    a_eq = sparse.hstack([sparse.csr_matrix(x), -eye, eye, sparse.csr_matrix((n, m))], format="csr")
    rows = []
    for j, col in enumerate(held):          # b - u <= prior, -b - u <= -prior
        rows.append(({col: 1.0, k + 2 * n + j: -1.0}, prior[col]))
        rows.append(({col: -1.0, k + 2 * n + j: -1.0}, -prior[col]))
    a_ub = b_ub = None
    if rows:
        data, ri, ci = [], [], []
        for r, (coef, _) in enumerate(rows):
            for cidx, v in coef.items():
                ri.append(r)
                ci.append(cidx)
                data.append(v)
        a_ub = sparse.csr_matrix((data, (ri, ci)), shape=(len(rows), k + 2 * n + m))
        b_ub = np.array([rhs for _, rhs in rows])
    res = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=y, bounds=list(bounds) + [(0, None)] * (2 * n + m),
                  method="highs")
    if res.status != 0:
        raise AnalysisError(f"calibration LP did not solve: {res.message}")
    return res.x[:k]


def _profile_for(base: SpeedProfile, classes: list[str], pace: np.ndarray, turnout: float, *, name: str,
                 version: int, variability: Variability, sources: dict[str, Any], delays: dict[str, Any] | None = None,
                 traffic_periods: dict[str, Any] | None = None, stations: dict[str, Any] | None = None,
                 turns: dict[str, Any] | None = None) -> SpeedProfile:
    kph = {c: float(3.6 / p) for c, p in zip(classes, pace)}
    highway = {}
    for hw in base.highway_kph:
        cls = road_class(hw) if hw != "default" else MINOR
        highway[hw] = kph[cls] if cls in kph else base.highway_kph[hw]      # a class no route used: the base's
    highway["default"] = kph[MINOR]
    shift = turnout - base.turnout_s.get("wholetime", base.turnout_s["default"])
    turn = {k: (max(0.0, v + shift) if k in {"wholetime", "day_crewed_day", "default", "flexi"} else v)
            for k, v in base.turnout_s.items()}
    return profile_from_dict({
        "name": name, "version": version, "description": f"Calibrated from {base.key}",
        "sources": sources, "emergency_factor": 1.0, "use_maxspeed": False, "maxspeed_factor": 1.0,
        "min_kph": base.min_kph, "max_kph": base.max_kph, "highway_kph": highway, "turnout_s": turn,
        "day_hours": list(base.day_hours),
        "variability": variability.to_dict(),
        **({"junction_delay_s": delays} if delays else {}),
        **({"traffic_periods": traffic_periods} if traffic_periods else {}),
        **({"station_turnout_s": stations} if stations else {}),
        **({"turn_penalty_s": turns} if turns else {}),
    })


@dataclass
class _Fit:
    """One fit's parameters before they become a profile (``pace`` and ``delay`` at off-peak)."""

    classes: list[str]
    pace: np.ndarray
    delay: dict[str, float]
    turnout: dict[str, float]
    factor: dict[str, float]
    iterations: int
    station_offset: dict[str, float] = field(default_factory=dict)
    fixed_pace: dict[str, float] = field(default_factory=dict)     # classes too little used to fit: the base's

    def all_hours(self, periods: np.ndarray) -> tuple[float, float]:
        """Turnout and drive factor over all hours, weighted by the calls of each traffic period."""
        n = {b: float((periods == b).sum()) for b in self.turnout}
        total = sum(n.values()) or 1.0
        return (sum(n[b] * self.turnout[b] for b in n) / total, sum(n[b] * self.factor[b] for b in n) / total)

    def profile(self, base: SpeedProfile, periods: np.ndarray, *, name: str, version: int,
                variability: Variability, sources: dict[str, Any]) -> SpeedProfile:
        """Speeds and delays for all hours (the engine's default), with each period's turnout and factor."""
        turnout, factor = self.all_hours(periods)
        delays = {k: round(float(v * factor), 2) for k, v in self.delay.items() if k not in TURN_KINDS}
        turns = {k: max(0.0, round(float(v * factor), 2)) for k, v in self.delay.items() if k in TURN_KINDS}
        traffic_periods = ({b: {"turnout_s": round(self.turnout[b], 1),
                                "drive_factor": round(self.factor[b] / factor, 4),
                                "calls": int((periods == b).sum())} for b in self.turnout}
                           if len(self.turnout) > 1 else None)
        stations = {k: round(v, 1) for k, v in self.station_offset.items() if abs(v) >= 0.5}
        classes = self.classes + list(self.fixed_pace)
        pace = np.concatenate([self.pace, list(self.fixed_pace.values())])
        return _profile_for(base, classes, pace * factor, turnout, name=name, version=version,
                            variability=variability, sources=sources, delays=delays, traffic_periods=traffic_periods,
                            stations=stations, turns=turns)


def _split_classes(lengths_all: np.ndarray, all_classes: list[str]) -> tuple[list[str], np.ndarray, list[str],
                                                                             np.ndarray]:
    """Classes with enough route length to fit (minor always), and the others, whose pace is held at the base's."""
    fit = [c for i, c in enumerate(all_classes) if c == MINOR or lengths_all[:, i].sum() >= MIN_CLASS_LENGTH_M]
    held = [c for c in all_classes if c not in fit]
    cols = lambda names: np.column_stack([lengths_all[:, all_classes.index(c)] for c in names]) if names \
        else np.zeros((len(lengths_all), 0))  # noqa: E731
    return fit, cols(fit), held, cols(held)


def _fit_once(network: RoadNetwork, obs: Observations, base: SpeedProfile, *, iterations: int, name: str,
              version: int, penalty: float) -> tuple[SpeedProfile, RoadNetwork, _Fit]:
    """Fit on ``obs``: alternate the LAD of turnout, paces and delays (period factors held) and of each period's
    turnout and factor (the rest held), re-routing until the routes settle."""
    periods = obs.periods()
    present = [b for b in TRAFFIC_PERIODS if (periods == b).any()]
    onehot = np.column_stack([(periods == b).astype(float) for b in present])
    base_pace = {c: 3.6 / base.highway_kph.get(c, base.highway_kph["default"]) for c in CLASS_OF.values()}
    base_pace[MINOR] = 3.6 / base.highway_kph.get("residential", base.highway_kph["default"])
    factor = {b: 1.0 for b in present}
    stations = np.unique(obs.station) if obs.station is not None else np.array([], dtype=object)
    at = (np.column_stack([(obs.station == st).astype(float) for st in stations]) if len(stations)
          else np.zeros((len(obs), 0)))
    net, prev_routes, fit = network, None, None
    for it in range(iterations):
        all_classes = sorted({road_class(h) for h in net.highway} | {MINOR})
        lengths_all, counts = route_features(net, obs, all_classes)
        classes, lengths, held, held_lengths = _split_classes(lengths_all, all_classes)
        lengths[:, classes.index(MINOR)] += obs.access_m
        held_pace = {c: base_pace.get(c, base_pace[MINOR]) for c in held}
        held_drive = held_lengths @ np.array(list(held_pace.values())) if held else np.zeros(len(obs))
        every = JUNCTION_KINDS + TURN_KINDS
        kinds = [k for i, k in enumerate(every) if k in FITTED_KINDS and counts[:, i].sum() >= MIN_KIND_COUNT]
        counts = counts[:, [every.index(k) for k in kinds]]
        pace_bounds = [(3.6 / SPEED_BOUNDS_KPH[c][1], 3.6 / SPEED_BOUNDS_KPH[c][0]) for c in classes]
        prior = np.array([base_pace.get(c, base_pace[MINOR]) for c in classes])
        # the pull on a class's pace (to the base's) and on a delay (to none), in seconds of error per second of
        # the drive it adds over all routes: the data must pay for moving either
        weight = penalty * lengths.sum(axis=0)
        delay_weight = penalty * counts.sum(axis=0)
        for _ in range(INNER_ROUNDS):
            f = np.array([factor[b] for b in periods])
            x = np.hstack([onehot, f[:, None] * lengths, f[:, None] * counts, at])
            k0, k1 = len(present), len(present) + len(classes) + len(kinds)
            bounds = ([TURNOUT_BOUNDS_S] * k0 + pace_bounds + [DELAY_BOUNDS_S[k] for k in kinds]
                      + [STATION_OFFSET_BOUNDS_S] * len(stations))
            sol = lad_fit(x, obs.actual_s - f * held_drive, bounds,
                          prior=np.concatenate([np.zeros(k0), prior, np.zeros(len(kinds) + len(stations))]),
                          penalty=np.concatenate([np.zeros(k0), weight, delay_weight,
                                                  np.full(len(stations), STATION_PENALTY)]))
            pace, delay, offset = sol[k0:k0 + len(classes)], sol[k0 + len(classes):k1], sol[k1:]
            drive = lengths @ pace + counts @ delay + held_drive
            y = obs.actual_s - at @ offset              # each period's turnout and factor with the stations' held
            turnout = {}
            for b in present:                  # each period's turnout and factor, off-peak the reference (factor 1)
                m = periods == b
                if b == "off_peak" or len(present) == 1:
                    turnout[b] = float(lad_fit(np.ones((m.sum(), 1)), y[m] - drive[m], [TURNOUT_BOUNDS_S])[0])
                    factor[b] = 1.0
                else:
                    t, fb = lad_fit(np.column_stack([np.ones(m.sum()), drive[m]]), y[m],
                                    [TURNOUT_BOUNDS_S, FACTOR_BOUNDS])
                    turnout[b], factor[b] = float(t), float(fb)
        fit = _Fit(classes, pace, dict(zip(kinds, map(float, delay))), turnout, dict(factor), it + 1,
                   {str(st): float(v) for st, v in zip(stations, offset)}, held_pace)
        prof = fit.profile(base, periods, name=name, version=version, variability=Variability(), sources={})
        net = network.with_profile(prof)
        routes = np.round(lengths.sum(axis=1) + held_lengths.sum(axis=1))
        if prev_routes is not None and np.array_equal(routes, prev_routes):
            break
        prev_routes = routes
    if fit is None:
        raise AnalysisError(f"iterations must be at least 1, got {iterations}")
    return prof, net, fit


def week_folds(obs: Observations, folds: int, rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """Fold of each observation: whole ISO weeks dealt to folds at random (calls of one week share weather,
    events and roadworks), or single calls where the week is not recorded or there are too few weeks.

    Parameters
    ----------
    obs
        The observed attendances.
    folds
        How many folds.
    rng
        The random generator.
    """
    week = obs.week
    if week is not None and (week >= 0).all() and len(np.unique(week)) >= 2 * folds:
        weeks = rng.permutation(np.unique(week))
        fold_of = {w: i % folds for i, w in enumerate(weeks)}
        return np.array([fold_of[w] for w in week]), "week"
    return rng.permutation(len(obs)) % folds, "incident"


def band_variability(modelled_s: np.ndarray, actual_s: np.ndarray) -> Variability:
    """The spread of log(actual / modelled): pooled, and by modelled time band where a band has enough calls.

    Parameters
    ----------
    modelled_s
        Modelled attendance of each call.
    actual_s
        Actual attendance of each call.
    """
    ok = np.isfinite(modelled_s) & (modelled_s > 0) & (actual_s > 0)
    resid = np.log(actual_s[ok] / modelled_s[ok])
    levels = np.linspace(0, 1, N_QUANTILES)
    pooled = tuple(float(v) for v in np.quantile(resid, levels))
    edges = np.concatenate([[0.0], VARIABILITY_BANDS_S, [np.inf]])
    band = np.digitize(modelled_s[ok], edges[1:-1])
    by = []
    for i in range(len(edges) - 1):
        r = resid[band == i]
        by.append(tuple(float(v) for v in np.quantile(r, levels)) if len(r) >= MIN_BAND_OBSERVATIONS else pooled)
    return Variability(float(np.mean(resid)), float(np.std(resid, ddof=1)), pooled,
                       band_edges_s=tuple(VARIABILITY_BANDS_S), band_quantiles=tuple(by))


def fit_profile(network: RoadNetwork, obs: Observations, base: SpeedProfile, *, folds: int = 5, iterations: int = 4,
                seed: int = 0, name: str | None = None, version: int | None = None, source_note: str = "") -> FitResult:
    """Fit class speeds, junction delays and turnout and drive factor by traffic period to observed attendance, with
    cross-validation by week.

    Parameters
    ----------
    network
        The road network (its travel times are replaced by the fit's).
    obs
        Observations inside the network.
    base
        Profile whose structure (classes, other duty systems) the fit keeps, and whose class speeds the fit is
        pulled towards (the weight chosen by cross-validation among :data:`PACE_PENALTIES`).
    """
    if len(obs) < max(20, 2 * folds):
        raise AnalysisError(f"need at least {max(20, 2 * folds)} observations to calibrate, got {len(obs)}")
    name = name or base.name
    version = version or base.version + 1
    rng = np.random.default_rng(seed)
    fold, grouping = week_folds(obs, folds, rng)
    tried = {}
    for penalty in PACE_PENALTIES:
        oof = np.full(len(obs), np.nan)
        for f in range(folds):
            train, test = fold != f, fold == f
            if not test.any():
                continue
            prof, net, _ = _fit_once(network, obs.subset(train), base, iterations=iterations, name=name,
                                     version=version, penalty=penalty)
            oof[test] = modelled_times(net, obs.subset(test), prof)
        err = np.abs(oof - obs.actual_s)[np.isfinite(oof)]
        tried[penalty] = (float(err.mean()), float(err.std(ddof=1) / np.sqrt(len(err))), oof)
    best = min(v[0] for v in tried.values())
    penalty = max(p for p, v in tried.items() if v[0] <= best + tried[min(tried, key=lambda q: tried[q][0])][1])
    cv_mae, _, oof = tried[penalty]
    var = band_variability(oof, obs.actual_s)
    cv_report = report("cross-validated", oof, obs.actual_s, var, obs=obs)
    prof, net, fit = _fit_once(network, obs, base, iterations=iterations, name=name, version=version, penalty=penalty)
    periods = obs.periods()
    turnout, factor = fit.all_hours(periods)
    speeds = {c: float(3.6 / (p * factor)) for c, p in zip(fit.classes, fit.pace)}
    sources = {
        "highway_kph": f"Fitted by least absolute deviations to {len(obs)} actual attendance times"
                       f"{' (' + source_note + ')' if source_note else ''}, pulled towards {base.key} "
                       f"(L1 weight {penalty:g}, chosen by cross-validation: "
                       + ", ".join(f"{p:g} gives {v[0]:.1f} s" for p, v in tried.items())
                       + f"); {folds}-fold CV by {grouping}, MAE {cv_mae:.1f} s.",
        "turnout_s": f"wholetime turnout fitted ({turnout:.0f} s over all hours; by traffic period in "
                     f"traffic_periods), timed from mobilisation as LFB attendance is; other duty systems from "
                     f"{base.key}.",
        "junction_delay_s": "Fitted delay on passing each kind of tagged node (OSM highway=traffic_signals or a "
                            "signalised crossing, crossing, give_way, stop), pulled towards none as the speeds are.",
        "turn_penalty_s": "Fitted penalty of each turn by angle (left, right across the traffic, U-turn) counted "
                          "on the routes, pulled towards none; a positive one routes on the edge-based network.",
        "variability": f"log(actual / modelled) of {folds}-fold out-of-fold predictions: mean, standard deviation"
                       f" and {N_QUANTILES} quantiles, pooled and by modelled time band (compliance is reported from "
                       "this empirical spread).",
    }
    final = fit.profile(base, periods, name=name, version=version, variability=var, sources=sources)
    return FitResult(final, turnout, speeds, var, cv_mae, folds, fit.iterations, len(obs),
                     junction_delay_s=dict(final.junction_delay_s or {}),
                     turn_penalty_s=dict(final.turn_penalty_s or {}),
                     traffic_periods={k: dict(v) for k, v in (final.traffic_periods or {}).items()},
                     cross_validated=cv_report, cv_grouping=grouping, pace_penalty=penalty,
                     penalties_tried={p: v[0] for p, v in tried.items()})


def osmnx_default_network(network: RoadNetwork) -> RoadNetwork:
    """The network with osmnx's ``add_edge_speeds`` rule: the tagged limit, else the class mean, else the mean.

    Parameters
    ----------
    network
        The road network (its classes and tagged limits).
    """
    speed = network.maxspeed_kph.copy()
    tagged = np.isfinite(speed)
    overall = float(np.mean(speed[tagged])) if tagged.any() else 50.0
    for hw in np.unique(network.highway):
        m = network.highway == hw
        class_mean = float(np.mean(speed[m & tagged])) if (m & tagged).any() else overall
        speed[m & ~tagged] = class_mean
    prof = profile_from_dict({"name": "osmnx-default", "version": 1, "highway_kph": {"default": overall},
                              "turnout_s": {"default": 0.0}, "use_maxspeed": True, "maxspeed_factor": 1.0,
                              "min_kph": 1.0, "max_kph": 200.0})
    # edge_speeds_kph caps a tagged limit by the class speed: give every class a speed above any limit
    prof = profile_from_dict({**prof.to_dict(), "highway_kph": {"default": 200.0}})
    return build_network(network.node_ids, network.x_m, network.y_m, network.node_ids[network.edge_u],
                         network.node_ids[network.edge_v], network.length_m, network.highway, speed, prof)


def evaluate_models(network: RoadNetwork, obs: Observations, profile: SpeedProfile, *,
                    fixed_turnout_s: float, threshold_s: float = 360.0) -> list[ErrorReport]:
    """The profile against actual times, with two baselines measured in the same run.

    Baselines: osmnx default speeds with a fixed turnout; straight-line
    distance at 6 m/s with the same fixed turnout.

    Parameters
    ----------
    network
        The road network under ``profile``.
    obs
        The observed attendances.
    profile
        The speed profile judged.
    fixed_turnout_s
        The turnout the baselines add.
    threshold_s
        The standard the shares are of.
    """
    var_doc = Variability.from_profile(profile.variability)
    ours = modelled_times(network.with_profile(profile), obs, profile)
    ox_net = osmnx_default_network(network)
    base = route_times(ox_net, obs) + fixed_turnout_s
    line = obs.straight_m / STRAIGHT_LINE_SPEED_MPS + fixed_turnout_s
    return [report(f"profile {profile.key}", ours, obs.actual_s, var_doc, threshold_s, obs=obs),
            report(f"osmnx default speeds + {fixed_turnout_s:.0f} s turnout", base, obs.actual_s, None, threshold_s,
                   obs=obs),
            report(f"straight line at {STRAIGHT_LINE_SPEED_MPS:g} m/s + {fixed_turnout_s:.0f} s turnout", line,
                   obs.actual_s, None, threshold_s, obs=obs)]
