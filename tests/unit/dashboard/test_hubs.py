"""The Hubs page through the same services as the CLI: a merger, and a shared headquarters."""

from __future__ import annotations

import json

from bluelight.cli import main
from bluelight.dashboard.pages import hubs
from bluelight.dashboard.scenario_files import ScenarioStore
from bluelight.services.facility import FacilityRequest, run_facility


def _two_services(engine):
    fire, police = engine.sites("fire"), engine.sites("police")
    return fire["site_id"].iloc[0], police["site_id"].iloc[0]


def test_merge_into_one_of_them_matches_scenario_run(wh, engine, tmp_path, capsys):
    f, p = _two_services(engine)
    values = [[f, p], f, 2_000_000, None, 50_000, None, 20_000, None, None, None, 25, 0.035, "all", None]
    out = hubs.hub_view(wh, engine, *values)
    table = {r["service"]: r for r in out[2].rowData}
    assert set(table) == {"fire", "police"}
    fire = table["fire"]                                          # the host stays where it is: fire cover unchanged
    assert fire["population within before"] == fire["population within after"]
    assert "Net present value" in str(out[5]) and "people within" in str(out[1].children)
    plan = hubs.hub_plan(engine, *values, name="fire and police hub")
    store = ScenarioStore([tmp_path])
    sid = store.save(plan.scenario)
    capsys.readouterr()
    assert main(["scenario", "run", str(store.path_of(sid)), "--warehouse", str(wh.path), "--json"]) == 0
    cli = json.loads(capsys.readouterr().out)
    row = table["police"]
    ch = cli["services"]["police"]["population"]["change"]
    assert (row["population within before"], row["population within after"]) == \
        (round(ch["demand_within_before"]), round(ch["demand_within_after"]))
    assert cli["finance"]["npv_gbp"] == plan.result.finance["npv_gbp"]


def test_merge_at_a_new_point_needs_the_point(wh, engine):
    f, p = _two_services(engine)
    out = hubs.hub_view(wh, engine, [f, p], "new", *[None] * 8, 30, 0.035, "all", None)
    assert "click the map" in out[6 + 1]                          # the message beside "Hub at"
    lon, lat = float(engine.sites("fire")["lon"].iloc[0]), float(engine.sites("fire")["lat"].iloc[0])
    out = hubs.hub_view(wh, engine, [f, p], "new", *[None] * 8, 30, 0.035, "all", [lon + 0.001, lat])
    assert {r["service"] for r in out[2].rowData} == {"fire", "police"}
    assert "a new building" in str(out[3].rowData)


def test_shared_hq_ranking_equals_the_service(wh, engine):
    out = hubs.hq_view(wh, engine, ["fire", "police"], ["fire", "police", "ambulance"], "total", 1, 12, None, [])
    ranked = [r["name"] for r in out[2].rowData]
    direct = run_facility(engine, FacilityRequest(users=("fire", "police")))
    assert ranked == [r["name"] for r in direct.single_site_ranking][:len(ranked)]
    assert "trip hours a year" in out[1]
    one = out[3].rowData[0]["site_id"]
    heavier = hubs.hq_view(wh, engine, ["fire", "police"], ["fire", "police", "ambulance"], "total", 1, 12, None,
                           [[one, 5000]])
    assert heavier[3].rowData[0]["trips a year"] == 5000.0
    bad = hubs.hq_view(wh, engine, [], ["fire"], "total", 0, 12, None, [])
    assert "Users" in bad[4] and "Facilities" in bad[7]


def test_the_page_opens_without_a_message_before_anything_is_chosen(wh, engine):
    out = hubs.hub_view(wh, engine, [], None, *[None] * 8, 30, None, "all", None)
    assert all(e == "" for e in out[6:]) and "Choose two or more sites" in str(out[1])
    out = hubs.hub_view(wh, engine, ["x"], None, *[None] * 8, 30, None, "all", None)
    assert any(e for e in out[6:])                                  # once the user has acted, the message is there


def test_the_shared_facility_report_reads_as_a_board_paper(wh, engine):
    from bluelight.dashboard import reports

    request = FacilityRequest(users=("fire", "police"))
    html = reports.to_html(hubs.hq_report(wh, engine, request, run_facility(engine, request), tier="open"))
    assert "Summary" in html and "Every candidate as the one facility" in html and "trip hours a year" in html
    import re

    text = re.sub(r"<script.*?</script>", "", html, flags=re.S)       # the page's words, not plotly.js
    assert "{'" not in text and "mean trip" in text


def test_an_invalid_horizon_clears_the_merger_and_an_invalid_count_the_shared_hq(wh, engine, nothing_stale):
    f, p = _two_services(engine)
    values = [[f, p], f, 2_000_000, None, 50_000, None, 20_000, None, None, None, 25, 0.035, "all", None]
    valid = hubs.hub_view(wh, engine, *values)
    invalid = hubs.hub_view(wh, engine, *values[:10], 0, *values[11:])
    nothing_stale(valid, invalid, results=6)
    hq = ["fire", "police"], ["fire", "police", "ambulance"], "total"
    valid = hubs.hq_view(wh, engine, *hq, 1, 12, None, [])
    nothing_stale(valid, hubs.hq_view(wh, engine, *hq, 0, 12, None, []), results=4)
