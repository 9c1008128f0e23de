"""Travel-time, isochrone and scenario benchmarks on the London network and a synthetic 200k-node one."""

from __future__ import annotations

import logging
import time

import networkx as nx
import numpy as np

from bench.harness import Record, compare
from bluelight.analysis.coverage import build_coverage_model, evaluate
from bluelight.analysis.isochrones import isochrone_polygons, isochrone_polygons_grid
from bluelight.analysis.network import RoadNetwork, network_from_frames
from bluelight.analysis.speeds import load_profile
from bluelight.analysis.traveltime import nearest_site_field, site_travel_times, travel_time_table

log = logging.getLogger(__name__)


def to_networkx(net: RoadNetwork) -> nx.DiGraph:
    g = net.graph.tocoo()
    G = nx.DiGraph()
    G.add_nodes_from(range(net.n_nodes))
    G.add_weighted_edges_from(zip(g.row.tolist(), g.col.tolist(), g.data.tolist()), weight="travel_time")
    return G


def london_network(data_dir, *, keep_controls: bool = True, profile=None):
    """The demo network read straight from the data directory (no warehouse needed)."""
    from bluelight.etl.demo import _london_steps
    from bluelight.etl.roads import parse_roads

    roads = next(s for s in _london_steps() if s.label == "road network")
    profile = profile or load_profile()
    parsed = parse_roads([data_dir / f for f in roads.files], profile, keep_controls=keep_controls)
    nodes = parsed.extra["nodes"]
    edges = parsed.frame
    net = network_from_frames(nodes, edges, profile)
    import shapely

    return net, shapely.from_wkb(edges["wkb"].tolist())


def synthetic_network(n_nodes: int):
    from bluelight.etl.synthetic import generate_region

    region = generate_region(n_nodes, spacing_m=250.0)
    return network_from_frames(region.nodes, region.edges, load_profile())


def to_igraph(net: RoadNetwork):
    """The network as an igraph graph with one spare vertex (index ``n_nodes``) to serve as a multi-source root."""
    import igraph as ig

    g = net.graph.tocoo()
    G = ig.Graph(n=net.n_nodes + 1, edges=np.column_stack([g.row, g.col]).tolist(), directed=True)
    G.es["w"] = g.data.tolist()
    return G


def _igraph_field(G, sites: np.ndarray) -> np.ndarray:
    """igraph's own fastest nearest-site field: zero-weight edges from the spare root to the sites, one search."""
    root = G.vcount() - 1
    G.add_edges([(root, int(s)) for s in sites], attributes={"w": [0.0] * len(sites)})
    try:
        return np.asarray(G.distances(source=[root], weights="w")[0][:root], dtype=float)
    finally:
        G.delete_edges(range(G.ecount() - len(sites), G.ecount()))


def _agree(a: np.ndarray, b: np.ndarray) -> str:
    same = np.array_equal(np.isfinite(a), np.isfinite(b)) and np.allclose(a[np.isfinite(a)], b[np.isfinite(b)],
                                                                           atol=1e-6)
    return "answers compared: the same times at every node" if same else "ANSWERS DIFFER"


def nearest_field(net: RoadNetwork, G: nx.DiGraph, sites: np.ndarray, label: str) -> list[Record]:
    """The fastest time from any of ``sites`` to every node (and which site), against scipy called directly,
    igraph (one search from a root joined to the sites) and networkx; each answer compared with ours."""
    from scipy.sparse.csgraph import dijkstra

    ours = nearest_site_field(net, sites)[0]
    IG = to_igraph(net)
    # scipy does the same work as ours (the time and the winning site); igraph and networkx give only the time,
    # their fastest call for the field: less work than ours, said in the record
    peers = [("scipy dijkstra(min_only=True, return_predecessors=True) called directly",
              lambda: dijkstra(net.graph, directed=True, indices=sites, min_only=True, return_predecessors=True)[0],
              "the same work: times and the winning site"),
             ("igraph 1.0 distances from a root joined to the sites", lambda: _igraph_field(IG, sites),
              "times only (igraph does not name the winning site): less work than ours"),
             ("networkx multi_source_dijkstra_path_length", lambda: _nx_field(G, sites, net.n_nodes),
              "times only (its fastest multi-source call): less work than ours")]
    out = []
    for name, fn, work in peers:
        rec = compare(f"nearest-site field ({label}) vs {name.split()[0]}", lambda: nearest_site_field(net, sites),
                      name, fn, n=net.n_nodes)
        rec.notes = f"{len(sites)} sites, whole network; {work}; {_agree(ours, np.asarray(fn(), dtype=float))}"
        out.append(rec)
    return out


