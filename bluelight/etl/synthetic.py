"""A synthetic region, used only when no real data can be found or downloaded.

Everything here is invented and labelled so: site names start with
"SYNTHETIC", the data source is recorded as synthetic and the dashboard says
so on every page. The region is a jittered street grid with a road hierarchy
(trunk, primary, secondary, residential; some one-way streets and missing
links), stations of the three services with duty systems and estates
figures, population zones by age band, and incidents drawn from population.
Its size is set in nodes so that benchmarks can run it at county scale.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from bluelight.etl import geo
from bluelight.foundation.errors import ValidationError

if TYPE_CHECKING:
    import networkx as nx

log = logging.getLogger(__name__)

SYNTHETIC_LABEL = "SYNTHETIC"
NODE_ID_BASE = 9_000_000_000_000  # far above real OSM node ids
MPH = 1.609344


@dataclass
class SyntheticRegion:
    """Tables of a synthetic region; coordinates in EPSG:27700."""

    nodes: pd.DataFrame      # node_id, x_m, y_m
    edges: pd.DataFrame      # u, v, length_m, highway, maxspeed_kph, oneway
    sites: pd.DataFrame      # generic sites CSV columns
    population: pd.DataFrame  # generic population CSV columns
    incidents: pd.DataFrame  # generic incidents CSV columns
    zones: pd.DataFrame      # zone_code, x0, y0, x1, y1, district
    spacing_m: float


def _road_class(line_index: np.ndarray) -> np.ndarray:
    cls = np.full(line_index.shape, "residential", dtype=object)
    cls[line_index % 5 == 0] = "secondary"
    cls[line_index % 10 == 0] = "primary"
    cls[line_index % 40 == 0] = "trunk"
    return cls


_MAXSPEED_MPH = {"trunk": 40, "primary": 30, "secondary": 30, "residential": 20}


def generate_region(n_nodes: int = 2500, *, seed: int = 0, spacing_m: float = 180.0,
                    origin: tuple[float, float] = (440_000.0, 260_000.0)) -> SyntheticRegion:
    """Generate a synthetic region of about ``n_nodes`` road nodes.

    Parameters
    ----------
    n_nodes
        Approximate number of road nodes (a square grid is used).
    seed
        Random seed; the same seed gives the same region.
    spacing_m
        Distance between neighbouring junctions.
    origin
        South-west corner in British National Grid metres (default: inland
        England, away from any real data used by the demo).
    """
    if n_nodes < 16:
        raise ValueError(f"n_nodes must be at least 16, got {n_nodes}")
    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(n_nodes)))
    rows, cols = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")  # rows: y, cols: x
    ii, jj = rows.ravel(), cols.ravel()
    idx = ii * side + jj
    x = origin[0] + jj * spacing_m + rng.uniform(-0.15, 0.15, idx.size) * spacing_m
    y = origin[1] + ii * spacing_m + rng.uniform(-0.15, 0.15, idx.size) * spacing_m
    nodes = pd.DataFrame({"node_id": NODE_ID_BASE + idx, "x_m": x, "y_m": y})

    # horizontal streets run along rows, vertical along columns
    h = jj < side - 1
    hu, hv, hcls, hline = idx[h], idx[h] + 1, _road_class(ii[h]), ii[h]
    v = ii < side - 1
    vu, vv, vcls, vline = idx[v], idx[v] + side, _road_class(jj[v]), jj[v]
    u = np.concatenate([hu, vu])
    w = np.concatenate([hv, vv])
    cls = np.concatenate([hcls, vcls])
    line = np.concatenate([hline, vline])
    # drop a few residential links so the grid is not perfect
    keep = ~((cls == "residential") & (rng.random(u.size) < 0.04))
    u, w, cls, line = u[keep], w[keep], cls[keep], line[keep]
    # every third residential street is one-way, alternating direction
    oneway = (cls == "residential") & (line % 3 == 1)
    flip = oneway & (line % 2 == 1)
    u, w = np.where(flip, w, u), np.where(flip, u, w)
    length = np.hypot(x[w] - x[u], y[w] - y[u])
    maxspeed = np.array([_MAXSPEED_MPH[c] * MPH for c in cls])
    maxspeed[rng.random(maxspeed.size) < 0.2] = np.nan  # some roads untagged, as in OSM
    fwd = pd.DataFrame({"u": NODE_ID_BASE + u, "v": NODE_ID_BASE + w, "length_m": length, "highway": cls,
                        "maxspeed_kph": maxspeed, "oneway": oneway})
    back = fwd.loc[~oneway].rename(columns={"u": "v", "v": "u"})[fwd.columns]
    edges = pd.concat([fwd, back], ignore_index=True)

    # population zones: blocks of 6 x 6 junctions, denser towards the centre
    block = 6
    nb = max(1, side // block)
    zrows, zcols = np.meshgrid(np.arange(nb), np.arange(nb), indexing="ij")
    zi, zj = zrows.ravel(), zcols.ravel()
    x0 = origin[0] + zj * block * spacing_m
    y0 = origin[1] + zi * block * spacing_m
    x1, y1 = x0 + block * spacing_m, y0 + block * spacing_m
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    mid = origin[0] + side * spacing_m / 2, origin[1] + side * spacing_m / 2
    r = np.hypot(cx - mid[0], cy - mid[1]) / max(side * spacing_m / 2, 1)
    pop = np.round(rng.lognormal(np.log(1600), 0.35, cx.size) * np.clip(1.4 - r, 0.3, 1.4))
    shares = rng.dirichlet([19, 17, 21, 25, 18], cx.size)
    bands = np.floor(shares * pop[:, None])
    bands[:, 3] += pop - bands.sum(axis=1)
    district = (zi >= nb // 2).astype(int) * 2 + (zj >= nb // 2).astype(int)
    codes = [f"SYN{n:06d}" for n in range(cx.size)]
    lon, lat = geo.to_wgs84(cx, cy)
    population = pd.DataFrame({"zone_code": codes, "zone_name": [f"{SYNTHETIC_LABEL} zone {n}" for n in range(cx.size)],
                               "la_code": [f"SYNLA{d}" for d in district],
                               "la_name": [f"{SYNTHETIC_LABEL} district {d + 1}" for d in district],
                               "pop_total": pop, "pop_0_15": bands[:, 0], "pop_16_29": bands[:, 1],
                               "pop_30_44": bands[:, 2], "pop_45_64": bands[:, 3], "pop_65_plus": bands[:, 4],
                               "easting": cx, "northing": cy, "latitude": lat, "longitude": lon})
    zones = pd.DataFrame({"zone_code": codes, "x0": x0, "y0": y0, "x1": x1, "y1": y1, "district": district})

    sites = _sites(rng, nodes, n_nodes)
    incidents = _incidents(rng, population, spacing_m * block)
    return SyntheticRegion(nodes, edges, sites, population, incidents, zones, spacing_m)


def _sites(rng: np.random.Generator, nodes: pd.DataFrame, n_nodes: int) -> pd.DataFrame:
    per = {"fire": max(3, n_nodes // 700), "police": max(3, n_nodes // 900), "ambulance": max(2, n_nodes // 1200)}
    rows = []
    for service, count in per.items():
        picks = rng.choice(len(nodes), size=count, replace=False)
        for n, p in enumerate(picks, start=1):
            duty = {"fire": rng.choice(["wholetime", "wholetime", "day_crewed", "on_call"]),
                    "police": "police", "ambulance": "ambulance"}[service]
            cost = {"fire": 900_000, "police": 650_000, "ambulance": 300_000}[service] * rng.uniform(0.6, 1.4)
            rows.append({"site_id": f"SYN-{service[:3].upper()}-{n:03d}",
                         "name": f"{SYNTHETIC_LABEL} {service} station {n}", "service": service, "kind": "station",
                         "status": "open", "duty_system": duty,
                         "running_cost_gbp_pa": round(cost, -3), "floor_area_m2": round(rng.uniform(400, 1600)),
                         "bays": int(rng.integers(1, 5)), "disposal_value_gbp": round(cost * rng.uniform(1.5, 4), -3),
                         "backlog_maintenance_gbp": round(cost * rng.uniform(0, 0.5), -3),
                         "easting": round(float(nodes.x_m.iloc[p]) + 15, 1),
                         "northing": round(float(nodes.y_m.iloc[p]) + 15, 1), "location_precision_m": 10})
    mid = len(nodes) // 2                     # one hospital mid-region, for ambulance conveyance (no random draw)
    rows.append({"site_id": "SYN-HOSP-001", "name": f"{SYNTHETIC_LABEL} hospital", "service": "other",
                 "kind": "hospital", "status": "open", "duty_system": None,
                 "easting": round(float(nodes.x_m.iloc[mid]) + 15, 1),
                 "northing": round(float(nodes.y_m.iloc[mid]) + 15, 1), "location_precision_m": 10})
    return pd.DataFrame(rows)


_CATEGORY_MIX = {"fire": {"false_alarm": 0.45, "special_service": 0.3, "secondary_fire": 0.07, "other_fire": 0.06,
                          "dwelling_fire": 0.05, "rtc": 0.05, "medical": 0.02},
                 "ambulance": {"medical": 0.96, "cardiac_arrest": 0.04}}


def _incidents(rng: np.random.Generator, population: pd.DataFrame, zone_size_m: float) -> pd.DataFrame:
    n = int(max(200, population["pop_total"].sum() / 50))
    p = population["pop_total"].to_numpy() / population["pop_total"].sum()
    zone = rng.choice(len(population), size=n, p=p)
    service = np.where(rng.random(n) < 0.6, "ambulance", "fire")
    cats = np.empty(n, dtype=object)
    for svc, mix in _CATEGORY_MIX.items():
        mask = service == svc
        cats[mask] = rng.choice(list(mix), size=int(mask.sum()), p=list(mix.values()))
    start = np.datetime64("2025-01-01T00:00:00")
    hour_weights = np.array([3, 2, 2, 2, 2, 2, 3, 4, 5, 5, 5, 5, 5, 5, 5, 5, 6, 6, 6, 6, 5, 5, 4, 4], float)
    hours = rng.choice(24, size=n, p=hour_weights / hour_weights.sum())
    times = start + (rng.integers(0, 365, n) * 86400 + hours * 3600 + rng.integers(0, 3600, n)).astype("timedelta64[s]")
    e = population["easting"].to_numpy()[zone] + rng.uniform(-0.5, 0.5, n) * zone_size_m
    nn = population["northing"].to_numpy()[zone] + rng.uniform(-0.5, 0.5, n) * zone_size_m
    prio = np.where(cats == "cardiac_arrest", "C1", np.where(service == "ambulance", rng.choice(["C1", "C2", "C3", "C4"], n, p=[0.1, 0.6, 0.2, 0.1]), ""))
    return pd.DataFrame({"incident_id": [f"INC{k:07d}" for k in range(n)], "source": "synthetic",
                         "call_time": pd.to_datetime(times).strftime("%Y-%m-%dT%H:%M:%S"), "service": service,
                         "category": cats, "priority": prio, "easting": np.round(e, 1), "northing": np.round(nn, 1)})


def region_graph(region: SyntheticRegion) -> nx.MultiDiGraph:
    """The region's roads as an osmnx-style MultiDiGraph in WGS84 (for GraphML)."""
    import networkx as nx

    lon, lat = geo.to_wgs84(region.nodes["x_m"], region.nodes["y_m"])
    G = nx.MultiDiGraph(crs="epsg:4326", created_by="bluelight synthetic generator")
    for nid, lo, la in zip(region.nodes["node_id"], lon, lat):
        G.add_node(int(nid), x=float(lo), y=float(la), street_count=0)
    for k, e in enumerate(region.edges.itertuples(index=False)):
        maxspeed = "" if np.isnan(e.maxspeed_kph) else f"{round(e.maxspeed_kph / MPH)} mph"
        G.add_edge(int(e.u), int(e.v), osmid=k, highway=e.highway, maxspeed=maxspeed, oneway=bool(e.oneway),
                   reversed=False, length=float(e.length_m), name=f"{SYNTHETIC_LABEL} road {k}")
    return G


