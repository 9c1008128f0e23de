"""A rural area nobody tuned to, loaded in one command: long links, far-off centroids, on-call duty, no London."""

from __future__ import annotations

import gzip
import json

import numpy as np

from bluelight.cli import main
from bluelight.foundation.geo import to_bng, to_wgs84

#: a stretch of Lincolnshire: a secondary road west to east with nodes 4 km apart, and two side roads
ROAD_LAT, LON0, LON1 = 53.10, -0.60, -0.20


def _osm(path, *, with_station=True):
    lons = np.linspace(LON0, LON1, 8)
    nodes = [(i + 1, lon, ROAD_LAT) for i, lon in enumerate(lons)]
    nodes += [(101, lons[2], ROAD_LAT + 0.04), (102, lons[5], ROAD_LAT - 0.04)]
    ways = [(1, [n[0] for n in nodes[:8]], "secondary"), (2, [3, 101], "unclassified"), (3, [6, 102], "unclassified")]
    xml = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    xml += [f'<node id="{i}" lat="{lat:.6f}" lon="{lon:.6f}" version="1"/>' for i, lon, lat in nodes]
    if with_station:
        xml.append(f'<node id="900" lat="{ROAD_LAT + 0.0005:.6f}" lon="{lons[1] + 0.001:.6f}" version="1">'
                   '<tag k="amenity" v="fire_station"/><tag k="name" v="Ruskington Fire Station"/></node>')
    for w, refs, hw in ways:
        xml.append(f'<way id="{w}" version="1">' + "".join(f'<nd ref="{r}"/>' for r in refs)
                   + f'<tag k="highway" v="{hw}"/></way>')
    path.write_text("\n".join(xml + ["</osm>"]))
    return path, lons


def _data_dir(root, lons, *, population=True):
    """A data directory with the national files' layouts: five LSOAs 150 m off the road, far from any node."""
    pop = root / "england" / "population"
    pop.mkdir(parents=True)
    codes = [f"E0100{i:04d}" for i in range(5)]
    xs = [(lons[k] + lons[k + 1]) / 2 for k in range(5)]          # midway between nodes 4 km apart
    e, n = to_bng(xs, [ROAD_LAT] * 5)
    lon, lat = to_wgs84(e, np.asarray(n) + 150.0)
    if population:
        rows = ["X,Y,objectid,lsoa11cd,lsoa11nm"] + [f"{a},{b},{i},{c},North Kesteven 00{i}A"
                                                     for i, (a, b, c) in enumerate(zip(lon, lat, codes))]
        (pop / "lsoa11_population_weighted_centroids.csv").write_text("\n".join(rows) + "\n", encoding="utf-8-sig")
        header = ["LSOA Code", "LSOA Name", "LA Code (2019 boundaries)", "LA name (2019 boundaries)", "All Ages"]
        header += [str(a) for a in range(90)] + ["90+"]
        lines = ["Contents,,,", "", '"Table SAPE22DT2: Mid-2019 Population Estimates",,', ",".join(header)]
        for i, c in enumerate(codes):
            ages = [10 + i] * 91
            lines.append(",".join([c, f"North Kesteven 00{i}A", "E07000139", "North Kesteven",
                                   f'"{sum(ages):,}"' if sum(ages) > 999 else str(sum(ages))] + [str(a) for a in ages]))
        with gzip.open(pop / "lsoa11_population_mid2019_single_year.csv.gz", "wt", encoding="utf-8") as fh:
            fh.write("\n".join(lines) + "\n")
    st = root / "england" / "stations"
    st.mkdir(parents=True)
    se, sn = to_bng([lons[1] + 0.001], [ROAD_LAT + 0.0005])
    (st / "fire_stations_duty_and_coresponder.csv").write_text(
        "fire-station,station_name,postcode,uprn,fire-duty-type,fire-co-responder-station,fire-authority,start-date,"
        "end-date,FRS_FULLNAME,STATION_NAME,STATION_EASTING,STATION_NORTHING\n"
        f"1,Ruskington,NG34 9AA,,Retained,no,40,,,Lincolnshire,Ruskington,{se[0] + 40:.0f},{sn[0]:.0f}\n")
    return root