def _nx_field(G: nx.DiGraph, sites: np.ndarray, n: int) -> np.ndarray:
    out = np.full(n, np.inf)
    for node, t in nx.multi_source_dijkstra_path_length(G, set(sites.tolist()), weight="travel_time").items():
        out[node] = t
    return out


def per_site(net: RoadNetwork, G: nx.DiGraph, sites: np.ndarray, cutoff_s: float, label: str,
             peer_sites: int) -> list[Record]:
    """Per-site travel times within a cutoff (sites per second), against scipy's bounded Dijkstra called directly
    (in the same batches) and networkx's own cutoff Dijkstra; answers compared on the peer's sites."""
    from scipy.sparse.csgraph import dijkstra

    def scipy_direct():
        return [dijkstra(net.graph, directed=True, indices=sites[i:i + 50], limit=cutoff_s)
                for i in range(0, len(sites), 50)]
    peer_subset = sites[:peer_sites]
    ours_subset = site_travel_times(net, peer_subset, cutoff_s=cutoff_s).dense()
    direct = dijkstra(net.graph, directed=True, indices=peer_subset, limit=cutoff_s)
    nx_rows = []
    t0 = time.perf_counter()
    for s in peer_subset:
        nx_rows.append(nx.single_source_dijkstra_path_length(G, int(s), cutoff=cutoff_s, weight="travel_time"))
    nx_per_site = (time.perf_counter() - t0) / len(peer_subset)
    nx_dense = np.full_like(direct, np.inf)
    for i, row in enumerate(nx_rows):
        nx_dense[i, list(row)] = list(row.values())
    scipy_rec = compare(f"per-site travel times within {cutoff_s:.0f} s ({label}) vs scipy",
                        lambda: site_travel_times(net, sites, cutoff_s=cutoff_s),
                        "scipy dijkstra(limit=) called directly, 50 sites a batch", scipy_direct, n=len(sites),
                        repeat=2)
    scipy_rec.notes = (f"{len(sites) / scipy_rec.ours_s:.0f} sites/s ours; network {net.n_nodes} nodes; "
                       f"{_agree(ours_subset.ravel(), direct.ravel())} (on {len(peer_subset)} sites)")
    nx_rec = compare(f"per-site travel times within {cutoff_s:.0f} s ({label}) vs networkx",
                     lambda: site_travel_times(net, sites, cutoff_s=cutoff_s),
                     "networkx single_source_dijkstra_path_length(cutoff=) per site", None, n=len(sites), repeat=2)
    nx_rec.peer_s = nx_per_site * len(sites)
    nx_rec.ratio = nx_rec.peer_s / nx_rec.ours_s
    nx_rec.notes = (f"peer timed on {len(peer_subset)} sites and scaled; "
                    f"{_agree(ours_subset.ravel(), nx_dense.ravel())}")
    return [scipy_rec, nx_rec]


#: the physical anchor for a many-to-many table: OSRM's table service (contraction hierarchies), as its users
#: report it (not run here: it needs its own preprocessed extract and server)
OSRM_ANCHOR = ("OSRM table service (contraction hierarchies), users' reports, not run here: 5,000 x 5,000 in "
               "about 5 s and 1,000 x 1,000 in about 3 s on a 2009 laptop")