#: the road file a synthetic region is written as, by format (the demo loader reads whichever is there)
ROAD_FILES = {"graphml": "roads.graphml", "pbf": "roads.osm.pbf"}


def write_region(region: SyntheticRegion, directory: Path, *, roads_as: str = "graphml") -> dict[str, Path]:
    """Write the region as files the ordinary loaders read; returns their paths.

    ``roads_as`` is ``graphml`` (an osmnx graph file) or ``pbf`` (an OSM extract, for county sizes: the
    streamed loader reads it without building a graph).
    """
    import geopandas as gpd
    import osmnx as ox
    from shapely import box

    if roads_as not in ROAD_FILES:
        msg = f"roads_as must be one of {sorted(ROAD_FILES)}, got {roads_as!r}"
        raise ValidationError("roads_as", msg)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = {"roads": directory / ROAD_FILES[roads_as], "sites": directory / "sites.csv",
             "population": directory / "population.csv", "incidents": directory / "incidents.csv",
             "zones": directory / "zones.geojson", "districts": directory / "districts.geojson"}
    if roads_as == "pbf":
        write_pbf(region, paths["roads"])
    else:
        ox.save_graphml(region_graph(region), paths["roads"])
    region.sites.to_csv(paths["sites"], index=False)
    region.population.to_csv(paths["population"], index=False)
    region.incidents.to_csv(paths["incidents"], index=False)
    z = region.zones
    zones = gpd.GeoDataFrame({"code": z["zone_code"], "name": region.population["zone_name"]},
                             geometry=[box(a, b, c, d) for a, b, c, d in zip(z.x0, z.y0, z.x1, z.y1)], crs=geo.BNG)
    zones.to_crs(geo.WGS84).to_file(paths["zones"], driver="GeoJSON")
    zones["district"] = z["district"].to_numpy()
    districts = zones.dissolve(by="district").reset_index()
    districts["code"] = "SYNLA" + districts["district"].astype(str)
    districts["name"] = [f"{SYNTHETIC_LABEL} district {d + 1}" for d in districts["district"]]
    districts[["code", "name", "geometry"]].to_crs(geo.WGS84).to_file(paths["districts"], driver="GeoJSON")
    (directory / "README.txt").write_text(
        "SYNTHETIC region generated by Blue Light Atlas. Nothing here is real: roads, stations, costs,\n"
        "population and incidents are invented for demonstration and benchmarking only.\n")
    (directory / "manifest.json").write_text(json.dumps({"synthetic": True, "nodes": len(region.nodes)}))
    return paths


