"""A drive network streamed from one OSM extract into node and edge arrays, with no graph of the whole extract.

DuckDB's ``ST_ReadOSM`` (the spatial extension already loaded for the
warehouse) reads the extract in two scans: the drive ways (chosen in SQL by
the osmnx "drive" rules, with their node references flattened in order and the
tags the network needs), then the coordinates and traffic-control tags of only
the nodes those ways use. Everything after is array work, with no loop over
ways: ways that run past the extract's edge are cut at their missing nodes; a
node is an endpoint when more than one way (or one way twice) uses it, when it
ends a way or a cut, or when it carries a traffic control; each way is split
at its endpoints into edges (two for a two-way street), their geometries
written as WKB straight from the coordinate arrays. The largest strongly
connected part is kept, as the graph loader keeps it. Memory grows with the
drive network, not with the extract's other contents.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from bluelight.analysis.network import NODE_CONTROLS
from bluelight.analysis.speeds import SpeedProfile, edge_speeds_kph, parse_maxspeed_kph
from bluelight.etl.osm import _EXCLUDED_HIGHWAY, _EXCLUDED_SERVICE, _osm_limit, _over
from bluelight.etl.scalars import scalar
from bluelight.foundation.errors import InputFileError
from bluelight.foundation.geo import to_bng

log = logging.getLogger(__name__)

#: tags of a way kept on its edges
WAY_TAGS = ("highway", "oneway", "junction", "maxspeed", "name")


#: the osmnx "drive" rules of :func:`bluelight.etl.osm.is_drive_way`, in SQL over a way's tags
def _drive_sql() -> str:
    excluded = ", ".join(f"'{h}'" for h in sorted(_EXCLUDED_HIGHWAY))
    service = ", ".join(f"'{h}'" for h in sorted(_EXCLUDED_SERVICE))
    return (f"tags['highway'] IS NOT NULL AND tags['highway'] NOT IN ({excluded}) "
            f"AND coalesce(tags['area'], '') <> 'yes' AND coalesce(tags['motor_vehicle'], '') <> 'no' "
            f"AND coalesce(tags['motorcar'], '') <> 'no' AND coalesce(tags['access'], '') <> 'private' "
            f"AND coalesce(tags['service'], '') NOT IN ({service})")


def _read(path: Path) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """The drive ways (id and tags, in file order), each reference's way row and node id (in way order), and the nodes
    they use that the extract holds (id, lon, lat, highway and crossing tags, by id)."""
    from bluelight.etl.warehouse import connect

    con = connect(":memory:")
    try:
        # one thread reads the file in its own order, as pyosmium did, and DuckDB keeps insertion order: every
        # later read of ``w`` and ``r`` is in that order (a list unnests in its own), with no sort
        con.execute("SET threads = 1")
        con.execute(f"CREATE TEMP TABLE w AS SELECT row_number() OVER () - 1 AS way_row, id, refs, tags "
                    f"FROM ST_ReadOSM(?) WHERE kind = 'way' AND {_drive_sql()}", [str(path)])
        count, longest = con.execute("SELECT count(*), coalesce(max(len(refs)), 0) FROM w").fetchone() or (0, 0)
        if count > _osm_limit("extract_ways"):
            raise _over(path, "drive ways in the extract", "extract_ways", count)
        if longest > _osm_limit("way_nodes"):
            wid = scalar(con, "SELECT id FROM w ORDER BY len(refs) DESC, id LIMIT 1")
            raise _over(path, f"nodes in way {wid}", "way_nodes", longest)
        ways = con.execute("SELECT id, " + ", ".join(f"tags['{k}'] AS {k}" for k in WAY_TAGS) + " FROM w").df()
        con.execute("CREATE TEMP TABLE r AS SELECT way_row, unnest(refs) AS ref FROM w")
        refs = con.execute("SELECT way_row, ref FROM r").fetchnumpy()
        nodes = con.execute("SELECT id, lon, lat, tags['highway'] AS highway, tags['crossing'] AS crossing "
                            "FROM ST_ReadOSM(?) WHERE kind = 'node' AND id IN (SELECT DISTINCT ref FROM r) "
                            "AND lon IS NOT NULL AND lat IS NOT NULL ORDER BY id", [str(path)]).fetchnumpy()
    except duckdb.Error as exc:
        raise InputFileError(path, f"cannot be read as OSM data: {exc}") from exc
    finally:
        con.close()
    way_row = np.asarray(refs["way_row"], dtype=np.int64)
    if len(way_row) and (np.diff(way_row) < 0).any():        # the order the splitting relies on, checked
        raise InputFileError(path, "its ways' node references came back out of order (please report this)")
    return ways, way_row, np.asarray(refs["ref"], dtype=np.int64), nodes


def _controls(highway: np.ndarray, crossing: np.ndarray) -> np.ndarray:
    """Each node's traffic control, as :func:`bluelight.analysis.network.control_of` reads its tags."""
    hw = pd.Series(highway, dtype=object)
    out = hw.where(hw.isin(NODE_CONTROLS), None)
    signals = (hw == "crossing") & (pd.Series(crossing, dtype=object) == "traffic_signals")
    out[signals] = "traffic_signals"
    return np.asarray(out.to_numpy(dtype=object))