def matrix(net: RoadNetwork, candidates: np.ndarray, demand: np.ndarray, cutoff_s: float, label: str
           ) -> list[Record]:
    """The many-to-many matrix a location model needs (candidates x demand points, drives within ``cutoff_s``):
    ours (``travel_time_table``: one bounded compiled search per candidate, writing the table, stopped once
    every demand node is settled) against scipy's
    ``dijkstra(limit=)`` called directly in batches and igraph's ``distances(source, target)`` (which has no
    limit, so it searches the whole network); the answers compared cell by cell within the cutoff."""
    from scipy.sparse.csgraph import dijkstra

    def ours():
        return travel_time_table(net, candidates, demand, cutoff_s=cutoff_s)

    def scipy_direct():
        return np.vstack([dijkstra(net.graph, directed=True, indices=candidates[i:i + 50], limit=cutoff_s)[:, demand]
                          for i in range(0, len(candidates), 50)])

    IG = to_igraph(net)

    def igraph_table():
        return np.asarray(IG.distances(source=candidates.tolist(), target=demand.tolist(), weights="w"), float)

    mine, direct, ig = ours(), scipy_direct(), igraph_table()
    ig_capped = np.where(ig <= cutoff_s, ig, np.inf)
    cells = len(candidates) * len(demand)
    what = f"{len(candidates)} candidates x {len(demand)} demand nodes within {cutoff_s:.0f} s, {label}"
    out = [compare(f"many-to-many matrix ({what}) vs scipy", ours,
                   "scipy dijkstra(limit=) called directly, 50 candidates a batch, demand columns taken",
                   scipy_direct, n=cells, repeat=2, notes=_agree(mine, direct)),
           compare(f"many-to-many matrix ({what}) vs igraph", ours,
                   "igraph 1.0 distances(source=candidates, target=demand) (no limit: the whole network)",
                   igraph_table, n=cells, repeat=2, notes=_agree(mine, ig_capped) + " (igraph's beyond the cutoff "
                                                                                  "dropped)")]
    for r in out:
        r.notes += (f"; {cells / r.ours_s / 1e6:.1f} million cells/s ours. Anchor: {OSRM_ANCHOR}, i.e. about "
                    f"{25e6 / 5 / 1e6:.0f} million cells/s. No CH or PHAST engine here: the bounded searches "
                    "answer what the location models ask (drives within a cutoff)")
    return out


def isochrones(net: RoadNetwork, geoms, G: nx.DiGraph, sites: np.ndarray, bands) -> list[Record]:
    """Isochrone polygons per second: the grid-and-contour engine against the convex-hull peer, and against the
    exact edge-buffer engine (today's before the grid) with the shapes compared."""
    import shapely

    def fields():            # inside every timer: the peer's searches are inside its own
        return [site_travel_times(net, [s], cutoff_s=max(bands)).dense()[0] for s in sites]

    def grid():
        return [isochrone_polygons_grid(net, geoms, t, bands) for t in fields()]

    def exact():
        return [isochrone_polygons(net, geoms, t, bands) for t in fields()]

    def peer():              # networkx at its best: one cutoff search per site, every band's hull from it
        for s in sites:
            reached = nx.single_source_dijkstra_path_length(G, int(s), cutoff=max(bands), weight="travel_time")
            nodes = np.fromiter(reached.keys(), dtype=np.int64)
            times = np.fromiter(reached.values(), dtype=float)
            for b in bands:
                inside = nodes[times <= b]
                shapely.convex_hull(shapely.multipoints(shapely.points(net.x_m[inside], net.y_m[inside])))

    n = len(sites) * len(bands)
    hull = compare("isochrone polygons (London), searches timed on both sides", grid,
                   "networkx cutoff Dijkstra per site + convex hull of each band's nodes", peer, n=n, repeat=1)
    hull.notes = (f"{n / hull.ours_s:.1f} polygons/s ours (grid of earliest times, contoured; partial edges, holes "
                  f"filled) vs {n / hull.peer_s:.1f} peer (convex hull of nodes, coarser)")
    vs = compare("isochrone polygons, grid-and-contour vs exact edge buffers (London)", grid,
                 "exact: reached edges cut, buffered and unioned", exact, n=n, repeat=1)
    pairs = [(a, b) for ga, ea in zip(grid(), exact()) for a, b in zip(ga, ea) if not b.is_empty]
    ratio = np.array([a.area / b.area for a, b in pairs])
    haus = np.array([a.hausdorff_distance(b) for a, b in pairs])
    sym = np.array([a.symmetric_difference(b).area / b.area for a, b in pairs])
    vs.notes = (f"shape against the exact engine over {len(pairs)} polygons: area ratio {ratio.min():.3f}-"
                f"{ratio.max():.3f}, symmetric difference median {100 * np.median(sym):.1f}% of the area, Hausdorff "
                f"distance median {np.median(haus):.0f} m (max {haus.max():.0f} m)")
    return [hull, vs]