def write_pbf(region: SyntheticRegion, path: str | Path, *, signal_share: float = 0.1, seed: int = 0) -> dict[str, Any]:
    """The region's roads as an OSM PBF extract (for the streamed loader's tests and size benchmarks).

    Every street between two junctions is a way of its own (tagged with its class, limit and one-way), as a
    fully split OSM extract would be; ``signal_share`` of the junctions carry ``highway=traffic_signals``.
    Returns counts of what was written.
    """
    import osmium

    rng = np.random.default_rng(seed)
    nodes = region.nodes
    lon, lat = geo.to_wgs84(nodes["x_m"].to_numpy(), nodes["y_m"].to_numpy())
    ids = nodes["node_id"].to_numpy()
    signals = rng.random(len(ids)) < signal_share
    fwd = region.edges.drop_duplicates(subset=None).copy()
    fwd["a"], fwd["b"] = np.minimum(fwd["u"], fwd["v"]), np.maximum(fwd["u"], fwd["v"])
    streets = fwd.drop_duplicates(["a", "b"])
    written_ways = 0
    with osmium.SimpleWriter(str(path)) as w:
        for i, nid in enumerate(ids):
            w.add_node(osmium.osm.mutable.Node(id=int(nid), location=(float(lon[i]), float(lat[i])),
                                               tags={"highway": "traffic_signals"} if signals[i] else {}))
        for k, s in enumerate(streets.itertuples(index=False)):
            tags = {"highway": str(s.highway)}
            if s.oneway:
                tags["oneway"] = "yes"
            if np.isfinite(s.maxspeed_kph):
                tags["maxspeed"] = f"{round(s.maxspeed_kph / MPH)} mph"
            w.add_way(osmium.osm.mutable.Way(id=k + 1, nodes=[int(s.u), int(s.v)], tags=tags))
            written_ways += 1
    return {"nodes": int(len(ids)), "ways": written_ways, "signals": int(signals.sum())}
