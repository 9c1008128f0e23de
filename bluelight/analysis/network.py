"""The road network as arrays: node coordinates and a directed CSR graph of edge travel times.

Built once from the warehouse's node and edge tables (or a synthetic region)
and a speed profile; everything downstream (travel times, coverage,
isochrones, calibration) works on these arrays with scipy.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import sparse

from bluelight.analysis.speeds import SpeedProfile, edge_speeds_kph, parse_maxspeed_kph
from bluelight.foundation.errors import AnalysisError
from bluelight.foundation.geo import BNG, WGS84, transformer
from bluelight.foundation.geo import to_bng as lonlat_to_bng

if TYPE_CHECKING:
    import networkx as nx


@dataclass(frozen=True)
class RoadNetwork:
    """A directed road network with travel times under one speed profile.

    Attributes
    ----------
    node_ids
        OSM (or synthetic) node ids, index order.
    x_m, y_m
        Node coordinates in EPSG:27700.
    edge_u, edge_v
        Edge endpoints as node indices.
    length_m, highway, maxspeed_kph, travel_time_s
        Per edge.
    graph
        CSR matrix ``graph[u, v]`` = fastest edge travel time from u to v.
    key
        Identifies network and profile together, for caching results.
    """

    node_ids: np.ndarray
    x_m: np.ndarray
    y_m: np.ndarray
    edge_u: np.ndarray
    edge_v: np.ndarray
    length_m: np.ndarray
    highway: np.ndarray
    maxspeed_kph: np.ndarray
    travel_time_s: np.ndarray
    graph: sparse.csr_matrix
    profile_key: str
    key: str
    arc_edge: sparse.csr_matrix | None = None
    rural: np.ndarray | None = None          # per edge, where the profile has rural speeds
    #: per node, its traffic control tagged in OSM ("traffic_signals", "crossing", "give_way", "stop"; "" none)
    node_control: np.ndarray | None = None

    def path_edges(self, predecessors: np.ndarray, target: int) -> list[int]:
        """Edge indices of the shortest path ending at ``target``, from a Dijkstra predecessor row."""
        if self.arc_edge is None:
            raise AnalysisError("this network keeps no arc-to-edge map: build it with build_network")
        edges = []
        node = int(target)
        while predecessors[node] >= 0:
            prev = int(predecessors[node])
            edges.append(int(self.arc_edge[prev, node]) - 1)
            node = prev
        return edges[::-1]

    @property
    def n_nodes(self) -> int:
        return len(self.node_ids)

    @cached_property
    def kdtree(self) -> Any:
        """A KD-tree of node coordinates, built on first use."""
        from scipy.spatial import cKDTree

        return cKDTree(np.column_stack([self.x_m, self.y_m]))

    @cached_property
    def reverse_graph(self) -> sparse.csr_matrix:
        """The graph with every arc turned round (row u holds the arcs into u), for searches backwards from a
        destination; built on first use."""
        return self.graph.T.tocsr()

    def index_of(self, node_ids: ArrayLike) -> np.ndarray:
        """Indices of the given node ids (raises if any is not in the network)."""
        ids = np.asarray(node_ids, dtype=np.int64)
        order = np.argsort(self.node_ids)
        pos = np.searchsorted(self.node_ids, ids, sorter=order)
        pos = np.clip(pos, 0, len(order) - 1)
        idx = order[pos]
        bad = self.node_ids[idx] != ids
        if bad.any():
            raise AnalysisError(f"{int(bad.sum())} node ids are not in the network, e.g. {ids[bad][:3].tolist()}")
        return idx

    def with_profile(self, profile: SpeedProfile) -> RoadNetwork:
        """The same roads with travel times under another profile."""
        return build_network(self.node_ids, self.x_m, self.y_m, self.node_ids[self.edge_u], self.node_ids[self.edge_v],
                             self.length_m, self.highway, self.maxspeed_kph, profile, node_control=self.node_control)

    def node_kinds(self) -> np.ndarray:
        """Each node's kind for junction delays: its tagged control, else "junction" where three or more roads
        meet (three or more distinct neighbours), else "" (a bend or the end of a road)."""
        return node_kinds(self.edge_u, self.edge_v, self.n_nodes, self.node_control)


def csr_min(u: np.ndarray, v: np.ndarray, w: np.ndarray, n: int) -> sparse.csr_matrix:
    """A CSR matrix keeping the smallest weight of parallel edges (scipy would add them).

    Parameters
    ----------
    u, v
        Each edge's start and end node.
    w
        Each edge's weight.
    n
        How many nodes.
    """
    return _csr_min_with_edges(u, v, w, n)[0]


def _csr_min_with_edges(u: np.ndarray, v: np.ndarray, w: np.ndarray, n: int) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    """:func:`csr_min` and a matching matrix of (edge index + 1) of the edge kept for each arc."""
    order = np.lexsort((w, v, u))
    us, vs, ws = u[order], v[order], w[order]
    first = np.ones(len(us), dtype=bool)
    first[1:] = (us[1:] != us[:-1]) | (vs[1:] != vs[:-1])
    # a zero weight would be read as "no edge" by csgraph: keep it strictly positive
    graph = sparse.csr_matrix((np.maximum(ws[first], 1e-6), (us[first], vs[first])), shape=(n, n))
    edges = sparse.csr_matrix((order[first] + 1, (us[first], vs[first])), shape=(n, n))
    return graph, edges


#: OSM node controls that delay a vehicle (``highway=*`` on a node); anything else counts as no control
NODE_CONTROLS = ("traffic_signals", "crossing", "give_way", "stop")


def node_kinds(edge_u: np.ndarray, edge_v: np.ndarray, n_nodes: int, node_control: np.ndarray | None = None) -> np.ndarray:
    """Per node: its control (:data:`NODE_CONTROLS`), else "junction" where 3+ distinct neighbours meet, else "".

    Parameters
    ----------
    edge_u, edge_v
        Each edge's start and end node.
    n_nodes
        How many nodes.
    node_control
        Each node's traffic control (empty where none).

    Examples
    --------
    >>> node_kinds(np.array([0, 1, 1, 1, 2]), np.array([1, 0, 2, 3, 1]), 4, np.array(["", "", "stop", ""])).tolist()
    ['', 'junction', 'stop', '']
    """
    lo = np.minimum(edge_u, edge_v).astype(np.int64)
    hi = np.maximum(edge_u, edge_v).astype(np.int64)
    key = np.unique((lo * n_nodes + hi)[lo != hi])          # each road between two nodes once (a 1-d sort)
    degree = np.bincount(np.concatenate([key // n_nodes, key % n_nodes]), minlength=n_nodes)
    out = np.where(degree >= 3, "junction", "").astype(object)
    if node_control is not None:
        control = np.asarray(node_control, dtype=object)
        tagged = np.isin(control, NODE_CONTROLS)
        out[tagged] = control[tagged]
    return out


def junction_delays_s(kinds: np.ndarray, profile: SpeedProfile) -> np.ndarray:
    """Per node, the profile's delay for its kind (0 where the profile has none).

    Parameters
    ----------
    kinds
        Each node's kind, as :func:`node_kinds` gives it.
    profile
        The speed profile (its junction delays by kind).
    """
    delay = profile.junction_delay_s or {}
    return np.array([float(delay.get(k, 0.0)) if k else 0.0 for k in kinds], dtype=float)


def build_network(node_ids: ArrayLike, x_m: ArrayLike, y_m: ArrayLike, u_ids: ArrayLike, v_ids: ArrayLike,
                  length_m: ArrayLike, highway: ArrayLike, maxspeed_kph: ArrayLike,
                  profile: SpeedProfile, *, node_control: ArrayLike | None = None) -> RoadNetwork:
    """Build a :class:`RoadNetwork` from node and edge arrays and a speed profile.

    An edge's travel time is its drive at the profile's speed plus the profile's delay at the node it enters
    (``junction_delay_s`` by node kind: tagged signals, crossings, give-ways and stops, or an untagged junction),
    so routes prefer fewer controlled junctions when that is faster.

    Parameters
    ----------
    node_ids, x_m, y_m
        Nodes with EPSG:27700 coordinates.
    u_ids, v_ids
        Directed edges as node ids (a two-way street is two edges).
    length_m, highway, maxspeed_kph
        Per edge; ``maxspeed_kph`` is NaN where untagged.
    node_control
        Per node, its OSM control tag (see :data:`NODE_CONTROLS`), or None where not recorded.
    """
    node_ids = np.asarray(node_ids, dtype=np.int64)
    if len(np.unique(node_ids)) != len(node_ids):
        raise AnalysisError("node_ids must be unique")
    length_m = np.asarray(length_m, dtype=float)
    if len(length_m) and (not np.isfinite(length_m).all() or (length_m < 0).any()):
        raise AnalysisError("edge lengths must be finite and non-negative")
    highway = np.asarray(highway, dtype=object)
    maxspeed = np.asarray(maxspeed_kph, dtype=float)
    tmp = RoadNetwork(node_ids, np.asarray(x_m, float), np.asarray(y_m, float), np.empty(0, int), np.empty(0, int),
                      length_m, highway, maxspeed, np.empty(0), sparse.csr_matrix((1, 1)), profile.key, "", None)
    u = tmp.index_of(u_ids)
    v = tmp.index_of(v_ids)
    rural = rural_edges(tmp.x_m, tmp.y_m, u, v, maxspeed, profile) if profile.rural_highway_kph else None
    tt = length_m / (edge_speeds_kph(highway, maxspeed, profile, rural=rural) / 3.6)
    control = None if node_control is None else np.asarray(node_control, dtype=object)
    if profile.junction_delay_s:
        tt = tt + junction_delays_s(node_kinds(u, v, len(node_ids), control), profile)[v]
    graph, arc_edge = _csr_min_with_edges(u, v, tt, len(node_ids))
    h = hashlib.sha256()
    for arr in (node_ids, u, v, np.round(length_m, 2)):
        h.update(np.ascontiguousarray(arr).tobytes())
    if control is not None and profile.junction_delay_s:          # the controls change the times: and the key
        code = np.zeros(len(control), dtype=np.int8)
        for i, kind in enumerate(NODE_CONTROLS, start=1):
            code[control == kind] = i
        h.update(code.tobytes())
    key = f"{h.hexdigest()[:16]}-{profile.key}"
    return RoadNetwork(node_ids, tmp.x_m, tmp.y_m, u, v, length_m, highway, maxspeed, tt, graph, profile.key, key,
                       arc_edge, rural, control)


def rural_edges(x_m: np.ndarray, y_m: np.ndarray, u: np.ndarray, v: np.ndarray, maxspeed_kph: ArrayLike,
                profile: SpeedProfile) -> np.ndarray:
    """Which edges are rural: by their tagged limit where it says (a national limit: rural; 30 mph: urban), else by
    how few junctions lie near them (``profile.rural_max_nodes`` within ``rural_radius_m`` of the middle).

    Parameters
    ----------
    x_m, y_m
        Node coordinates (EPSG:27700).
    u, v
        Each edge's start and end node.
    maxspeed_kph
        Each edge's tagged limit (NaN where untagged).
    profile
        The speed profile (``rural_max_nodes`` and ``rural_radius_m``).
    """
    from scipy.spatial import cKDTree

    mid = np.column_stack([(x_m[u] + x_m[v]) / 2, (y_m[u] + y_m[v]) / 2])
    near = cKDTree(np.column_stack([x_m, y_m])).query_ball_point(mid, profile.rural_radius_m, return_length=True)
    sparse_here = np.asarray(near) < profile.rural_max_nodes
    limit = np.asarray(maxspeed_kph, dtype=float)
    tagged = np.isfinite(limit) & (limit > 0)
    return np.where(tagged, limit > profile.urban_max_limit_kph, sparse_here)


def network_from_frames(nodes: pd.DataFrame, edges: pd.DataFrame, profile: SpeedProfile) -> RoadNetwork:
    """From tables with columns node_id, x_m, y_m (and optionally control) and u, v, length_m, highway,
    maxspeed_kph.

    Parameters
    ----------
    nodes
        Nodes: node_id, x_m, y_m (EPSG:27700) and optionally control.
    edges
        Edges: u, v (node ids), length_m, highway, maxspeed_kph.
    profile
        The speed profile the drive times are for.
    """
    for name, frame, cols in (("nodes", nodes, ("node_id", "x_m", "y_m")),
                              ("edges", edges, ("u", "v", "length_m", "highway", "maxspeed_kph"))):
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            raise AnalysisError(f"{name} lacks column(s) {missing}")
    control = nodes["control"].fillna("").to_numpy(object) if "control" in nodes.columns else None
    return build_network(nodes["node_id"], nodes["x_m"], nodes["y_m"], edges["u"], edges["v"], edges["length_m"],
                         edges["highway"], edges["maxspeed_kph"], profile, node_control=control)


def control_of(highway: object, crossing: object = None) -> str | None:
    """A node's traffic control (:data:`NODE_CONTROLS`) from its ``highway`` tag; a signalised crossing
    (``crossing=traffic_signals``) stops traffic as signals do.

    Parameters
    ----------
    highway
        The node's ``highway`` tag.
    crossing
        Its ``crossing`` tag, where a crossing.

    Examples
    --------
    >>> control_of("crossing", "traffic_signals"), control_of("crossing", "uncontrolled"), control_of("bus_stop")
    ('traffic_signals', 'crossing', None)
    """
    tag = _first(highway)
    if tag == "crossing" and _first(crossing) == "traffic_signals":
        return "traffic_signals"
    return str(tag) if tag in NODE_CONTROLS else None


#: road classes from major to minor; an edge osmnx merged from several ways takes the most minor of them
#: (as its speed limit takes the lowest), so the choice never depends on the order of a Python set
_HIGHWAY_ORDER = ("motorway", "trunk", "primary", "secondary", "tertiary", "motorway_link", "trunk_link",
                  "primary_link", "secondary_link", "tertiary_link", "unclassified", "residential", "living_street",
                  "service", "road")


def _first(value: object) -> object:
    """One value of a tag osmnx may have merged into a list: the least in sorted order, whatever the set's order."""
    return sorted(map(str, value))[0] if isinstance(value, list) and value else value


