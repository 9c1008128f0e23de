"""The streamed road loader: drive ways split at shared nodes and controls, one-ways honoured, clipped ways cut."""

import osmium
import pytest

from bluelight.analysis.speeds import load_profile
from bluelight.etl.pbf_stream import stream_drive_network
from bluelight.foundation.errors import InputFileError


def _write(path, nodes, ways):
    with osmium.SimpleWriter(str(path)) as w:
        for nid, lon, lat, tags in nodes:
            w.add_node(osmium.osm.mutable.Node(id=nid, location=(lon, lat), tags=tags))
        for wid, refs, tags in ways:
            w.add_way(osmium.osm.mutable.Way(id=wid, nodes=refs, tags=tags))


def _square(path, *, extra_ways=()):
    # 1 - 2 - 3 along a street with signals at 2; 3 - 4 - 1 back, one-way; a footway that is not driven
    lon = {1: -0.1000, 2: -0.0990, 3: -0.0980, 4: -0.0990, 5: -0.0970}
    lat = {1: 51.5000, 2: 51.5000, 3: 51.5000, 4: 51.5010, 5: 51.5010}
    nodes = [(n, lon[n], lat[n], {"highway": "traffic_signals"} if n == 2 else {}) for n in lon]
    ways = [(10, [1, 2, 3], {"highway": "residential", "name": "High Street"}),
            (11, [3, 4, 1], {"highway": "residential", "oneway": "yes"}),
            (12, [3, 5], {"highway": "footway"}), *extra_ways]
    _write(path, nodes, ways)


def test_ways_split_at_controls_and_shared_nodes_with_one_ways(tmp_path):
    path = tmp_path / "square.osm.pbf"
    _square(path)
    r = stream_drive_network(path, load_profile("bluelight_v1"))
    nodes, edges = r["nodes"], r["edges"]
    assert sorted(nodes["node_id"]) == [1, 2, 3]                  # 4 is a bend of the one-way: no node of its own
    assert set(nodes.loc[nodes["control"].notna(), "node_id"]) == {2}          # the signals stay a node
    pairs = set(zip(edges["u"], edges["v"]))
    assert {(1, 2), (2, 1), (2, 3), (3, 2)} <= pairs                           # two-way street, split at 2
    assert (3, 1) in pairs and (1, 3) not in pairs                             # the one-way, 3 -> 4 -> 1 in one
    one = edges[(edges["u"] == 3) & (edges["v"] == 1)].iloc[0]
    assert one["oneway"] and one["length_m"] == pytest.approx(2 * 131.0, rel=0.02)  # via 4: 69 m east, 111 m north
    assert (edges["highway"] != "footway").all() and edges["name"].iloc[0] == "High Street"
    assert r["edges_read"] == len(edges) and r["dropped"] == 0


def test_a_way_past_the_extract_edge_is_cut_and_an_empty_extract_refused(tmp_path):
    path = tmp_path / "clipped.osm.pbf"
    _square(path, extra_ways=[(13, [3, 99, 5], {"highway": "residential"})])   # node 99 is not in the extract
    r = stream_drive_network(path, load_profile("bluelight_v1"))
    assert 99 not in set(r["nodes"]["node_id"]) and not ((r["edges"]["u"] == 99) | (r["edges"]["v"] == 99)).any()
    empty = tmp_path / "footpaths.osm.pbf"
    _write(empty, [(1, -0.1, 51.5, {}), (2, -0.09, 51.5, {})], [(10, [1, 2], {"highway": "footway"})])
    with pytest.raises(InputFileError, match="no drivable OSM ways"):
        stream_drive_network(empty, load_profile("bluelight_v1"))


def test_the_sql_drive_rule_agrees_with_is_drive_way(tmp_path):
    """The streamer chooses drive ways in SQL; the graph loader in Python: the same ways, tag by tag."""
    from bluelight.etl.osm import is_drive_way

    cases = [{"highway": "residential"}, {"highway": "footway"}, {"highway": "service"},
             {"highway": "primary", "area": "yes"}, {"highway": "primary", "motor_vehicle": "no"},
             {"highway": "primary", "motorcar": "no"}, {"highway": "tertiary", "access": "private"},
             {"highway": "unclassified", "service": "driveway"}, {"highway": "trunk", "service": "bus"},
             {"highway": "living_street", "access": "yes"}, {"highway": "track"}, {"highway": "motorway_link"}]
    nodes = [(i, -0.1 + 0.001 * i, 51.5, {}) for i in range(1, 2 * len(cases) + 3)]
    ways = [(100 + k, [2 * k + 1, 2 * k + 2, 2 * k + 3], tags) for k, tags in enumerate(cases)]
    _write(tmp_path / "rules.osm.pbf", nodes, ways)
    edges = stream_drive_network(tmp_path / "rules.osm.pbf", load_profile("bluelight_v1"),
                                 keep_controls=False)["edges_read"]
    chosen = [is_drive_way(t) for t in cases]
    assert sum(chosen) == 4 and edges > 0
    from bluelight.etl.pbf_stream import _read

    ways_read = _read(tmp_path / "rules.osm.pbf")[0]
    assert sorted(ways_read["id"].tolist()) == [100 + k for k, ok in enumerate(chosen) if ok]