def _json(capsys, argv):
    capsys.readouterr()
    code = main(argv)
    out = capsys.readouterr()
    return code, (json.loads(out.out) if code == 0 and out.out.strip().startswith("{") else out.err)


def test_rural_area_loads_and_is_on_the_network(tmp_path, monkeypatch, capsys):
    osm, lons = _osm(tmp_path / "rural.osm")
    monkeypatch.setenv("BLUELIGHT_DATA_DIR", str(_data_dir(tmp_path / "data", lons)))
    wh = str(tmp_path / "w.duckdb")
    code, report = _json(capsys, ["etl", "region", "--roads", str(osm), "--warehouse", wh, "--json"])
    assert code == 0 and report["speed_profile"] == "national_v1"
    steps = {s["step"]: s for s in report["steps"]}
    assert steps["population"]["status"] == "loaded" and "5 LSOAs" in steps["population"]["found"]
    assert "1 of 1 fire stations listed with a duty system" in steps["fire duty systems"]["found"]
    code, cov = _json(capsys, ["coverage", "--service", "fire", "--threshold-s", "600", "--warehouse", wh, "--json"])
    assert code == 0 and cov["profile"] == "national@1"
    s = cov["baseline"]["summary"]
    assert s["demand_off_network"] == 0 and s["demand_on_network"] == s["demand_total"] > 0   # >= 95% on network
    # the centroids are 2 km from the nearest junction: snapped to nodes, they would all be off the network
    from bluelight.etl.warehouse import connect
    from bluelight.services.inputs import session_profile
    from bluelight.services.session import DemandSpec, Session

    con = connect(wh, read_only=True)
    session = Session.over(con, session_profile(con, None))
    pts = session.demand(DemandSpec())
    assert (session.snap(pts).distance_m > 1000).all() and (pts["snap_m"] < 200).all()
    assert session.network.rural.mean() > 0.9                        # sparse roads: rural speeds
    fire = session.sites("fire")
    assert fire["duty_system"].tolist() == ["on_call"] and fire["turnout"].iloc[0] == 300.0
    con.close()
    code, _ = _json(capsys, ["isochrones", "--service", "fire", "--bands", "300,600", "--out",
                             str(tmp_path / "iso.geojson"), "--warehouse", wh])
    assert code == 0
    code, plan = _json(capsys, ["dap", "--k", "1", "--candidates", "fire", "--warehouse", wh, "--json"])
    assert code == 0 and plan["profile"] == "national@1"
    code, cr = _json(capsys, ["coresponding", "--warehouse", wh, "--json"])
    assert code != 0 and "ambulance" in cr                          # no ambulance station: said, not crashed


def test_a_region_without_population_refuses_to_report_from_zero_demand(tmp_path, monkeypatch, capsys):
    osm, lons = _osm(tmp_path / "rural.osm")
    monkeypatch.setenv("BLUELIGHT_DATA_DIR", str(_data_dir(tmp_path / "data", lons, population=False)))
    wh = str(tmp_path / "w.duckdb")
    code, report = _json(capsys, ["etl", "region", "--roads", str(osm), "--warehouse", wh, "--json"])
    pop = {s["step"]: s for s in report["steps"]}["population"]
    assert code == 0 and pop["status"] == "skipped" and "bluelight etl population" in pop["missing"]
    for argv in (["coverage", "--service", "fire", "--threshold-s", "600"], ["dap", "--k", "1", "--candidates", "fire"]):
        code, err = _json(capsys, [*argv, "--warehouse", wh, "--json"])
        assert code == 2 and "population" in err and "load" in err, err