def _directions(ways: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(forward, backward) travel allowed on each way, as osmnx reads ``oneway`` and roundabouts."""
    one = ways["oneway"].fillna("").astype(str).str.lower()
    reverse = one.isin(["-1", "reverse"]).to_numpy()
    single = (one.isin(["yes", "true", "1"]) | ways["junction"].isin(["roundabout", "circular"])).to_numpy()
    return ~reverse, reverse | ~single


def _pieces(way_row: np.ndarray, pos: np.ndarray, present: np.ndarray,
            endpoint: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each way's runs of present nodes split at endpoints, as (element index, piece) pairs in order.

    A run is a way's stretch between missing nodes (two or more nodes); a piece runs from one cut (a run's end,
    or an endpoint inside it) to the next, so an inner cut belongs to two pieces and is given twice.
    """
    n = len(way_row)
    start = np.ones(n, dtype=bool)
    start[1:] = (way_row[1:] != way_row[:-1]) | ~present[:-1]
    keep = np.flatnonzero(present)
    run = np.cumsum(start[keep]) - 1
    size = np.bincount(run)
    ok = size[run] >= 2
    keep, run = keep[ok], run[ok]
    first = np.ones(len(keep), dtype=bool)
    first[1:] = run[1:] != run[:-1]
    last = np.ones(len(keep), dtype=bool)
    last[:-1] = run[:-1] != run[1:]
    cut = first | last | endpoint[pos[keep]]
    starts = cut & ~last
    piece = np.cumsum(starts) - 1
    inner = cut & ~first & ~last
    twice = np.repeat(np.arange(len(keep)), np.where(inner, 2, 1))
    pieces = piece[twice].copy()
    again = np.flatnonzero(np.diff(twice) == 0)               # an inner cut's first copy ends the piece before
    pieces[again] -= 1
    return keep[twice], pieces


def _wkb(x: np.ndarray, y: np.ndarray, sizes: np.ndarray) -> list[bytes]:
    """Little-endian WKB linestrings from consecutive coordinates, ``sizes[i]`` points each, without shapely.

    One buffer holds every linestring (a 9-byte head, then its points), so each is a single slice of it.
    """
    n = len(sizes)
    nbytes = 9 + 16 * sizes.astype(np.int64)
    ends = np.cumsum(nbytes)
    begins = ends - nbytes
    buf = np.empty(int(ends[-1]) if n else 0, dtype=np.uint8)
    head = np.zeros(n, dtype=[("order", "u1"), ("kind", "<u4"), ("count", "<u4")])
    head["order"], head["kind"], head["count"] = 1, 2, sizes
    is_head = np.zeros(len(buf), dtype=bool)
    is_head[(begins[:, None] + np.arange(9)).ravel()] = True
    buf[is_head] = np.frombuffer(head.tobytes(), dtype=np.uint8)         # each head, then its points, in turn
    xy = np.empty(2 * len(x), dtype="<f8")
    xy[0::2], xy[1::2] = x, y
    np.place(buf, ~is_head, xy.view(np.uint8))
    data = buf.tobytes()
    return [data[b:e] for b, e in zip(begins.tolist(), ends.tolist())]


def stream_drive_network(path: Path, profile: SpeedProfile, *, keep_controls: bool = True) -> dict[str, Any]:
    """Nodes and edges (the columns :func:`bluelight.analysis.network.graph_tables` gives) of one extract.

    Returns ``{"nodes", "edges", "dropped", "components", "edges_read"}``: the frames of the largest strongly
    connected part, the nodes and components dropped outside it, and the edges before that cut.
    """
    path = Path(path)
    ways, way_row, refs, nd = _read(path)
    if ways.empty:
        raise InputFileError(path, "contains no drivable OSM ways (highway=* of the drive network)")
    ids = np.asarray(nd["id"], dtype=np.int64)
    if len(ids) > _osm_limit("extract_nodes"):
        raise _over(path, "nodes in the extract", "extract_nodes", len(ids))
    lon, lat = np.asarray(nd["lon"], float), np.asarray(nd["lat"], float)
    control = _controls(np.asarray(nd["highway"], dtype=object), np.asarray(nd["crossing"], dtype=object))
    pos = np.searchsorted(ids, refs)
    present = (pos < len(ids)) & (ids[np.minimum(pos, len(ids) - 1)] == refs)
    endpoint = np.bincount(pos[present], minlength=len(ids)) >= 2
    if keep_controls:
        endpoint |= np.isin(control, NODE_CONTROLS)
    x, y = to_bng(lon, lat)
    element, piece = _pieces(way_row, pos, present, endpoint)
    if not len(piece):
        raise InputFileError(path, "its drive ways have no two nodes inside the extract")
    node = pos[element]
    n_pieces = int(piece[-1]) + 1
    size = np.bincount(piece, minlength=n_pieces)
    begin = np.concatenate([[0], np.cumsum(size)[:-1]])
    same = piece[1:] == piece[:-1]
    step = np.hypot(np.diff(x[node]), np.diff(y[node]))
    length = np.bincount(piece[1:][same], weights=step[same], minlength=n_pieces)
    p_way = way_row[element[begin]]
    forward, backward = _directions(ways)
    fwd, bwd = forward[p_way], backward[p_way]
    # edges in piece order, each piece's forward edge before its backward one
    e_piece = np.repeat(np.arange(n_pieces), fwd.astype(int) + bwd.astype(int))
    e_back = np.zeros(len(e_piece), dtype=bool)
    e_back[1:] = (e_piece[1:] == e_piece[:-1])
    e_back |= ~fwd[e_piece]
    first, last = node[begin], node[begin + size - 1]
    u = np.where(e_back, last[e_piece], first[e_piece])
    v = np.where(e_back, first[e_piece], last[e_piece])
    keep_nodes, dropped, comps = _largest_strong(u, v, len(ids))
    kept = np.flatnonzero(keep_nodes[u] & keep_nodes[v])
    nodes_used = np.flatnonzero(keep_nodes)
    nodes = pd.DataFrame({"node_id": ids[nodes_used], "x_m": x[nodes_used], "y_m": y[nodes_used],
                          "lon": lon[nodes_used], "lat": lat[nodes_used],
                          "street_count": pd.array(_street_count(u, v, len(ids))[nodes_used], dtype="Int64"),
                          "control": control[nodes_used]})
    kp, kb = e_piece[kept], e_back[kept]
    # each kept edge's nodes, reversed for a backward edge
    k_size = size[kp]
    offset = np.repeat(np.cumsum(k_size) - k_size, k_size)
    within = np.arange(int(k_size.sum())) - offset
    owner = np.repeat(np.arange(len(kept)), k_size)
    at = begin[kp][owner] + np.where(kb[owner], k_size[owner] - 1 - within, within)
    seq = node[at]
    way_of = p_way[kp]                                  # each way's tags made once, then taken for its edges
    edges = pd.DataFrame({"u": ids[u[kept]], "v": ids[v[kept]], "key": 0,
                          "osmid": ways["id"].astype(str).to_numpy()[way_of],
                          "name": pd.array(ways["name"].to_numpy(), dtype="string").take(way_of),
                          "highway": ways["highway"].fillna("road").astype(str).to_numpy()[way_of],
                          "maxspeed_kph": _maxspeeds(ways["maxspeed"])[way_of],
                          "oneway": ~(fwd[kp] & bwd[kp]),
                          "length_m": length[kp]})
    edges["key"] = edges.groupby(["u", "v"]).cumcount()             # parallel edges, as a multigraph keys them
    edges["speed_kph"] = edge_speeds_kph(edges["highway"], edges["maxspeed_kph"], profile)
    edges["travel_time_s"] = edges["length_m"] / (edges["speed_kph"] / 3.6)
    edges["speed_profile"] = profile.key
    edges["wkb"] = _wkb(x[seq], y[seq], k_size)
    edges["wkb_wgs84"] = _wkb(lon[seq], lat[seq], k_size)
    edges.insert(0, "edge_id", np.arange(len(edges), dtype=np.int64))
    log.info("%s: streamed %d drive ways into %d nodes and %d edges (%d nodes in %d other components dropped)",
             path, len(ways), len(nodes), len(edges), dropped, comps)
    return {"nodes": nodes, "edges": edges, "dropped": dropped, "components": comps, "edges_read": len(u)}


def _maxspeeds(values: pd.Series) -> np.ndarray:
    """Tagged speed limits in km/h, each distinct tag parsed once."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    parsed = np.array([parse_maxspeed_kph(v) for v in uniques] + [float("nan")])
    return np.asarray(parsed[codes], dtype=float)


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
    lo, hi = np.minimum(u, v).astype(np.int64), np.maximum(u, v).astype(np.int64)
    pairs = np.sort((lo * n + hi)[lo != hi])                     # each unordered pair as one integer, sorted
    pairs = pairs[np.concatenate([[True], pairs[1:] != pairs[:-1]])] if len(pairs) else pairs
    return np.bincount(np.concatenate([pairs // n, pairs % n]), minlength=n)
