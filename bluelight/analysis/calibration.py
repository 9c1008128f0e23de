"""Fit and evaluate the travel model against real attendance times.

Each observation is an incident with the station that actually sent the
first appliance and its actual attendance time (turnout + travel). Given the
routes, the model is linear in the pace (seconds per metre) of each road
class plus a turnout constant: attendance = turnout + sum over classes of
length on route x pace. It is fitted by least absolute deviations (an LP,
solved with HiGHS), re-routed under the new speeds, and refitted until the
routes settle. Cross-validation gives out-of-sample error, and the spread of
log(actual / modelled) gives the variability used to report compliance as a
probability rather than a single deterministic time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linprog
from scipy.sparse.csgraph import dijkstra

from bluelight.analysis.coverage import Variability
from bluelight.analysis.network import RoadNetwork, build_network
from bluelight.analysis.speeds import SpeedProfile, profile_from_dict
from bluelight.errors import AnalysisError

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
TURNOUT_BOUNDS_S = (20.0, 180.0)
N_QUANTILES = 41


@dataclass(frozen=True)
class Observations:
    """Incidents inside the network with their deploying station and actual attendance."""

    station_node: np.ndarray
    incident_node: np.ndarray
    actual_s: np.ndarray
    straight_m: np.ndarray
    access_m: np.ndarray      # off-network distance at both ends (snap distances), driven at minor-road pace

    def __len__(self) -> int:
        return len(self.actual_s)

    def subset(self, mask) -> "Observations":
        return Observations(self.station_node[mask], self.incident_node[mask], self.actual_s[mask],
                            self.straight_m[mask], self.access_m[mask])


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

    def as_dict(self) -> dict:
        return dict(self.__dict__)


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


def road_class(highway: str) -> str:
    return CLASS_OF.get(str(highway), MINOR)


def modelled_times(network: RoadNetwork, obs: Observations, profile: SpeedProfile) -> np.ndarray:
    """Turnout + access at minor-road speed + shortest drive, per observation, under ``profile``."""
    minor_kph = profile.highway_kph.get("residential", profile.highway_kph["default"])
    return (profile.turnout_s.get("wholetime", profile.turnout_s["default"]) + obs.access_m / (minor_kph / 3.6)
            + route_times(network, obs))


def route_times(network: RoadNetwork, obs: Observations) -> np.ndarray:
    """Shortest drive time from each observation's station to its incident."""
    out = np.full(len(obs), np.inf)
    stations = np.unique(obs.station_node)
    for start in range(0, len(stations), 64):
        chunk = stations[start:start + 64]
        d = np.atleast_2d(dijkstra(network.graph, directed=True, indices=chunk))
        row_of = {s: i for i, s in enumerate(chunk)}
        m = np.isin(obs.station_node, chunk)
        rows = np.array([row_of[s] for s in obs.station_node[m]], dtype=int)
        out[m] = d[rows, obs.incident_node[m]]
    return out


def class_lengths(network: RoadNetwork, obs: Observations, classes: list[str]) -> np.ndarray:
    """Metres of each class on each observation's fastest route, shape (n, len(classes))."""
    col = {c: i for i, c in enumerate(classes)}
    edge_class = np.array([col[road_class(h)] if road_class(h) in col else col[MINOR] for h in network.highway])
    out = np.zeros((len(obs), len(classes)))
    stations = np.unique(obs.station_node)
    for s in stations:
        _, pred = dijkstra(network.graph, directed=True, indices=int(s), return_predecessors=True)
        for i in np.flatnonzero(obs.station_node == s):
            edges = network.path_edges(pred, obs.incident_node[i])
            np.add.at(out[i], edge_class[edges], network.length_m[edges])
    return out