def test_population_with_totals_only_uses_the_stated_age_structure(tmp_path, capsys, write):
    osm, lons = _osm(tmp_path / "rural.osm")
    wh = str(tmp_path / "w.duckdb")
    assert main(["etl", "roads", str(osm), "--warehouse", wh]) == 0
    e, n = to_bng([lons[2]], [ROAD_LAT])
    path = write("pop.csv", f"zone_code,pop_total,easting,northing\nZ1,1000,{e[0]:.0f},{n[0] + 100:.0f}\n")
    assert main(["etl", "population", str(path), "--warehouse", wh]) == 0
    assert main(["etl", "sites-from-osm", str(osm), "--warehouse", wh]) == 0
    code, plan = _json(capsys, ["dap", "--k", "1", "--candidates", "fire", "--demand", "expected", "--warehouse", wh,
                                "--json"])
    assert code == 0
    demand = plan["bands"]["all"]["demand"]
    assert "no age bands" in demand["age_bands_filled"] and plan["bands"]["all"]["demand_total"] > 0


def _grid_osm(path, *, lat0=52.66, lon0=-0.75, n=13, step_deg=0.006):
    """A county-sized patch of streets: an n x n grid of roads about 400-650 m apart, and two fire stations."""
    xml = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    ids = {}
    for i in range(n):
        for j in range(n):
            ids[i, j] = 1 + i * n + j
            xml.append(f'<node id="{ids[i, j]}" lat="{lat0 + i * step_deg:.6f}" lon="{lon0 + j * step_deg:.6f}" '
                       'version="1"/>')
    way = 1
    for i in range(n):
        for refs in ([ids[i, j] for j in range(n)], [ids[j, i] for j in range(n)]):
            xml.append(f'<way id="{way}" version="1">' + "".join(f'<nd ref="{r}"/>' for r in refs)
                       + '<tag k="highway" v="residential"/></way>')
            way += 1
    for k, (name, i, j) in enumerate((("Oakham Fire Station", 2, 2), ("Uppingham Fire Station", 10, 10))):
        xml.append(f'<node id="{9000 + k}" lat="{lat0 + i * step_deg + 0.0004:.6f}" '
                   f'lon="{lon0 + j * step_deg + 0.0004:.6f}" version="1"><tag k="amenity" v="fire_station"/>'
                   f'<tag k="name" v="{name}"/></node>')
    path.write_text("\n".join(xml + ["</osm>"]))
    return path, (lat0, lon0, n, step_deg)


