"""One routing session over a warehouse: the network under a profile, snapped sites and demand, cached travel times.

Every use case (coverage, scenarios, co-location, DAPs, co-responding,
facility siting, isochrones) routes through a :class:`Session`; the command
line makes one per command, the dashboard one per app. Reading the network,
snapping and per-site travel times happen once; re-evaluating a changed estate
then costs milliseconds. Caches are bounded (least recently used first out).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol, TypeVar

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from shapely.geometry.base import BaseGeometry

from bluelight.analysis.coverage import (
    DEFAULT_K,
    CoverageModel,
    build_coverage_model,
    coverage_model_from_nearest,
    evaluate,
)
from bluelight.analysis.isochrones import TimeGrid, earliest_time_grid, isochrone_polygons_grid
from bluelight.analysis.nearest_sites import fingerprint, nearest_sites, times_to_points
from bluelight.analysis.network import RoadNetwork
from bluelight.analysis.scenario import Scenario, apply_scenario
from bluelight.analysis.snapping import (
    DEFAULT_ACCESS_SPEED_MPS,
    DEFAULT_MAX_SNAP_M,
    Links,
    SegmentPositions,
    Snapped,
    links_at,
    points_hash,
    segment_positions,
    snap_points,
)
from bluelight.analysis.speeds import SpeedProfile
from bluelight.analysis.summary import CoverageSummary, Variability, compare_targets, summarise, summarise_by
from bluelight.analysis.traveltime import SiteTimes, TravelTimeCache, nearest_site_field, times_from_links
from bluelight.etl.derived import snapped_set
from bluelight.foundation.environment import session_cache_bytes
from bluelight.foundation.environment import travel_cache_bytes as travel_cache_bytes_setting
from bluelight.foundation.errors import AnalysisError
from bluelight.foundation.standards import NOT_FIRST_RESPONSE
from bluelight.services.inputs import (
    Connection,
    read_edge_geoms,
    read_incident_demand,
    read_nearest,
    read_population,
    read_road_network,
    read_sites,
    read_snapped,
    site_turnouts,
)
from bluelight.services.memo import BoundedMemo

T = TypeVar("T")
R = TypeVar("R")

#: longest drive searched from a site (seconds)
DEFAULT_CUTOFF_S = 1800.0
#: cached analysis objects kept per session (models, demand, isochrones, plans), in entries and in bytes
DEFAULT_CACHE_ENTRIES = 96

DEMAND_KINDS = ("population", "incidents")


@dataclass(frozen=True)
class DemandSpec:
    """Which demand: population (an age band) or incidents (categories, hours of day, both ends included).

    ``max_snap_m``: demand further than this from every road is off-network
    (default: the session's).
    """

    kind: str = "population"
    age_band: str = "all"
    categories: tuple[str, ...] = ()
    hours: tuple[int, int] = (0, 23)
    max_snap_m: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in DEMAND_KINDS:
            raise AnalysisError(f"demand must be one of {list(DEMAND_KINDS)}, got {self.kind!r}")


def frame_links(points: pd.DataFrame) -> Links:
    """The road-segment links of demand points read by :meth:`Session.demand` (columns node, node_b, extra_*).

    Parameters
    ----------
    points
        Demand points read by :meth:`Session.demand`.
    """
    if "node_b" not in points.columns:
        return Links.at_nodes(points["node"].to_numpy())
    return Links(points["node"].to_numpy(np.int64), points["extra_a_s"].to_numpy(float),
                 points["node_b"].to_numpy(np.int64), points["extra_b_s"].to_numpy(float),
                 points["snap_m"].to_numpy(float))


@dataclass
class Evaluation:
    """Response times of one demand under one set of sites, with what produced them."""

    service: str
    demand: DemandSpec
    points: pd.DataFrame       # zone, area, easting, northing, weight, node
    response_s: np.ndarray
    site_ids: list[str]
    profile_key: str


class _EdgeGeoms:
    """Edge geometries, read on first use (a county's take seconds; points placed at load time need none)."""

    def __init__(self, read: Reader):
        self._read, self._lock = read, threading.Lock()
        self._value: np.ndarray | None = None

    def get(self) -> np.ndarray:
        with self._lock:
            if self._value is None:
                self._value = self._read(read_edge_geoms)
            return self._value


class _Routing(NamedTuple):
    """A session's network, its edge geometries (read on first use) and its per-node drive-time cache."""

    net: RoadNetwork
    geoms: _EdgeGeoms
    times: TravelTimeCache


class Reader(Protocol):
    """``read(fn)``: ``fn(cursor)`` on a warehouse connection, its result returned (what a session reads through)."""

    def __call__(self, fn: Callable[[Any], R], /) -> R: ...


class Session:
    """The road network of a warehouse under one speed profile, with snapped inputs and bounded caches.

    Parameters
    ----------
    read
        ``read(fn)`` calls ``fn(cursor)`` on a warehouse connection and returns its
        result (the dashboard passes its locked reader); see :meth:`over`.
    profile
        Speed profile for drive times and turnout.
    cutoff_s
        Longest drive searched from a site.
    max_snap_m
        Demand or sites further than this from the road network are off-network.
    """

    def __init__(self, read: Reader, profile: SpeedProfile, *,
                 cutoff_s: float = DEFAULT_CUTOFF_S, max_snap_m: float = DEFAULT_MAX_SNAP_M,
                 cache_entries: int = DEFAULT_CACHE_ENTRIES, cache_bytes: int | None = None,
                 generation: Callable[[], int] | None = None, travel_cache_bytes: int | None = None) -> None:
        self.read: Reader = read
        #: per-node drive-time rows kept (sites, and added or moved sites of scenarios), in bytes
        self.travel_cache_bytes = int(travel_cache_bytes or travel_cache_bytes_setting())
        self._generation = generation
        self._seen_generation = generation() if generation else 0
        self.profile = profile
        self.cutoff_s = float(cutoff_s)
        self.max_snap_m = float(max_snap_m)
        self.variability = Variability.from_profile(profile.variability)
        # the leg from the road to a demand point at the profile's minor-road pace, as the calibration charged it
        minor_kph = profile.highway_kph.get("residential", profile.highway_kph.get("default"))
        self.access_speed_mps = float(minor_kph) / 3.6 if minor_kph else DEFAULT_ACCESS_SPEED_MPS
        self._lock = threading.RLock()
        self._net: _Routing | None = None
        self._memo = BoundedMemo(cache_entries, int(cache_bytes or session_cache_bytes()))

    @classmethod
    def over(cls, con: Connection, profile: SpeedProfile, **options: Any) -> Session:
        """A session over one open DuckDB connection (one cursor per read, serialised)."""
        lock = threading.Lock()

        def read(fn: Callable[[Any], R]) -> R:
            with lock:
                cur = con.cursor()
            try:
                return fn(cur)
            finally:
                cur.close()

        return cls(read, profile, **options)

    def with_cutoff(self, cutoff_s: float) -> Session:
        """A session sharing this one's network but searching drives up to ``cutoff_s`` (kept in this one's cache)."""
        if cutoff_s <= self.cutoff_s:
            return self

        def build() -> Session:
            other = Session(self.read, self.profile, cutoff_s=cutoff_s, max_snap_m=self.max_snap_m,
                            cache_entries=self._memo.max_entries, cache_bytes=self._memo.max_bytes,
                            travel_cache_bytes=self.travel_cache_bytes)
            net, geoms, _ = self._network()
            other._net = _Routing(net, geoms, other._travel_cache(net))
            return other
        return self._get(("session", float(cutoff_s)), build)

    def for_period(self, period: str | None) -> Session:
        """A session whose times are for one traffic period of the profile (night, peak, off_peak); "all" or None:
        this one. Kept in this session's cache, so a page switching periods routes each period once."""
        from bluelight.analysis.speeds import period_profile

        if period in (None, "all") or self.profile.period == period:
            return self
        profile = period_profile(self.profile, period)

        def build() -> Session:
            other = Session(self.read, profile, cutoff_s=self.cutoff_s, max_snap_m=self.max_snap_m,
                            cache_entries=self._memo.max_entries, cache_bytes=self._memo.max_bytes,
                            generation=self._generation, travel_cache_bytes=self.travel_cache_bytes)
            net = self._network().net.with_profile(profile)
            other._net = _Routing(net, self._network().geoms, other._travel_cache(net))
            return other
        return self._get(("session", "period", period), build)

    # -- network ---------------------------------------------------------------------------------------------------
    def _fresh(self) -> None:
        """Drop every cached answer when the warehouse underneath has been replaced by a newer load."""
        if self._generation is None:
            return
        gen = self._generation()
        if gen != self._seen_generation:
            with self._lock:
                self._seen_generation = gen
                self._net = None
                self._memo = BoundedMemo(self._memo.max_entries, self._memo.max_bytes)

    def _network(self) -> _Routing:
        self._fresh()
        with self._lock:
            if self._net is None:
                net = self.read(lambda cur: read_road_network(cur, self.profile))
                self._net = _Routing(net, _EdgeGeoms(self.read), self._travel_cache(net))
            return self._net

    def _travel_cache(self, net: RoadNetwork) -> TravelTimeCache:
        """The per-node drive-time cache of ``net``: routed on the edge-based network when the profile penalises
        turns, else on the nodes."""
        if not self.profile.turns:
            return TravelTimeCache(net, cutoff_s=self.cutoff_s, max_bytes=self.travel_cache_bytes)
        from bluelight.analysis.turns import turn_network, turn_site_times

        tnet = turn_network(net, self.profile.turns)

        def turning(nodes: np.ndarray, cutoff_s: float) -> SiteTimes:
            return turn_site_times(tnet, nodes, cutoff_s=cutoff_s)
        return TravelTimeCache(net, cutoff_s=self.cutoff_s, max_bytes=self.travel_cache_bytes, router=turning)

    @property
    def network(self) -> RoadNetwork:
        """The road network under this session's profile (read on first use)."""
        return self._network().net

    @property
    def edge_geoms(self) -> np.ndarray:
        """The road segments' geometries (EPSG:27700), read on first use."""
        return self._network().geoms.get()

    def times(self, nodes: ArrayLike) -> SiteTimes:
        """Drive times from each of ``nodes`` within the cutoff (cached per node)."""
        cache = self._network().times
        with self._lock:
            return cache.times(np.asarray(nodes))

    def snap(self, frame: pd.DataFrame) -> Snapped:
        """Snap a frame's ``easting``/``northing`` to the network."""
        return self.snap_xy(frame["easting"], frame["northing"])

    def snap_xy(self, easting: ArrayLike, northing: ArrayLike) -> Snapped:
        """Snap points given by their coordinates (EPSG:27700) to the network's nodes."""
        return snap_points(self.network, np.asarray(easting, float), np.asarray(northing, float),
                           max_snap_m=self.max_snap_m)

    def positions(self, frame: pd.DataFrame, *, max_snap_m: float | None = None) -> SegmentPositions:
        """Where a frame's points lie on their nearest road segments (within ``max_snap_m``, default the
        session's): geometry only, the same under every profile."""
        def tree() -> Any:
            import shapely
            return shapely.STRtree(self.edge_geoms)
        if frame.empty:                                   # nothing to place: no geometry to read
            return SegmentPositions(*(np.empty(0, np.int64),) * 2, *(np.empty(0),) * 2)
        return segment_positions(self.network, frame["easting"].to_numpy(float), frame["northing"].to_numpy(float),
                                 edge_geoms=self.edge_geoms, tree=self._get(("edge_tree",), tree),
                                 max_snap_m=max_snap_m or self.max_snap_m)

    def snap_demand(self, frame: pd.DataFrame, *, max_snap_m: float | None = None, source: bool = False,
                    stored: str | None = None) -> Links:
        """Points on their nearest road segment (within ``max_snap_m``, default the session's).

        ``source``: points that are left (sites) rather than reached (demand). ``stored``: the point set whose
        positions a load stored (:mod:`bluelight.etl.derived`), read instead of snapping while they are these
        points' on these roads at this snap distance.
        """
        snap_m = max_snap_m or self.max_snap_m
        x, y = frame["easting"].to_numpy(float), frame["northing"].to_numpy(float)
        found = None if stored is None else self.read(lambda cur: read_snapped(
            cur, stored, points_hash=points_hash(x, y), n_points=len(x), n_edges=len(self.network.edge_u),
            max_snap_m=snap_m))
        where = found if found is not None else self.positions(frame, max_snap_m=snap_m)
        return links_at(self.network, where, len(x), access_speed_mps=self.access_speed_mps, source=source)

    def with_links(self, frame: pd.DataFrame, *, max_snap_m: float | None = None,
                   source: bool = False, stored: str | None = None) -> pd.DataFrame:
        """``frame`` with its road-segment link columns (node -1: beyond ``max_snap_m`` of every road)."""
        links = self.snap_demand(frame, max_snap_m=max_snap_m, source=source, stored=stored)
        return frame.assign(node=links.node_a, node_b=links.node_b, extra_a_s=links.extra_a_s,
                            extra_b_s=links.extra_b_s, snap_m=links.distance_m)

    # -- inputs ----------------------------------------------------------------------------------------------------
    def sites(self, service: str, *, as_of: str | None = None) -> pd.DataFrame:
        """Operational stations of a service (as of a date), with network node (-1 off-network) and turnout."""
        def build() -> pd.DataFrame:
            s = self.read(lambda cur: read_sites(cur, services=[service], as_of=as_of))
            return self.place_sites(s, stored=snapped_set("sites", service))
        return self._get(("sites", service, as_of), build)

    def estate(self, as_of: str | None = None) -> pd.DataFrame:
        """Every service's operational stations as of a date, not yet placed (what a scenario changes)."""
        return self._get(("all_sites", as_of), lambda: self.read(lambda cur: read_sites(cur, as_of=as_of)))

    def estate_after(self, scenario: Scenario, service: str, *, as_of: str | None = None) -> pd.DataFrame:
        """One service's stations after ``scenario``, applied to every service's estate as of ``as_of`` (default:
        the scenario's date), so that a site may move into another service's."""
        after = apply_scenario(self.estate(as_of or scenario.as_of), scenario)
        return after[after["service"] == service].reset_index(drop=True)

    def place_sites(self, sites: pd.DataFrame, *, stored: str | None = None) -> pd.DataFrame:
        """Sites on their nearest road segment (leaving by either end), with their turnout (node -1: off-network)."""
        return self.with_links(sites, source=True, stored=stored).assign(turnout=site_turnouts(sites, self.profile))

    def site_times(self, sites: pd.DataFrame) -> SiteTimes:
        """Drive times from sites placed on their segments (rows in ``sites`` order; empty rows off-network)."""
        return times_from_links(self.times, frame_links(sites), cutoff_s=self.cutoff_s)

    def site_field(self, sites: pd.DataFrame, offsets_s: np.ndarray, *,
                   cutoff_s: float) -> tuple[np.ndarray, np.ndarray]:
        """Fastest response to every node from any of ``sites`` (on their segments), and which site it is."""
        links = frame_links(sites)
        two = np.flatnonzero(links.node_b >= 0)
        nodes = np.concatenate([links.node_a, links.node_b[two]])
        offs = np.concatenate([offsets_s + links.extra_a_s, offsets_s[two] + links.extra_b_s[two]])
        owner = np.concatenate([np.arange(len(links.node_a)), two])
        if self.profile.turns:            # the turn-penalised rows, the fastest of them (no one-pass field exists)
            rows = self.with_cutoff(cutoff_s).times(nodes).dense() + offs[:, None]
            rows[rows > cutoff_s] = np.inf
            best = np.argmin(rows, axis=0) if len(nodes) else np.zeros(self.network.n_nodes, dtype=int)
            times = rows[best, np.arange(rows.shape[1])] if len(nodes) else np.full(self.network.n_nodes, np.inf)
            nearest = np.where(np.isfinite(times), best, -1)
        else:
            times, nearest = nearest_site_field(self.network, nodes, offs, cutoff_s=cutoff_s)
        return times, np.where(nearest >= 0, owner[np.maximum(nearest, 0)], -1)

    def demand(self, spec: DemandSpec, service: str | None = None) -> pd.DataFrame:
        """Demand points with their snapped node (-1 off-network); incidents are of ``service``."""
        def build() -> pd.DataFrame:
            if spec.kind == "population":
                pts = self.read(lambda cur: read_population(cur, age_band=spec.age_band))
                return self.with_links(pts, max_snap_m=spec.max_snap_m, stored=snapped_set("population"))
            if self._every_incident(spec):
                pts = self.read(lambda cur: read_incident_demand(cur, service=service))
                return self.with_links(pts, max_snap_m=spec.max_snap_m, stored=snapped_set("incidents", service))
            every = self.demand(self._all_of(spec), service)
            return every.iloc[self._incident_rows(every, spec)].reset_index(drop=True)
        return self._get(("demand", spec, service if spec.kind == "incidents" else None), build)

    @staticmethod
    def _every_incident(spec: DemandSpec) -> bool:
        return not spec.categories and tuple(spec.hours) == (0, 23)

    @staticmethod
    def _all_of(spec: DemandSpec) -> DemandSpec:
        """Every incident of the service (snapped, and modelled, once; other incident demand is a subset)."""
        return DemandSpec("incidents", "all", (), (0, 23), max_snap_m=spec.max_snap_m)

    @staticmethod
    def _incident_rows(every: pd.DataFrame, spec: DemandSpec) -> np.ndarray:
        """Rows of every incident that are of the spec's categories and hours (an incident with no hour: none)."""
        keep = np.ones(len(every), dtype=bool)
        if spec.categories:
            keep &= every["category"].isin(list(spec.categories)).to_numpy()
        if tuple(spec.hours) != (0, 23):
            hour = every["hour_of_day"].to_numpy(float)
            keep &= (hour >= spec.hours[0]) & (hour <= spec.hours[1])
        return np.flatnonzero(keep)

    def population_zones_on_network(self) -> list[str]:
        """Zones whose population centre is on the road network (the ones a map can colour)."""
        pts = self.demand(DemandSpec())
        return [str(z) for z in pts.loc[pts["node"] >= 0, "zone"]]

    def targets(self, service: str) -> pd.DataFrame:
        """First-response targets of a service (second-appliance standards cannot be judged by first arrival)."""
        return self._get(("targets", service), lambda: self.read(lambda cur: cur.execute(
            "SELECT target_id, statistic, threshold_s, goal FROM targets WHERE service = ? "
            f"AND category NOT IN ({', '.join('?' for _ in NOT_FIRST_RESPONSE)})",
            [service, *NOT_FIRST_RESPONSE]).df()))

    # -- evaluation ------------------------------------------------------------------------------------------------
    def model(self, service: str, spec: DemandSpec, *, as_of: str | None = None, k: int = DEFAULT_K) -> CoverageModel:
        """Each demand point's ``k`` fastest baseline sites, for fast re-evaluation of changes."""
        def build() -> CoverageModel:
            if spec.kind == "incidents" and not self._every_incident(spec):
                every = self.demand(self._all_of(spec), service)
                return self.model(service, self._all_of(spec), as_of=as_of, k=k).take(
                    self._incident_rows(every, spec))
            on = self._on_network(self.sites(service, as_of=as_of))
            demand = self.demand(spec, service)
            if self.profile.turns:      # turn-penalised routes are edge-based: from each site (no one-pass search)
                return build_coverage_model(self.site_times(on), on["turnout"].to_numpy(),
                                            demand["node"].to_numpy(), k=k, links=frame_links(demand))
            site, time_s, more = self.nearest(service, as_of=as_of, k=k)
            site_links = frame_links(on)
            return coverage_model_from_nearest(
                site, time_s, more, on["turnout"].to_numpy(), demand["node"].to_numpy(), links=frame_links(demand),
                times=lambda points: times_to_points(self.network, site_links, points, cutoff_s=self.cutoff_s))
        return self._get(("model", service, spec, as_of) + (() if k == DEFAULT_K else (k,)), build)

    def nearest(self, service: str, *, as_of: str | None = None,
                k: int = DEFAULT_K) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every node's ``k`` fastest sites of ``service`` (turnout plus drive, within the cutoff), in one search
        (:func:`~bluelight.analysis.nearest_sites.nearest_sites`); site indices are rows of the on-network sites."""
        def build() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            on = self._on_network(self.sites(service, as_of=as_of))
            turnout = on["turnout"].to_numpy(float)
            stored = None if as_of else self.read(lambda cur: read_nearest(
                cur, service, fingerprint=fingerprint(self.network, frame_links(on), turnout, self.cutoff_s),
                cutoff_s=self.cutoff_s, k=k, site_ids=on["site_id"].tolist(), n_nodes=self.network.n_nodes))
            return stored if stored is not None else nearest_sites(
                self.network, frame_links(on), turnout, k=k, cutoff_s=self.cutoff_s)
        return self._get(("nearest", service, as_of, k), build)

    @staticmethod
    def _on_network(sites: pd.DataFrame) -> pd.DataFrame:
        return sites[sites["node"] >= 0]

    def evaluate(self, service: str, spec: DemandSpec, sites: pd.DataFrame | None = None, *,
                 as_of: str | None = None) -> Evaluation:
        """Response times of ``service`` to ``spec`` demand from ``sites`` (default: the baseline as of a date).

        ``sites`` is any estate of the service, such as the baseline after
        :func:`bluelight.analysis.scenario.apply_scenario`. Baseline sites that are
        unchanged reuse the cached model; new, moved or re-crewed sites are
        routed and added, so the answer equals routing the whole estate afresh.
        """
        base = self._on_network(self.sites(service, as_of=as_of))
        model = self.model(service, spec, as_of=as_of)
        if sites is None:
            return Evaluation(service, spec, self.demand(spec, service), evaluate(model),
                              base["site_id"].tolist(), self.profile.key)
        sites = sites[sites["service"] == service] if "service" in sites.columns else sites
        placed = self.place_sites(sites.reset_index(drop=True))
        keep = self._unchanged(base, placed)
        active = base["site_id"].isin(keep).to_numpy()
        new = placed[~placed["site_id"].isin(keep) & (placed["node"] >= 0)]
        extra = self.site_times(new) if len(new) else None
        r = evaluate(model, active, extra=extra, extra_turnout_s=new["turnout"].to_numpy() if len(new) else None)
        used = base.loc[active, "site_id"].tolist() + new["site_id"].tolist()
        return Evaluation(service, spec, self.demand(spec, service), r, used, self.profile.key)

    @staticmethod
    def _unchanged(base: pd.DataFrame, placed: pd.DataFrame) -> set[str]:
        """Ids of baseline sites present in ``placed`` at the same place on the network with the same turnout."""
        cols = ["site_id", "node", "node_b", "extra_a_s", "extra_b_s", "turnout"]
        merged = base[cols].merge(placed[cols], on="site_id", suffixes=("", "_new"))
        same = (merged["node"] == merged["node_new"]) & (merged["node_b"] == merged["node_b_new"])
        for c in ("extra_a_s", "extra_b_s", "turnout"):
            same &= np.isclose(merged[c], merged[f"{c}_new"]) | (np.isinf(merged[c]) & np.isinf(merged[f"{c}_new"]))
        return set(merged.loc[same, "site_id"])

    def summary(self, ev: Evaluation, threshold_s: float) -> CoverageSummary:
        """Share within, mean and centiles of an evaluation, with the profile's travel variability."""
        return summarise(ev.response_s, ev.points["weight"].to_numpy(), threshold_s, variability=self.variability)

    def describe(self, label: str, sites: pd.DataFrame, demand: pd.DataFrame, response_s: np.ndarray,
                 threshold_s: float, *, service: str, by_area: bool = False) -> dict[str, Any]:
        """The JSON-ready coverage of ``response_s`` (the demand's times from ``sites``, see :meth:`evaluate`)."""
        r = response_s
        on_ids = set(self.place_sites(sites).query("node >= 0")["site_id"]) if len(sites) else set()
        w = demand["weight"].to_numpy()
        off = [s for s in sites["site_id"] if s not in on_ids]
        out: dict[str, Any] = {"label": label, "sites_used": len(on_ids), "sites_off_network": off,
               "summary": summarise(r, w, threshold_s, variability=self.variability).as_dict(),
               "demand_within": float(w[r <= threshold_s].sum()),
               "demand_within_modelled": float((w[~np.isnan(r)] * self.variability.prob_within(
                   r[~np.isnan(r)], threshold_s)).sum()) if self.variability else None}
        targets = self.targets(service)
        if not targets.empty:
            out["targets"] = compare_targets(r, w, targets, variability=self.variability).to_dict("records")
        if by_area:
            out["by_area"] = summarise_by(demand["area"].to_numpy(), r, w, threshold_s,
                                          variability=self.variability).to_dict("records")
        return out

    # -- geometry ----------------------------------------------------------------------------------------------------
    def isochrones(self, service: str, bands_s: tuple[float, ...], site_id: str | None = None, *,
                   include_turnout: bool = True) -> list[BaseGeometry]:
        """Response-time isochrones (EPSG:27700) of a service's sites merged, or of one site."""
        def build() -> list[BaseGeometry]:
            s = self._on_network(self.sites(service))
            if site_id is not None:
                s = s[s["site_id"] == site_id]
                if s.empty:
                    raise AnalysisError(f"site {site_id} is not an operational {service} site on the road network")
            offsets = s["turnout"].to_numpy() if include_turnout else np.zeros(len(s))
            times, _ = self.site_field(s, offsets, cutoff_s=max(bands_s))
            return isochrone_polygons_grid(self.network, self.edge_geoms, times, tuple(bands_s))
        return self._get(("iso", service, tuple(bands_s), site_id, include_turnout), build)

    def response_grid(self, service: str, *, cell_m: float, buffer_m: float) -> TimeGrid | None:
        """The response (turnout and drive) from the service's baseline sites to every road point, as a grid of
        earliest times (EPSG:27700): a map's cover where no zone polygons are loaded. None: no site reaches any
        road within the cutoff."""
        def build() -> TimeGrid | None:
            on = self._on_network(self.sites(service))
            times, _ = self.site_field(on, on["turnout"].to_numpy(float), cutoff_s=self.cutoff_s)
            return earliest_time_grid(self.network, self.edge_geoms, times, self.cutoff_s, cell_m=cell_m,
                                      buffer_m=buffer_m)
        return self._get(("response grid", service, float(cell_m), float(buffer_m)), build)

    def first_reached(self, service: str, site_id: str, spec: DemandSpec) -> np.ndarray:
        """Mask of demand points whose fastest site is ``site_id``."""
        on = self._on_network(self.sites(service)).reset_index(drop=True)
        winner = self._get(("winner", service), lambda: self.site_field(
            on, on["turnout"].to_numpy(), cutoff_s=self.cutoff_s)[1])
        pts = self.demand(spec, service)
        idx = on.index[on["site_id"] == site_id]
        if idx.empty:
            return np.zeros(len(pts), dtype=bool)
        node = pts["node"].to_numpy()
        found: np.ndarray = (node >= 0) & (winner[np.maximum(node, 0)] == idx[0])
        return found

    def cached(self, key: Hashable, build: Callable[[], T]) -> T:
        """Memoise a use case's result within this session's bounded cache."""
        return self._get(key, build)

    def _get(self, key: Hashable, build: Callable[[], T]) -> T:
        self._fresh()
        return self._memo.get(key, build)
