"""A drive network streamed from one OSM extract into node and edge arrays, with no graph of the whole extract.

Two passes with pyosmium: the drive ways (their node references and the tags
the network needs), then the coordinates and traffic-control tags of only the
nodes those ways use. Ways that run past the extract's edge are cut at their
missing nodes. Simplification works on the arrays: a node is an endpoint when
more than one way (or one way twice) uses it, when it ends a way, or when it
carries a traffic control; each way is split at its endpoints into edges (two
for a two-way street). The largest strongly connected part is kept, as the
graph loader keeps it. Memory grows with the drive network, not with the
extract's other contents.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from bluelight.analysis.network import NODE_CONTROLS, control_of
from bluelight.analysis.speeds import SpeedProfile, edge_speeds_kph, parse_maxspeed_kph
from bluelight.etl.osm import _osm_limit, _over, is_drive_way
from bluelight.foundation.errors import InputFileError
from bluelight.foundation.geo import to_bng

log = logging.getLogger(__name__)

#: tags of a way kept on its edges
WAY_TAGS = ("highway", "oneway", "junction", "maxspeed", "name")


def _ways(path: Path) -> list[tuple[int, np.ndarray, dict]]:
    import osmium

    ways, max_way_nodes, max_ways = [], _osm_limit("way_nodes"), _osm_limit("extract_ways")
    try:
        for w in osmium.FileProcessor(str(path), osmium.osm.WAY):
            if len(ways) >= max_ways:
                raise _over(path, "drive ways in the extract", "extract_ways", len(ways))
            if not is_drive_way(w.tags):
                continue
            if len(w.nodes) > max_way_nodes:
                raise _over(path, f"nodes in way {w.id}", "way_nodes", len(w.nodes))
            ways.append((w.id, np.fromiter((n.ref for n in w.nodes), dtype=np.int64, count=len(w.nodes)),
                         {k: w.tags.get(k) for k in WAY_TAGS if k in w.tags}))
    except RuntimeError as exc:
        raise InputFileError(path, f"cannot be read as OSM data: {exc}") from exc
    return ways


def _nodes(path: Path, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Ids, lon, lat and control tag of the ``wanted`` nodes present in the file (sorted by id)."""
    import osmium

    want = set(wanted.tolist())
    ids, lon, lat, control = [], [], [], []
    try:
        for n in osmium.FileProcessor(str(path), osmium.osm.NODE):
            if n.id in want and n.location.valid():
                ids.append(n.id)
                lon.append(n.location.lon)
                lat.append(n.location.lat)
                control.append(control_of(n.tags.get("highway"), n.tags.get("crossing")) if n.tags else None)
    except RuntimeError as exc:
        raise InputFileError(path, f"cannot be read as OSM data: {exc}") from exc
    order = np.argsort(np.asarray(ids, dtype=np.int64))
    return (np.asarray(ids, dtype=np.int64)[order], np.asarray(lon, float)[order], np.asarray(lat, float)[order],
            np.asarray(control, dtype=object)[order])


def _direction(tags: dict) -> tuple[bool, bool]:
    """(forward, backward) travel allowed on a way, as osmnx reads ``oneway`` and roundabouts."""
    one = str(tags.get("oneway", "")).lower()
    if one in {"-1", "reverse"}:
        return False, True
    if one in {"yes", "true", "1"} or tags.get("junction") in {"roundabout", "circular"}:
        return True, False
    return True, True