def _county_data(root, grid, *, neighbours: int = 6):
    """LSOAs on the county's streets, and neighbours 3-4 km beyond its edge (no roads of the extract there);
    a duty list naming both stations without a duty type; FIRE1001 with the service's turnout."""
    lat0, lon0, n, step = grid
    inside = [(lat0 + (i + 0.5) * step * 2, lon0 + j * step * 2 + 0.0003) for i in range(n // 2) for j in range(n // 2)]
    top = lat0 + (n - 1) * step
    outside = [(top + 0.028 + 0.002 * k, lon0 + 0.01 * k) for k in range(neighbours)]   # 3-4 km north
    pts = inside + outside
    codes = [f"E0110{i:04d}" for i in range(len(pts))]
    pop = root / "england" / "population"
    pop.mkdir(parents=True)
    rows = ["X,Y,objectid,lsoa11cd,lsoa11nm"] + [f"{lon},{lat},{i},{c},Rutland 0{i:02d}A"
                                                 for i, ((lat, lon), c) in enumerate(zip(pts, codes))]
    (pop / "lsoa11_population_weighted_centroids.csv").write_text("\n".join(rows) + "\n", encoding="utf-8-sig")
    header = ["LSOA Code", "LSOA Name", "LA Code (2019 boundaries)", "LA name (2019 boundaries)", "All Ages"]
    header += [str(a) for a in range(90)] + ["90+"]
    lines = ["Contents,,,", "", '"Table SAPE22DT2: Mid-2019 Population Estimates",,', ",".join(header)]
    for c in codes:
        ages = [15] * 91
        lines.append(",".join([c, "Rutland", "E06000017", "Rutland", f'"{sum(ages):,}"'] + [str(a) for a in ages]))
    with gzip.open(pop / "lsoa11_population_mid2019_single_year.csv.gz", "wt", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    st = root / "england" / "stations"
    st.mkdir(parents=True)
    e, nn = to_bng([lon0 + 2 * step + 0.0004, lon0 + 10 * step + 0.0004], [lat0 + 2 * step + 0.0004,
                                                                          lat0 + 10 * step + 0.0004])
    (st / "fire_stations_duty_and_coresponder.csv").write_text(
        "fire-station,station_name,postcode,uprn,fire-duty-type,fire-co-responder-station,fire-authority,start-date,"
        "end-date,FRS_FULLNAME,STATION_NAME,STATION_EASTING,STATION_NORTHING\n"
        f"1,Oakham,LE15 6AA,,,no,40,,,Leicestershire,Oakham Fire Station,{e[0]:.0f},{nn[0]:.0f}\n")
    (st / "fire_stations_england_2017.csv").write_text(
        "FRS_FULLNAME,E_CODE,STATION_NAME,STATION_ADDRESS,STATION_POSTCODE,STATION_EASTING,STATION_NORTHING,lon,lat\n"
        f"Leicestershire,E06000017,Oakham,x,LE15,{e[0]:.0f},{nn[0]:.0f},0,0\n"
        f"Leicestershire,E06000017,Uppingham,x,LE15,{e[1]:.0f},{nn[1]:.0f},0,0\n")
    rt = root / "england" / "response_times"
    rt.mkdir(parents=True)
    (rt / "fire1001_response_times_by_frs.csv").write_text(
        "FINANCIAL_YEAR,FIRE_TYPE,LOCATION_CATEGORY,INCIDENTS,TOTAL_RESPONSE_TIME_min,CALL_HANDLING_TIME_min,"
        "CREW_TURNOUT_TIME_min,DRIVE_TIME_min\n2019/20,Dwellings,Leicestershire,900,9.1,1.4,2.35,5.35\n")
    return root, len(inside), len(outside)


def test_a_county_loads_what_it_contains_and_its_stations_turn_out_like_their_service(tmp_path, monkeypatch, capsys):
    from bluelight.analysis.national import station_turnouts_min
    from bluelight.etl.warehouse import connect

    osm, grid = _grid_osm(tmp_path / "county.osm")
    data, n_in, n_out = _county_data(tmp_path / "data", grid)
    monkeypatch.setenv("BLUELIGHT_DATA_DIR", str(data))
    wh = str(tmp_path / "w.duckdb")
    code, report = _json(capsys, ["etl", "region", "--roads", str(osm), "--warehouse", wh, "--json"])
    assert code == 0, report
    steps = {s["step"]: s for s in report["steps"]}
    pop = steps["population"]["load"]
    assert f"{n_in} LSOAs inside the extract" in steps["population"]["found"]
    assert pop["lsoas_outside_extract"] == n_out and "outside the extract" in steps["population"]["found"]
    assert pop["on_network_share"] >= 0.95
    duty = steps["fire duty systems"]
    assert "0 of 2 fire stations listed with a duty system" in duty["found"]
    assert "listed without a duty type: Oakham Fire Station" in duty["missing"]
    assert "not listed: Uppingham Fire Station" in duty["missing"] and "Leicestershire" in duty["missing"]
    con = connect(wh, read_only=True)
    got = dict(con.execute("SELECT name, turnout_s FROM sites WHERE service = 'fire'").fetchall())
    con.close()
    national, _ = station_turnouts_min([None], [2.35], {"on_call": 5.0})       # the national estimate's rule
    assert got == {"Oakham Fire Station": national[0] * 60, "Uppingham Fire Station": national[0] * 60}


def test_a_county_is_judged_by_its_own_services_standards_or_says_none_is_configured(tmp_path, monkeypatch,
                                                                                      capsys):
    osm, grid = _grid_osm(tmp_path / "county.osm")
    data, _, _ = _county_data(tmp_path / "data", grid)
    monkeypatch.setenv("BLUELIGHT_DATA_DIR", str(data))
    wh = str(tmp_path / "w.duckdb")
    assert _json(capsys, ["etl", "region", "--roads", str(osm), "--warehouse", wh, "--json"])[0] == 0
    code, ex = _json(capsys, ["executive", "--warehouse", wh, "--json"])
    assert code == 0, ex
    fire = [c for c in ex["cells"] if c["service"] == "fire"]
    assert fire and all(c["reference_only"] and c["met"] is None and c["target"] is None for c in fire)
    assert all("no standard configured for fire in England" in c["judged_by"] for c in fire)
    assert not any("London-wide" in c["judged_by"] and not c["reference_only"] for c in ex["cells"])
    capsys.readouterr()
    assert main(["executive", "--warehouse", wh]) == 0
    text = capsys.readouterr().out
    assert "Standards:" in text and "no standard configured for fire in England" in text


def test_a_service_standard_in_targets_judges_its_own_area():
    from bluelight.foundation.standards import jurisdictions_of
    from bluelight.services.executive import area_standard

    targets = [{"target_id": "lfb", "service": "fire", "category": "first_appliance", "statistic": "mean",
                "threshold_s": 360, "goal": None, "jurisdiction": "london", "description": "LFB 6 min",
                "source": "London Fire Brigade, plan"},
               {"target_id": "lfrs-10", "service": "fire", "category": "first_appliance", "statistic": "share_within",
                "threshold_s": 600, "goal": 0.8, "jurisdiction": "fire_authority:Leicestershire",
                "description": "first engine within 10 minutes, 80%", "source": "Leicestershire FRS, CRMP"},
               {"target_id": "arp", "service": "ambulance", "category": "category_1", "statistic": "mean",
                "threshold_s": 420, "goal": None, "jurisdiction": "england", "description": "ARP C1 mean",
                "source": "NHS England, ARP"}]
    rutland = jurisdictions_of("E06000017", fire_authority="Leicestershire")
    assert area_standard("fire", rutland, targets)["target"] == "lfrs-10"
    assert area_standard("ambulance", rutland, targets)["target"] == "arp"
    assert area_standard("fire", jurisdictions_of("E09000007"), targets)["target"] == "lfb"
    none = area_standard("police", rutland, targets)
    assert none["reference"] and "no standard configured for police in England" in none["judged_by"]


def test_a_county_with_two_stations_plans_five_posts_on_its_roads(tmp_path, monkeypatch, capsys):
    osm, grid = _grid_osm(tmp_path / "county.osm")
    data, _, _ = _county_data(tmp_path / "data", grid)
    monkeypatch.setenv("BLUELIGHT_DATA_DIR", str(data))
    wh = str(tmp_path / "w.duckdb")
    assert _json(capsys, ["etl", "region", "--roads", str(osm), "--warehouse", wh, "--json"])[0] == 0
    code, plan = _json(capsys, ["dap", "--k", "5", "--warehouse", wh, "--json"])      # the defaults, as the page
    assert code == 0, plan
    band = plan["bands"]["all"]
    assert len(band["posts"]) == 5 and band["candidates"]["total"] >= 5
    assert any(p["name"].startswith("standby point") for p in band["posts"])
    code, err = _json(capsys, ["dap", "--k", "5", "--candidates", "police", "--warehouse", wh, "--json"])
    assert code == 2 and "add road" in err                          # no police station: says what to do