def _lad_fit(lengths: np.ndarray, actual: np.ndarray, *, pace_bounds: list, turnout_bounds) -> np.ndarray:
    """Least absolute deviations: minimise sum |turnout + L @ pace - actual| subject to bounds (HiGHS LP)."""
    n, k = lengths.shape
    # variables: turnout, pace[k], e_plus[n], e_minus[n]
    c = np.concatenate([[0.0], np.zeros(k), np.ones(n), np.ones(n)])
    a_eq = np.hstack([np.ones((n, 1)), lengths, -np.eye(n), np.eye(n)])
    bounds = [turnout_bounds] + list(pace_bounds) + [(0, None)] * (2 * n)
    res = linprog(c, A_eq=a_eq, b_eq=actual, bounds=bounds, method="highs")
    if res.status != 0:
        raise AnalysisError(f"calibration LP did not solve: {res.message}")
    return res.x[: k + 1]


def _profile_for(base: SpeedProfile, classes: list[str], pace: np.ndarray, turnout: float, *, name: str,
                 version: int, variability: Variability, sources: dict) -> SpeedProfile:
    kph = {c: float(3.6 / p) for c, p in zip(classes, pace)}
    highway = {}
    for hw in base.highway_kph:
        cls = road_class(hw) if hw != "default" else MINOR
        highway[hw] = kph.get(cls, kph[MINOR])
    highway["default"] = kph[MINOR]
    shift = turnout - base.turnout_s.get("wholetime", base.turnout_s["default"])
    turn = {k: (max(0.0, v + shift) if k in {"wholetime", "day_crewed_day", "default", "flexi"} else v)
            for k, v in base.turnout_s.items()}
    return profile_from_dict({
        "name": name, "version": version, "description": f"Calibrated from {base.key}",
        "sources": sources, "emergency_factor": 1.0, "use_maxspeed": False, "maxspeed_factor": 1.0,
        "min_kph": base.min_kph, "max_kph": base.max_kph, "highway_kph": highway, "turnout_s": turn,
        "day_hours": list(base.day_hours),
        "variability": {"log_mean": variability.log_mean, "log_sd": variability.log_sd,
                        **({"log_quantiles": list(variability.log_quantiles)} if variability.log_quantiles else {})},
    })


def _fit_once(network: RoadNetwork, obs: Observations, base: SpeedProfile, *, iterations: int, name: str,
              version: int) -> tuple[SpeedProfile, RoadNetwork, list[str], np.ndarray, float, int]:
    net = network
    classes = [MINOR]
    pace = turnout = None
    prev_routes = None
    done = 0
    for it in range(iterations):
        all_classes = sorted({road_class(h) for h in net.highway} | {MINOR})
        lengths_all = class_lengths(net, obs, all_classes)
        keep = [c for i, c in enumerate(all_classes) if c == MINOR or lengths_all[:, i].sum() >= MIN_CLASS_LENGTH_M]
        lengths = np.column_stack([lengths_all[:, all_classes.index(c)] for c in keep])
        for i, c in enumerate(all_classes):
            if c not in keep:
                lengths[:, keep.index(MINOR)] += lengths_all[:, i]
        classes = keep
        lengths[:, classes.index(MINOR)] += obs.access_m
        bounds = [(3.6 / SPEED_BOUNDS_KPH[c][1], 3.6 / SPEED_BOUNDS_KPH[c][0]) for c in classes]
        x = _lad_fit(lengths, obs.actual_s, pace_bounds=bounds, turnout_bounds=TURNOUT_BOUNDS_S)
        turnout, pace = float(x[0]), x[1:]
        prof = _profile_for(base, classes, pace, turnout, name=name, version=version, variability=Variability(),
                            sources={})
        net = network.with_profile(prof)
        done = it + 1
        routes = np.round(lengths.sum(axis=1))
        if prev_routes is not None and np.array_equal(routes, prev_routes):
            break
        prev_routes = routes
    return prof, net, classes, pace, turnout, done