def stream_drive_network(path: Path, profile: SpeedProfile, *, keep_controls: bool = True) -> dict:
    """Nodes and edges (the columns :func:`bluelight.analysis.network.graph_tables` gives) of one extract.

    Returns ``{"nodes", "edges", "dropped", "components", "edges_read"}``: the frames of the largest strongly
    connected part, the nodes and components dropped outside it, and the edges before that cut.
    """
    path = Path(path)
    ways = _ways(path)
    if not ways:
        raise InputFileError(path, "contains no drivable OSM ways (highway=* of the drive network)")
    refs = np.concatenate([r for _, r, _ in ways])
    ids, lon, lat, control = _nodes(path, np.unique(refs))
    if len(ids) > _osm_limit("extract_nodes"):
        raise _over(path, "nodes in the extract", "extract_nodes", len(ids))
    pos = np.searchsorted(ids, refs)
    present = (pos < len(ids)) & (ids[np.minimum(pos, len(ids) - 1)] == refs)
    uses = np.bincount(pos[present], minlength=len(ids))
    endpoint = uses >= 2
    if keep_controls:
        endpoint |= np.isin(control, NODE_CONTROLS)
    x, y = to_bng(lon, lat)
    rows, lines, start = [], [], 0
    for way_id, r, tags in ways:
        here = present[start:start + len(r)]
        idx = pos[start:start + len(r)]
        start += len(r)
        forward, backward = _direction(tags)
        for run in _runs(idx, here):                 # a way cut at the extract's edge: each part on its own
            cuts = [0] + [i for i in range(1, len(run) - 1) if endpoint[run[i]]] + [len(run) - 1]
            for a, b in zip(cuts, cuts[1:]):
                piece = run[a:b + 1]
                length = float(np.hypot(np.diff(x[piece]), np.diff(y[piece])).sum())
                for seq, ok in ((piece, forward), (piece[::-1], backward)):
                    if ok:
                        rows.append((seq[0], seq[-1], way_id, tags, length, not backward or not forward))
                        lines.append(seq)
    if not rows:
        raise InputFileError(path, "its drive ways have no two nodes inside the extract")
    u = np.array([r[0] for r in rows])
    v = np.array([r[1] for r in rows])
    keep_nodes, dropped, comps = _largest_strong(u, v, len(ids))
    keep_edge = keep_nodes[u] & keep_nodes[v]
    nodes_used = np.flatnonzero(keep_nodes)
    nodes = pd.DataFrame({"node_id": ids[nodes_used], "x_m": x[nodes_used], "y_m": y[nodes_used],
                          "lon": lon[nodes_used], "lat": lat[nodes_used],
                          "street_count": pd.array(_street_count(u, v, len(ids))[nodes_used], dtype="Int64"),
                          "control": control[nodes_used]})
    kept = np.flatnonzero(keep_edge)
    flat = np.concatenate([lines[i] for i in kept])
    which = np.repeat(np.arange(len(kept)), [len(lines[i]) for i in kept])
    geoms_wgs = shapely.linestrings(np.column_stack([lon[flat], lat[flat]]), indices=which)
    geoms_bng = shapely.linestrings(np.column_stack([x[flat], y[flat]]), indices=which)
    edges = pd.DataFrame({"u": ids[u[kept]], "v": ids[v[kept]], "key": 0,
                          "osmid": [str(rows[i][2]) for i in kept],
                          "name": pd.array([rows[i][3].get("name") for i in kept], dtype="string"),
                          "highway": [str(rows[i][3].get("highway") or "road") for i in kept],
                          "maxspeed_kph": [parse_maxspeed_kph(rows[i][3].get("maxspeed")) for i in kept],
                          "oneway": [rows[i][5] for i in kept],
                          "length_m": [rows[i][4] for i in kept]})
    edges["key"] = edges.groupby(["u", "v"]).cumcount()             # parallel edges, as a multigraph keys them
    edges["speed_kph"] = edge_speeds_kph(edges["highway"], edges["maxspeed_kph"], profile)
    edges["travel_time_s"] = edges["length_m"] / (edges["speed_kph"] / 3.6)
    edges["speed_profile"] = profile.key
    edges["wkb"] = shapely.to_wkb(geoms_bng)
    edges["wkb_wgs84"] = shapely.to_wkb(geoms_wgs)
    edges.insert(0, "edge_id", np.arange(len(edges), dtype=np.int64))
    log.info("%s: streamed %d drive ways into %d nodes and %d edges (%d nodes in %d other components dropped)",
             path, len(ways), len(nodes), len(edges), dropped, comps)
    return {"nodes": nodes, "edges": edges, "dropped": dropped, "components": comps, "edges_read": len(rows)}


def _runs(idx: np.ndarray, here: np.ndarray) -> list[np.ndarray]:
    """Runs of two or more consecutive present nodes (as node indices)."""
    out, run = [], []
    for i, ok in zip(idx, here):
        if ok:
            run.append(int(i))
            continue
        if len(run) >= 2:
            out.append(np.array(run))
        run = []
    if len(run) >= 2:
        out.append(np.array(run))
    return out


def _largest_strong(u: np.ndarray, v: np.ndarray, n: int) -> tuple[np.ndarray, int, int]:
    """Which nodes are in the largest strongly connected component, and (nodes dropped, components dropped)."""
    used = np.zeros(n, dtype=bool)
    used[u] = used[v] = True
    graph = sparse.csr_matrix((np.ones(len(u)), (u, v)), shape=(n, n))
    count, label = connected_components(graph, directed=True, connection="strong")
    sizes = np.bincount(label[used], minlength=count)
    biggest = int(np.argmax(sizes))
    keep = used & (label == biggest)
    components = int((sizes > 0).sum()) - 1
    return keep, int(used.sum() - keep.sum()), components


def _street_count(u: np.ndarray, v: np.ndarray, n: int) -> np.ndarray:
    """Distinct neighbours of each node (osmnx's street count, for a network without duplicate ways)."""
    pairs = np.unique(np.column_stack([np.minimum(u, v), np.maximum(u, v)]), axis=0)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    return np.bincount(pairs.ravel(), minlength=n)
