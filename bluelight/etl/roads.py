"""Load road networks: GraphML, OSM XML and PBF extracts composed into one drive network.

Extracts join on OSM node ids. Only the largest strongly connected component
is kept (a vehicle must be able to get out of anywhere it can get into), and
what was dropped is reported. Edge travel times are computed under the active
speed profile and stored with its key.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import duckdb
import networkx as nx
import pandas as pd

from bluelight.analysis.network import NODE_CONTROLS, graph_tables
from bluelight.analysis.speeds import SpeedProfile, load_profile
from bluelight.etl.loading import LoadSummary, Parsed, Written, run_load
from bluelight.etl.osm import configure_osmnx_offline, filter_drive_roads, osm_suffix
from bluelight.foundation.errors import InputFileError

log = logging.getLogger(__name__)


def read_graph(path: Path, work_dir: Path) -> nx.MultiDiGraph:
    """Read one extract as an unprojected osmnx drive graph."""
    configure_osmnx_offline()
    import osmnx as ox

    suffix = osm_suffix(path)
    if suffix == ".graphml":
        try:
            G = ox.load_graphml(path)
        except ElementTree.ParseError as exc:
            raise InputFileError(path, f"not valid GraphML/XML: {exc}") from exc
        except (ValueError, KeyError, SyntaxError, nx.NetworkXError) as exc:
            raise InputFileError(path, f"not an osmnx GraphML file: {exc}") from exc
        crs = str(G.graph.get("crs", "")).lower()
        if crs not in {"epsg:4326", "wgs84", ""}:
            G = ox.project_graph(G, to_latlong=True)
        return G
    if suffix in {".osm", ".osm.bz2", ".osm.gz", ".xml", ".osm.pbf", ".pbf"}:
        filtered, ways = filter_drive_roads(path, work_dir)
        if ways == 0:
            raise InputFileError(path, "contains no drivable OSM ways (highway=* of the drive network)")
        try:
            # unsimplified: another extract may meet this one at what is here an interstitial node
            return ox.graph_from_xml(filtered, simplify=False, retain_all=True)
        finally:
            filtered.unlink(missing_ok=True)
    raise InputFileError(path, f"unknown road file type {suffix!r}; expected .graphml, .osm, .osm.bz2 or .osm.pbf")


def compose(graphs: Sequence[nx.MultiDiGraph], *, keep_controls: bool = True) -> nx.MultiDiGraph:
    """One simplified graph from several extracts; shared OSM node ids join them.

    Unsimplified extracts are simplified here, each on its own, with every
    node they share with another extract kept as an endpoint, so that
    extracts still meet wherever they overlap, and every traffic control
    (signals, crossings, give-ways, stops) kept as a node.
    """
    import osmnx as ox

    seen: dict[int, int] = {}
    for H in graphs:
        for n in H.nodes:
            seen[n] = seen.get(n, 0) + 1
    shared = {n for n, k in seen.items() if k > 1}
    G = nx.MultiDiGraph(crs="epsg:4326")
    for H in graphs:
        if not H.graph.get("simplified", False):
            nx.set_node_attributes(H, {n: True for n in shared if n in H}, "bluelight_join")
            # a traffic control mid-street stays a node, so that its delay is counted (see network.NODE_CONTROLS)
            if keep_controls:
                nx.set_node_attributes(H, {n: True for n, d in H.nodes(data=True)
                                           if str(d.get("highway")) in NODE_CONTROLS}, "bluelight_control")
            H = ox.simplify_graph(H, node_attrs_include=["bluelight_join", "bluelight_control"])
        for n, data in H.nodes(data=True):
            data.pop("bluelight_join", None)
            data.pop("bluelight_control", None)
            if n not in G:
                G.add_node(n, **data)
        for u, v, data in H.edges(data=True):
            if G.has_edge(u, v) and any(_same_edge(d, data) for d in G[u][v].values()):
                continue
            G.add_edge(u, v, **data)
    return G


def _same_edge(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return str(a.get("osmid")) == str(b.get("osmid")) and abs(float(a.get("length", 0)) - float(b.get("length", 0))) < 1.0


def largest_strong_component(G: nx.MultiDiGraph) -> tuple[nx.MultiDiGraph, int, int]:
    """The largest strongly connected component, and (nodes dropped, components dropped)."""
    comps = list(nx.strongly_connected_components(G))
    if not comps:
        return G, 0, 0
    biggest = max(comps, key=len)
    return G.subgraph(biggest).copy(), len(G) - len(biggest), len(comps) - 1


def parse_roads(paths: Sequence[Path], profile: SpeedProfile, *, keep_controls: bool = True) -> Parsed:
    """The composed, simplified network of ``paths``; ``keep_controls=False`` simplifies traffic controls away
    (the network before junction delays, kept for comparison in the benchmarks)."""
    with tempfile.TemporaryDirectory(prefix="bluelight-roads-") as tmp:
        graphs = []
        for p in paths:
            G = read_graph(Path(p), Path(tmp))
            log.info("%s: %d nodes, %d edges", p, len(G), G.number_of_edges())
            graphs.append(G)
    G = compose(graphs, keep_controls=keep_controls)
    total, total_edges = len(G), G.number_of_edges()
    G, dropped, comps = largest_strong_component(G)
    if len(G) == 0:
        raise InputFileError(paths[0], "the road network is empty after keeping its largest strongly connected part")
    log.info("composed %d nodes; kept the largest strongly connected component of %d nodes, "
             "dropped %d nodes in %d other components", total, len(G), dropped, comps)
    nodes, edges = graph_tables(G, profile)
    # counted in edges, read and loaded alike (the rows of road_edges); the difference is the other components
    return Parsed(edges, rows_read=total_edges, extra={"nodes": nodes, "dropped": dropped, "components": comps,
                                                      "edges_dropped": total_edges - len(edges),
                                                      "profile": profile.key})


def _write_roads(con: duckdb.DuckDBPyConnection, parsed: Parsed, run_id: int, sources: str) -> Written:
    nodes: pd.DataFrame = parsed.extra["nodes"].assign(load_run_id=run_id)
    edges = parsed.frame.assign(load_run_id=run_id)
    con.execute("DELETE FROM road_edges")
    con.execute("DELETE FROM road_nodes")
    con.register("_nodes", nodes)
    con.execute("INSERT INTO road_nodes SELECT node_id, x_m, y_m, lon, lat, street_count, control, load_run_id "
                "FROM _nodes")
    con.unregister("_nodes")
    con.register("_edges", edges)
    con.execute(
        "INSERT INTO road_edges SELECT edge_id, u, v, key, osmid, name, highway, maxspeed_kph, oneway, length_m, "
        "speed_kph, travel_time_s, speed_profile, load_run_id, g, g84, m, ST_XMin(m), ST_YMin(m), ST_XMax(m), "
        "ST_YMax(m) FROM (SELECT *, ST_GeomFromWKB(wkb) AS g, ST_GeomFromWKB(wkb_wgs84) AS g84, "
        "ST_Transform(ST_GeomFromWKB(wkb_wgs84), 'EPSG:4326', 'EPSG:3857', always_xy := true) AS m FROM _edges)"
    )
    con.unregister("_edges")
    con.execute("INSERT INTO road_networks VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [run_id, sources, len(nodes), len(edges), parsed.extra["dropped"], parsed.extra["components"],
                 parsed.extra["profile"], datetime.now(UTC).replace(tzinfo=None)])
    msg = (f"edges counted: {len(nodes)} nodes and {len(edges)} edges kept (the largest strongly connected "
           f"component); {parsed.extra['edges_dropped']} edges and {parsed.extra['dropped']} nodes in "
           f"{parsed.extra['components']} other components dropped (not reachable both ways from the rest)")
    return Written(loaded=len(edges), message=msg)


#: one extract larger than this streams into arrays by default (a county's PBF is 30 to 300 MB)
STREAM_ABOVE_MB = 50.0


def load_roads(con: duckdb.DuckDBPyConnection, paths: Sequence[str | Path], *,
               profile: str | SpeedProfile | None = None, stream: bool | None = None) -> LoadSummary:
    """Replace the warehouse's road network with the composition of ``paths``.

    Parameters
    ----------
    paths
        One or more extracts (.graphml, .osm, .osm.bz2, .osm.pbf).
    profile
        Speed profile (name, path or object) for the stored travel times;
        default the latest version. Analysis recomputes times under
        whichever profile it is given, so this column is for inspection.
    stream
        Stream one .osm.pbf or .osm extract into arrays (:mod:`bluelight.etl.pbf_stream`) instead of building a
        graph of it: for county-size extracts, in a fraction of the time and memory. None (the default) streams
        a single .osm.pbf larger than :data:`STREAM_ABOVE_MB`.
    """
    if not paths:
        raise InputFileError("<roads>", "no road files given")
    files = [Path(p) for p in paths]
    prof = profile if isinstance(profile, SpeedProfile) else load_profile(profile)
    sources = ";".join(str(p) for p in files)
    if stream is None:
        stream = (len(files) == 1 and osm_suffix(files[0]) in {".osm.pbf", ".pbf"} and files[0].is_file()
                  and files[0].stat().st_size > STREAM_ABOVE_MB * 2 ** 20)
    if stream and (len(files) != 1 or osm_suffix(files[0]) not in {".osm.pbf", ".pbf", ".osm", ".xml"}):
        raise InputFileError(files[0], "streaming reads one .osm.pbf or .osm extract; compose several without it")
    return run_load(con, dataset="roads", loader="roads-stream" if stream else "roads", paths=files,
                    parse=lambda: parse_streamed(files[0], prof) if stream else parse_roads(files, prof),
                    write=lambda c, parsed, run_id: _write_roads(c, parsed, run_id, sources),
                    options={"profile": prof.key, "stream": stream})


def parse_streamed(path: Path, profile: SpeedProfile) -> Parsed:
    """:func:`parse_roads` for one extract, by streaming it into arrays (no graph of the whole extract)."""
    from bluelight.etl.pbf_stream import stream_drive_network

    r = stream_drive_network(path, profile)
    return Parsed(r["edges"], rows_read=r["edges_read"], extra={"nodes": r["nodes"], "dropped": r["dropped"],
                                                               "components": r["components"],
                                                               "edges_dropped": r["edges_read"] - len(r["edges"]),
                                                               "profile": profile.key})
