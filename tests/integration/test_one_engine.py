"""One engine: every shipped scenario, and one saved from the Co-location page, gives the same numbers
through ``bluelight scenario run --json`` and through the dashboard's Scenarios compare."""

from __future__ import annotations

import json
import math

import pytest

from bluelight.analysis.speeds import load_profile
from bluelight.cli import main
from bluelight.dashboard.pages import colocation, scenarios
from bluelight.dashboard.queries import Warehouse
from bluelight.dashboard.scenario_files import ScenarioStore
from bluelight.foundation.environment import shipped_scenarios
from bluelight.services.colocation import CandidatesRequest, run_candidates
from bluelight.services.session import Session

pytestmark = pytest.mark.integration


def _plain(value):
    """What JSON makes of a result (NaN as null), for comparing a page's figures with the CLI's."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "to_json"):
        return _plain(value.to_json())
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return json.loads(json.dumps(value, default=str))


@pytest.fixture(scope="module")
def app_side(demo_warehouse, tmp_path_factory):
    wh = Warehouse(demo_warehouse)
    session = Session(wh.read, load_profile())
    store = ScenarioStore([tmp_path_factory.mktemp("saved"), shipped_scenarios()])
    first = run_candidates(session, CandidatesRequest()).candidates[0]
    plan = colocation.colocation_plan(wh, session, first["move"], first["into"], 25, 0.04,
                                      [50_000, None, None, 10_000, None], name="co-location saved from the page")
    store.save(plan["scenario"], service=plan["service"])
    return wh, session, store, plan


def _cli(capsys, store, sid, warehouse) -> dict:
    capsys.readouterr()
    assert main(["scenario", "run", str(store.path_of(sid)), "--warehouse", str(warehouse), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_every_scenario_file_gives_the_same_numbers(app_side, demo_warehouse, capsys):
    wh, session, store, _ = app_side
    ids = store.listing()["id"].tolist()
    assert {"lfb_2014_closures", "police_into_kentish_town_fire_station", "co-location-saved-from-the-page"} <= set(ids)
    for sid in ids:
        cli = _cli(capsys, store, sid, demo_warehouse)
        data = scenarios.compare_data(session, store, None, sid)
        assert _plain(data["b"]) == cli, sid
        table = scenarios.compare_table(data).set_index(["service", "estate"])
        for service, e in cli["services"].items():
            assert table.loc[(service, "baseline"), "population within standard"] == \
                round(e["population"]["change"]["demand_within_before"])
            assert table.loc[(service, f"B: {cli['scenario']}"), "population within standard"] == \
                round(e["population"]["change"]["demand_within_after"])
            assert table.loc[(service, "baseline"), "sites"] == e["sites_before"]
        view = scenarios.compare_view(wh, session, store, None, sid)       # the page renders it
        assert "scn-compare-table" in str(view)


def test_as_of_is_honoured_on_both_surfaces(app_side, demo_warehouse, capsys):
    _, session, store, _ = app_side
    cli = _cli(capsys, store, "lfb_2014_closures", demo_warehouse)
    fire = scenarios.compare_data(session, store, None, "lfb_2014_closures")["b"].services["fire"]
    assert cli["as_of"] == "2014-01-08"
    assert (fire["sites_before"], fire["sites_after"]) == (113, 103)
    change, on_cli = fire["population"]["change"], cli["services"]["fire"]["population"]["change"]
    assert round(change["demand_within_before"]) == round(on_cli["demand_within_before"])
    assert round(change["demand_within_after"]) == round(on_cli["demand_within_after"])
    assert change["demand_within_after"] < change["demand_within_before"]      # ten stations closed


def test_co_located_police_has_coordinates_in_the_dashboard(app_side):
    _, session, store, _ = app_side
    data = scenarios.compare_data(session, store, None, "police_into_kentish_town_fire_station")
    assert "police" in data["b"].services


def test_colocation_page_plan_equals_scenario_run_of_its_saved_file(app_side, demo_warehouse, capsys):
    _, _, store, plan = app_side
    cli = _cli(capsys, store, "co-location-saved-from-the-page", demo_warehouse)
    pop = plan["changes"].set_index("demand").loc["population"]
    change = cli["services"][plan["service"]]["population"]["change"]
    assert pop["within standard before"] == pytest.approx(change["demand_within_before"])
    assert pop["within standard after"] == pytest.approx(change["demand_within_after"])
    assert plan["appraisal"].npv_gbp == pytest.approx(cli["finance"]["npv_gbp"])
    assert cli["finance"]["discount_rate"] == 0.04 and cli["finance"]["horizon_years"] == 25


def test_a_national_year_outside_the_published_file_gets_the_cli_message_beside_its_field(app_side, data_dir):
    """The page's year is a closed list, but a value from outside it (an old link, a crafted request) is refused
    by the same request as the CLI's, with its message beside the field and no figures."""
    from bluelight.dashboard.pages.national import views as national
    from bluelight.foundation.errors import ValidationError
    from bluelight.services.national import NationalRequest, run_national

    wh, session, _, _ = app_side
    out = national.national_view(wh, session, data_dir, "1999/00", "Dwellings")
    with pytest.raises(ValidationError) as exc:
        run_national(data_dir, NationalRequest.parse(year="1999/00", fire_type="Dwellings"))
    assert out[-2] == exc.value.errors["year"] and "FIRE1001 year must be one of" in out[-2]
    assert out[-1] == "" and "Fix the highlighted field" in str(out[0])