def _road_class(value: object) -> object:
    """The most minor of merged road classes (unknown classes count as more minor, then alphabetical)."""
    if not (isinstance(value, list) and value):
        return value
    rank = {tag: i for i, tag in enumerate(_HIGHWAY_ORDER)}
    return max(map(str, value), key=lambda tag: (rank.get(tag, len(rank)), tag))


def _osmid(value: object) -> str:
    return str(sorted(value)) if isinstance(value, list) else str(value)


def graph_tables(G: nx.MultiDiGraph, profile: SpeedProfile) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Node and edge tables of an unprojected osmnx graph, in EPSG:27700 with WGS84 copies.

    Parameters
    ----------
    G
        An osmnx ``MultiDiGraph`` in WGS84 (as ``graph_from_xml`` or ``load_graphml`` give).
    profile
        Speed profile for the ``speed_kph`` and ``travel_time_s`` columns.

    Returns
    -------
    nodes, edges
        ``nodes``: node_id, x_m, y_m, lon, lat, street_count, control; ``edges``: edge_id,
        u, v, key, osmid, name, highway, maxspeed_kph, oneway, length_m (measured
        in EPSG:27700), speed_kph, travel_time_s, speed_profile, wkb, wkb_wgs84.
    """
    if len(G) == 0:
        raise AnalysisError("the graph has no nodes")
    crs = str(G.graph.get("crs", "epsg:4326"))
    if crs.lower() not in {"epsg:4326", "wgs84", "wgs 84", "+proj=longlat +datum=wgs84 +no_defs"}:
        raise AnalysisError(f"the graph's CRS is {crs}: give an unprojected (EPSG:4326) osmnx graph, "
                            f"e.g. osmnx.project_graph(G, to_latlong=True)")
    from shapely import LineString, to_wkb
    from shapely import transform as shp_transform

    ids = np.fromiter(G.nodes, dtype=np.int64, count=len(G))
    lon = np.array([G.nodes[n]["x"] for n in G.nodes], dtype=float)
    lat = np.array([G.nodes[n]["y"] for n in G.nodes], dtype=float)
    x, y = lonlat_to_bng(lon, lat)
    nodes = pd.DataFrame({"node_id": ids, "x_m": x, "y_m": y, "lon": lon, "lat": lat,
                          "street_count": [G.nodes[n].get("street_count") for n in G.nodes],
                          "control": [control_of(G.nodes[n].get("highway"), G.nodes[n].get("crossing"))
                                      for n in G.nodes]})
    nodes["street_count"] = pd.to_numeric(nodes["street_count"], errors="coerce").astype("Int64")
    pos = {n: (lo, la) for n, lo, la in zip(ids, lon, lat)}
    rows = []
    geoms = []
    for u, v, k, d in G.edges(keys=True, data=True):
        geom = d.get("geometry")
        if geom is None:
            geom = LineString([pos[u], pos[v]])
        geoms.append(geom)
        rows.append((u, v, k, _osmid(d.get("osmid")), _first(d.get("name")), str(_road_class(d.get("highway")) or "road"),
                     parse_maxspeed_kph(d.get("maxspeed")), bool(d.get("oneway", False))))
    edges = pd.DataFrame(rows, columns=["u", "v", "key", "osmid", "name", "highway", "maxspeed_kph", "oneway"])
    to_bng = transformer(WGS84, BNG)
    bng = [shp_transform(g, lambda c: np.column_stack(to_bng.transform(c[:, 0], c[:, 1]))) for g in geoms]
    edges["length_m"] = np.array([g.length for g in bng])
    edges["speed_kph"] = edge_speeds_kph(edges["highway"], edges["maxspeed_kph"], profile)
    edges["travel_time_s"] = edges["length_m"] / (edges["speed_kph"] / 3.6)
    edges["speed_profile"] = profile.key
    edges["wkb"] = to_wkb(bng)
    edges["wkb_wgs84"] = to_wkb(geoms)
    edges.insert(0, "edge_id", np.arange(len(edges), dtype=np.int64))
    edges["name"] = edges["name"].astype("string")
    return nodes, edges


def network_from_osmnx(G: nx.MultiDiGraph, profile: SpeedProfile) -> RoadNetwork:
    """A :class:`RoadNetwork` from an unprojected osmnx graph (see :func:`graph_tables`).

    Parameters
    ----------
    G
        An unprojected osmnx graph (lon/lat).
    profile
        The speed profile.
    """
    nodes, edges = graph_tables(G, profile)
    return network_from_frames(nodes, edges, profile)
