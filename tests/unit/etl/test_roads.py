"""Roads: drive filter, composition by OSM id, largest strongly connected component, travel times."""

import math

import osmium
import pytest

from bluelight.analysis.speeds import load_profile, parse_maxspeed_kph
from bluelight.etl.osm import is_drive_way
from bluelight.etl.roads import load_roads
from bluelight.foundation.errors import InputFileError

# about 100 m apart at 51.5 N: 0.0009 deg latitude, 0.00144 deg longitude
NODES = {1: (51.5, -0.1), 2: (51.5, -0.09856), 3: (51.5, -0.09712), 4: (51.5009, -0.09856),
         5: (51.4991, -0.09856), 6: (51.51, -0.1), 7: (51.51, -0.09856)}
WAYS = [
    (100, [1, 2, 3], {"highway": "residential", "maxspeed": "20 mph"}),
    (101, [2, 4], {"highway": "primary"}),
    (102, [5, 2], {"highway": "residential", "oneway": "yes"}),   # a one-way spur: no way back to 5
    (103, [6, 7], {"highway": "residential"}),                    # a separate island
    (104, [1, 6], {"highway": "footway"}),                        # not drivable: must not join the island
]


def osm_xml(nodes=NODES, ways=WAYS) -> str:
    out = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    for nid, (lat, lon) in nodes.items():
        out.append(f'<node id="{nid}" version="1" lat="{lat}" lon="{lon}"/>')
    for wid, refs, tags in ways:
        out.append(f'<way id="{wid}" version="1">' + "".join(f'<nd ref="{r}"/>' for r in refs)
                   + "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items()) + "</way>")
    out.append("</osm>")
    return "\n".join(out)


def test_network_keeps_strong_component_and_reports_drops(con, write):
    s = load_roads(con, [write("a.osm", osm_xml())])
    assert s.status == "loaded"
    nodes = {r[0] for r in con.execute("SELECT node_id FROM road_nodes").fetchall()}
    assert nodes == {1, 2, 3, 4}
    assert con.execute("SELECT nodes_dropped, components_dropped FROM road_networks").fetchone() == (3, 2)
    assert "3 nodes in 2 other components dropped" in s.message
    # both directions of the two-way streets, nothing of the one-way spur or the footway
    edges = {(u, v) for u, v in con.execute("SELECT u, v FROM road_edges").fetchall()}
    assert edges == {(1, 2), (2, 1), (2, 3), (3, 2), (2, 4), (4, 2)}


def test_lengths_speeds_and_travel_times(con, write):
    prof = load_profile("bluelight_v1")
    load_roads(con, [write("a.osm", osm_xml())], profile=prof)
    rows = {(u, v): (length, hw, mx, spd, tt) for u, v, length, hw, mx, spd, tt in con.execute(
        "SELECT u, v, length_m, highway, maxspeed_kph, speed_kph, travel_time_s FROM road_edges").fetchall()}
    length, hw, mx, spd, tt = rows[(1, 2)]
    assert length == pytest.approx(100, rel=0.03)          # ~100 m in British National Grid
    assert mx == pytest.approx(32.18688)                    # 20 mph
    assert spd == pytest.approx(min(prof.highway_kph["residential"], 32.18688 * prof.maxspeed_factor))
    assert tt == pytest.approx(length / (spd / 3.6))
    assert rows[(2, 4)][3] == prof.highway_kph["primary"]   # untagged: class speed


def test_extracts_compose_on_node_ids_and_pbf_reads(con, write, tmp_path):
    west = osm_xml(nodes={k: NODES[k] for k in (1, 2, 3)}, ways=[WAYS[0]])
    east = {k: NODES[k] for k in (2, 4)}
    pbf = tmp_path / "east.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as w:
        for nid, (lat, lon) in east.items():
            w.add_node(osmium.osm.mutable.Node(id=nid, location=(lon, lat), version=1))
        w.add_way(osmium.osm.mutable.Way(id=101, nodes=[2, 4], tags={"highway": "primary"}, version=1))
    s = load_roads(con, [write("west.osm", west), pbf])
    assert s.status == "loaded"
    assert {r[0] for r in con.execute("SELECT node_id FROM road_nodes").fetchall()} == {1, 2, 3, 4}
    assert load_roads(con, [pbf, tmp_path / "west.osm"]).status == "unchanged"   # order does not matter


def test_bad_road_files(con, write):
    with pytest.raises(InputFileError, match="no drivable"):
        load_roads(con, [write("f.osm", osm_xml(ways=[WAYS[4]]))])
    with pytest.raises(InputFileError, match="unknown road file type"):
        load_roads(con, [write("r.csv", "a,b\n")])
    with pytest.raises(InputFileError):
        load_roads(con, [write("bad.osm", "this is not xml")])
    assert con.execute("SELECT count(*) FROM road_nodes").fetchone()[0] == 0


def test_drive_filter_and_maxspeed():
    assert is_drive_way({"highway": "residential"})
    assert not is_drive_way({"highway": "footway"})
    assert not is_drive_way({"highway": "residential", "access": "private"})
    assert not is_drive_way({"highway": "service", "service": "parking_aisle"})
    assert parse_maxspeed_kph("30 mph") == pytest.approx(48.28032)
    assert parse_maxspeed_kph("['20 mph', '30 mph']") == pytest.approx(32.18688)
    assert parse_maxspeed_kph("50") == 50
    assert math.isnan(parse_maxspeed_kph("signals"))
    assert parse_maxspeed_kph("GB:nsl_single") == pytest.approx(96.56064)


def test_bad_graphml(con, write):
    with pytest.raises(InputFileError, match="GraphML"):
        load_roads(con, [write("r.graphml", "<graphml><node id=")])