def fit_profile(network: RoadNetwork, obs: Observations, base: SpeedProfile, *, folds: int = 5, iterations: int = 4,
                seed: int = 0, name: str | None = None, version: int | None = None, source_note: str = "") -> FitResult:
    """Fit class speeds and turnout to observed attendance, with k-fold cross-validation.

    Parameters
    ----------
    network
        The road network (its travel times are replaced by the fit's).
    obs
        Observations inside the network.
    base
        Profile whose structure (classes, other duty systems) the fit keeps.
    """
    if len(obs) < max(20, 2 * folds):
        raise AnalysisError(f"need at least {max(20, 2 * folds)} observations to calibrate, got {len(obs)}")
    name = name or base.name
    version = version or base.version + 1
    rng = np.random.default_rng(seed)
    fold = rng.permutation(len(obs)) % folds
    oof = np.full(len(obs), np.nan)
    for f in range(folds):
        train, test = fold != f, fold == f
        prof, net, *_ = _fit_once(network, obs.subset(train), base, iterations=iterations, name=name, version=version)
        oof[test] = modelled_times(net, obs.subset(test), prof)
    ok = np.isfinite(oof) & (oof > 0)
    resid = np.log(obs.actual_s[ok] / oof[ok])
    var = Variability(float(np.mean(resid)), float(np.std(resid, ddof=1)),
                      tuple(float(v) for v in np.quantile(resid, np.linspace(0, 1, N_QUANTILES))))
    cv_mae = float(np.mean(np.abs(oof[ok] - obs.actual_s[ok])))
    prof, net, classes, pace, turnout, its = _fit_once(network, obs, base, iterations=iterations, name=name,
                                                       version=version)
    speeds = {c: float(3.6 / p) for c, p in zip(classes, pace)}
    sources = {
        "highway_kph": f"Fitted by least absolute deviations to {len(obs)} actual attendance times"
                       f"{' (' + source_note + ')' if source_note else ''}; {folds}-fold CV MAE {cv_mae:.1f} s.",
        "turnout_s": f"wholetime turnout fitted ({turnout:.0f} s); other duty systems from {base.key}.",
        "variability": f"log(actual / modelled) of {folds}-fold out-of-fold predictions: mean, standard deviation"
                       f" and {N_QUANTILES} quantiles (compliance is reported from this empirical spread).",
    }
    final = _profile_for(base, classes, pace, turnout, name=name, version=version, variability=var, sources=sources)
    return FitResult(final, turnout, speeds, var, cv_mae, folds, its, len(obs))


def report(name: str, modelled_s: np.ndarray, actual_s: np.ndarray, variability: Variability | None,
           threshold_s: float = 360.0) -> ErrorReport:
    """Error figures of modelled against actual attendance times."""
    m = np.isfinite(modelled_s)
    mod, act = modelled_s[m], actual_s[m]
    err = mod - act
    var = variability or Variability()
    return ErrorReport(name, int(m.sum()), float(np.mean(np.abs(err))), float(np.mean(err)),
                       float(np.mean(np.abs(err) <= 60)), float(np.mean(np.abs(err) <= 120)),
                       float(np.mean(var.prob_within(mod, threshold_s))), float(np.mean(mod <= threshold_s)),
                       float(np.mean(act <= threshold_s)))


def osmnx_default_network(network: RoadNetwork) -> RoadNetwork:
    """The network with osmnx's ``add_edge_speeds`` rule: the tagged limit, else the class mean, else the mean."""
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
    """
    var_doc = Variability.from_profile(profile.variability)
    ours = modelled_times(network.with_profile(profile), obs, profile)
    ox_net = osmnx_default_network(network)
    base = route_times(ox_net, obs) + fixed_turnout_s
    line = obs.straight_m / STRAIGHT_LINE_SPEED_MPS + fixed_turnout_s
    return [report(f"profile {profile.key}", ours, obs.actual_s, var_doc, threshold_s),
            report(f"osmnx default speeds + {fixed_turnout_s:.0f} s turnout", base, obs.actual_s, None, threshold_s),
            report(f"straight line at {STRAIGHT_LINE_SPEED_MPS:g} m/s + {fixed_turnout_s:.0f} s turnout", line,
                   obs.actual_s, None, threshold_s)]