def scenario(net: RoadNetwork, n_sites: int, n_demand: int, cutoff_s: float) -> list[Record]:
    rng = np.random.default_rng(0)
    sites = rng.choice(net.n_nodes, n_sites, replace=False)
    demand = rng.choice(net.n_nodes, n_demand, replace=True)
    turnout = rng.uniform(60, 300, n_sites)
    t0 = time.perf_counter()
    times = site_travel_times(net, sites, cutoff_s=cutoff_s)
    t_times = time.perf_counter() - t0
    t0 = time.perf_counter()
    model = build_coverage_model(times, turnout, demand)
    t_model = time.perf_counter() - t0
    masks = [rng.random(n_sites) > 0.1 for _ in range(20)]
    dense = times.dense(demand) + turnout[:, None]
    it = iter(range(10**9))

    def ours():
        evaluate(model, masks[next(it) % len(masks)])

    def peer():
        m = masks[next(it) % len(masks)]
        dense[m].min(axis=0)

    rec = compare(f"scenario re-evaluation ({n_demand // 1000}k demand, {n_sites} sites)", ours,
                  "numpy dense minimum over active sites", peer, n=n_demand, repeat=20,
                  notes=f"precompute: travel times {t_times:.1f} s, candidate model {t_model:.1f} s; "
                        f"network {net.n_nodes} nodes; 10% of sites off per evaluation")
    return [rec]


def junctions(data_dir, sites_n: int = 40, cutoff_s: float = 600.0) -> Record:
    """Per-site times with junction delays (controls kept as nodes, a delay on each) against today's network
    without them, on the same stations' queries: what the junction-aware engine costs."""
    from bluelight.analysis.speeds import profile_from_dict

    plain_profile = load_profile()
    delayed = profile_from_dict({**plain_profile.to_dict(), "name": "bench-junctions",
                                 "junction_delay_s": {"traffic_signals": 8.0, "crossing": 3.0, "give_way": 3.0,
                                                      "stop": 5.0}})
    with_controls, _ = london_network(data_dir, profile=delayed)
    plain, _ = london_network(data_dir, keep_controls=False, profile=plain_profile)
    rng = np.random.default_rng(4)
    picked = rng.choice(plain.n_nodes, sites_n, replace=False)
    same = with_controls.index_of(plain.node_ids[picked])          # the same places in both networks
    rec = compare(f"junction-aware per-site times within {cutoff_s:.0f} s (London)",
                  lambda: site_travel_times(with_controls, same, cutoff_s=cutoff_s),
                  "the network without junction delays (controls simplified away)",
                  lambda: site_travel_times(plain, picked, cutoff_s=cutoff_s), n=sites_n, repeat=3)
    kinds = with_controls.node_kinds()
    rec.notes = (f"{with_controls.n_nodes} nodes with controls kept ({int((kinds == 'traffic_signals').sum())} signals,"
                 f" {int((kinds == 'crossing').sum())} crossings) against {plain.n_nodes} without; ratio above 1: "
                 "the junction-aware engine is faster")
    return rec


def turns(data_dir, sites_n: int = 40, cutoff_s: float = 600.0) -> Record:
    """Per-site times on the edge-based network with turn penalties (left, right, U-turn) against today's node
    engine on the same stations' queries: what making routes feel their turns costs, and how much it changes."""
    from bluelight.analysis.turns import turn_network, turn_site_times

    net, _ = london_network(data_dir)
    rng = np.random.default_rng(4)
    picked = rng.choice(net.n_nodes, sites_n, replace=False)
    t0 = time.perf_counter()
    tnet = turn_network(net, {"turn_left": 3.0, "turn_right": 8.0, "u_turn": 20.0})
    build_s = time.perf_counter() - t0
    rec = compare(f"turn-penalised per-site times within {cutoff_s:.0f} s (London, edge-based)",
                  lambda: turn_site_times(tnet, picked, cutoff_s=cutoff_s),
                  "today's node engine, no turn penalties",
                  lambda: site_travel_times(net, picked, cutoff_s=cutoff_s), n=sites_n, repeat=3)
    turned = turn_site_times(tnet, picked, cutoff_s=cutoff_s).dense()
    plain = site_travel_times(net, picked, cutoff_s=cutoff_s).dense()
    both = np.isfinite(turned) & np.isfinite(plain)
    rec.notes = (f"{net.n_nodes} nodes, {len(net.edge_u)} edges, {tnet.n_movements} movements (built in "
                 f"{build_s:.2f} s); penalties left 3 s, right 8 s, U-turn 20 s: times to the same nodes "
                 f"{np.mean(turned[both] - plain[both]):.1f} s longer on average, "
                 f"{100 * np.mean(np.isfinite(plain) & ~np.isfinite(turned)):.1f}% of node-site pairs no longer "
                 "within the cutoff; ratio below 1: the edge-based engine is slower")
    return rec
