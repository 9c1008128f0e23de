"""A merger into a hub (services.hubs): the request's rules, the scenario it stands for, and what the host must
give each service moving in."""

import pytest

from bluelight.analysis.speeds import load_profile
from bluelight.etl.warehouse import connect
from bluelight.foundation.errors import ValidationError
from bluelight.services.colocation import load_space_rules
from bluelight.services.hubs import NEW_SITE, HubRequest, hub_capacity
from bluelight.services.session import Session


def test_a_new_point_needs_its_place_and_the_scenario_carries_the_money_typed():
    with pytest.raises(ValidationError, match="click the map where the hub would be"):
        HubRequest.parse(sites="F1,P1", host=NEW_SITE)
    with pytest.raises(ValidationError, match="Hub at must be one of the sites, another site, or a new point, got blank"):
        HubRequest.parse(sites="F1,P1", host="")
    into = HubRequest.parse(sites="F1,P1", host="F1", build_cost_gbp=2_000_000)
    change = into.scenario({"F1": "Fire 1", "P1": "Police 1"}).changes[0]
    assert change == {"action": "merge", "sites": ["F1", "P1"], "into": "F1",
                      "finance": {"build_cost_gbp": 2_000_000.0}}
    new = HubRequest.parse(sites="F1,P1", host=NEW_SITE, hub_easting=530000, hub_northing=180000, name="Tri hub")
    sc = new.scenario({})
    assert sc.name == "Tri hub" and sc.changes[0]["hub"]["easting"] == 530000.0


def test_each_service_moving_in_says_what_it_needs_and_whether_the_host_has_it(synthetic_wh):
    con = connect(synthetic_wh, read_only=True)
    try:
        session = Session.over(con, load_profile("bluelight_v1"))
        fire, police = session.sites("fire")["site_id"].iloc[0], session.sites("police")["site_id"].iloc[0]
        into_fire = hub_capacity(session, HubRequest.parse(sites=f"{fire},{police}", host=fire))
        new = hub_capacity(session, HubRequest.parse(sites=f"{fire},{police}", host=NEW_SITE, hub_easting=1.0,
                                                     hub_northing=1.0))
    finally:
        con.close()
    rules, _ = load_space_rules()
    assert into_fire["service"].tolist() == ["police"]                # the host's own service does not move
    row = into_fire.iloc[0]
    assert (row["sites moving"], row["needs m²"], row["needs bays"]) == (1, rules.space_needed_m2["police"],
                                                                         rules.bays_needed["police"])
    assert set(new["service"]) == {"fire", "police"}
    assert (new["host"] == "a new building: size it to the needs").all()


def test_a_merger_answers_with_one_typed_plan_whose_json_is_its_scenario_result(synthetic_wh):
    from bluelight.services.hubs import HubPlan, run_hub

    con = connect(synthetic_wh, read_only=True)
    try:
        session = Session.over(con, load_profile("bluelight_v1"))
        fire, police = session.sites("fire")["site_id"].iloc[0], session.sites("police")["site_id"].iloc[0]
        asked = HubRequest.parse(sites=f"{fire},{police}", host=fire, build_cost_gbp=1_000_000)
        plan = run_hub(session, asked)
    finally:
        con.close()
    assert isinstance(plan, HubPlan) and plan.request == asked
    assert plan.scenario.changes[0]["into"] == fire and set(plan.result.services) >= {"police"}
    assert plan.result.finance["npv_gbp"] is not None                     # the money typed reaches the appraisal
    assert set(plan.to_json()) == {"result"} and plan.capacity["service"].tolist() == ["police"]
