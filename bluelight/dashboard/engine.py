"""The analysis state behind the pages: one per app, built lazily and cached.

Reading the network, snapping sites and demand, and computing per-site
travel times happen once per (service, demand); a page interaction then only
re-evaluates coverage from the cached candidates, in milliseconds.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bluelight.analysis.coverage import CoverageModel, Variability, build_coverage_model, evaluate, summarise
from bluelight.analysis.isochrones import isochrone_polygons
from bluelight.analysis.snapping import DEFAULT_MAX_SNAP_M, snap_points
from bluelight.analysis.speeds import SpeedProfile
from bluelight.analysis.traveltime import TravelTimeCache, nearest_site_field
from bluelight.errors import AnalysisError
from bluelight.services.inputs import site_turnouts

from bluelight.dashboard.queries import Warehouse

CUTOFF_S = 1800.0


@dataclass(frozen=True)
class DemandSpec:
    """Which demand: population (an age band) or incidents (categories, hours of day)."""

    kind: str = "population"
    age_band: str = "all"
    categories: tuple[str, ...] = ()
    hours: tuple[int, int] = (0, 23)


@dataclass
class Evaluation:
    """Response times of one demand under one set of sites, with what produced them."""

    service: str
    demand: DemandSpec
    points: pd.DataFrame       # zone, area, easting, northing, weight
    response_s: np.ndarray
    site_ids: list[str]
    profile_key: str


class Engine:
    """Lazily built, cached analysis state over one warehouse and speed profile."""

    def __init__(self, wh: Warehouse, profile: SpeedProfile, *, cutoff_s: float = CUTOFF_S,
                 max_snap_m: float = DEFAULT_MAX_SNAP_M, web_tiles: bool = False):
        self.wh = wh
        self.web_tiles = web_tiles
        self.profile = profile
        self.cutoff_s = cutoff_s
        self.max_snap_m = max_snap_m
        self.variability = Variability.from_profile(profile.variability)
        self._lock = threading.RLock()
        self._net = None
        self._cache: dict = {}

    def _memo(self, key, build):
        with self._lock:
            if key not in self._cache:
                self._cache[key] = build()
            return self._cache[key]

    @property
    def network(self):
        with self._lock:
            if self._net is None:
                self._net = self.wh.network(self.profile)
                self._times = TravelTimeCache(self._net[0], cutoff_s=self.cutoff_s)
            return self._net[0]

    @property
    def edge_geoms(self):
        self.network
        return self._net[1]

    def snap(self, easting, northing):
        return snap_points(self.network, np.asarray(easting, float), np.asarray(northing, float),
                           max_snap_m=self.max_snap_m)

    def sites(self, service: str) -> pd.DataFrame:
        """Operational stations of a service with their network node (-1 off-network) and turnout."""
        def build():
            s = self.wh.operational_sites(service)
            snap = self.snap(s["easting"], s["northing"])
            return s.assign(node=snap.node, snap_m=snap.distance_m, turnout=site_turnouts(s, self.profile))
        return self._memo(("sites", service), build)

    def demand(self, spec: DemandSpec, service: str) -> pd.DataFrame:
        def build():
            pts = self.wh.demand_points(spec, service)
            snap = self.snap(pts["easting"], pts["northing"])
            return pts.assign(node=snap.node)
        return self._memo(("demand", spec, service if spec.kind == "incidents" else None), build)

    def population_zones_on_network(self) -> list[str]:
        """Zones whose population centre is on the road network (the ones a map can colour)."""
        pts = self.demand(DemandSpec(), "fire")
        return pts.loc[pts["node"] >= 0, "zone"].tolist()

    def model(self, service: str, spec: DemandSpec) -> CoverageModel:
        def build():
            s = self.sites(service)
            on = s[s["node"] >= 0]
            times = self._times_for(on["node"].to_numpy())
            return build_coverage_model(times, on["turnout"].to_numpy(), self.demand(spec, service)["node"].to_numpy())
        return self._memo(("model", service, spec), build)

    def _times_for(self, nodes):
        self.network
        with self._lock:
            return self._times.times(nodes)

    def evaluate(self, service: str, spec: DemandSpec, *, closed=(), added: pd.DataFrame | None = None) -> Evaluation:
        """Response times with some sites closed and new ones added (columns easting, northing, duty_system)."""
        s = self.sites(service)
        on = s[s["node"] >= 0]
        active = ~on["site_id"].isin(set(closed)).to_numpy()
        extra = extra_turn = None
        used = on.loc[active, "site_id"].tolist()
        if added is not None and len(added):
            snap = self.snap(added["easting"], added["northing"])
            if not snap.on_network.any():
                raise AnalysisError("the new site is more than "
                                    f"{self.max_snap_m:.0f} m from the road network: place it on the road data")
            add = added[snap.on_network]
            extra = self._times_for(snap.node[snap.on_network])
            extra_turn = site_turnouts(add.assign(turnout_s=add.get("turnout_s", np.nan)), self.profile)
            used += add["site_id"].tolist()
        r = evaluate(self.model(service, spec), active, extra=extra, extra_turnout_s=extra_turn)
        return Evaluation(service, spec, self.demand(spec, service), r, used, self.profile.key)

    def summary(self, ev: Evaluation, threshold_s: float):
        return summarise(ev.response_s, ev.points["weight"].to_numpy(), threshold_s, variability=self.variability)

    def isochrones(self, service: str, bands_s: tuple[float, ...], site_id: str | None = None) -> list:
        """Response-time isochrones (EPSG:27700) of a service's sites merged, or of one site."""
        def build():
            s = self.sites(service)
            s = s[s["node"] >= 0]
            if site_id is not None:
                s = s[s["site_id"] == site_id]
                if s.empty:
                    raise AnalysisError(f"site {site_id} is not on the road network")
            times, _ = nearest_site_field(self.network, s["node"].to_numpy(), s["turnout"].to_numpy(),
                                          cutoff_s=max(bands_s))
            return isochrone_polygons(self.network, self.edge_geoms, times, bands_s)
        return self._memo(("iso", service, bands_s, site_id), build)

    def dap(self, request) -> dict:
        """A DAP plan for one band (see :func:`bluelight.dap_run.plan`), with the frames its maps need."""
        from bluelight.analysis.demand_bands import TimeBand
        from bluelight.services.dap import build_problem, load_rules, plan

        def build():
            rules = load_rules()
            band = TimeBand.parse(request.band)
            pts, info = self.wh.band_demand(band, request)
            cands, fixed = self.wh.dap_sites(request.candidates)
            problem, on_pts, on_cands = build_problem(
                pts, cands, fixed, band=band, rules=rules, profile=self.profile,
                snap=lambda f: self.snap(f["easting"], f["northing"]), times=self._times_for)
            out = plan(problem, on_pts, on_cands, request, rules, targets=self.wh.dap_targets(request.category),
                       variability=self.variability)
            return out | {"demand": info, "points": on_pts, "candidates_frame": on_cands, "stations": fixed,
                          "rules": rules}
        return self._memo(("dap", request), build)

    def coresponding(self, params, enrolled: tuple[str, ...] = ()):
        """A co-responding appraisal (see :func:`bluelight.coresponding_run.analyse`), cached by its parameters."""
        import json
        from dataclasses import asdict

        from bluelight.services.coresponding import analyse

        key = ("coresponding", json.dumps(asdict(params), sort_keys=True, default=str), tuple(enrolled))
        return self._memo(key, lambda: analyse(
            self.wh.coresponding_inputs(), params, self.profile, snap=lambda f: self.snap(f["easting"], f["northing"]),
            times=self._times_for, enrolled=list(enrolled) or None))

    def first_reached(self, service: str, site_id: str, spec: DemandSpec) -> np.ndarray:
        """Mask of demand points whose fastest site is ``site_id``."""
        s = self.sites(service)
        on = s[s["node"] >= 0].reset_index(drop=True)
        winner = self._memo(("winner", service), lambda: nearest_site_field(
            self.network, on["node"].to_numpy(), on["turnout"].to_numpy(), cutoff_s=self.cutoff_s)[1])
        pts = self.demand(spec, service)
        idx = on.index[on["site_id"] == site_id]
        if idx.empty:
            return np.zeros(len(pts), dtype=bool)
        node = pts["node"].to_numpy()
        return (node >= 0) & (winner[np.maximum(node, 0)] == idx[0])
