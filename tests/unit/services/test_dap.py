"""The DAP planner through the command line: its plans, and the compliance table's simulated shares."""

import json

import numpy as np

from bluelight.cli.main import main


def test_compliance_rows_carry_simulated_shares(synthetic_wh, capsys):
    capsys.readouterr()
    assert main(["dap", "--warehouse", str(synthetic_wh), "--k", "2", "--model", "mexclp", "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)["bands"]["all"]
    sim = plan["simulated"]
    assert sim["available"], sim
    assert sim["vehicles"] >= sim["stations"] and sim["category_share"] == 0.12
    base = sim["baseline"]["share_within"]
    for row in plan["compliance"]:
        lo, hi = row["simulated_ci95"]
        assert 0 <= lo <= row["simulated_share_within"] <= hi <= 1
        assert np.isclose(row["simulated_gain"], row["simulated_share_within"] - base["mean"])
    # the calls simulated are every category's: the category-1 demand over its share, at the band's rate
    assert sim["calls_per_year_all_categories"] > plan["demand_total"]
    assert np.isclose(sim["calls_per_year_all_categories"] * 0.12, plan["demand_total"], rtol=0.01)
    capsys.readouterr()
    assert main(["dap", "--warehouse", str(synthetic_wh), "--k", "2"]) == 0
    assert "simulated with busy vehicles" in capsys.readouterr().out


def test_fill_order_is_nested_and_forced_posts_are_used(synthetic_wh, capsys):
    capsys.readouterr()
    assert main(["dap", "--warehouse", str(synthetic_wh), "--k", "3", "--model", "mexclp", "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)["bands"]["all"]
    chosen = [r["chosen"] for r in plan["nested"]]
    assert len(chosen) == 3 and all(b[:len(a)] == a for a, b in zip(chosen, chosen[1:]))
    assert all(r["cost_of_nesting"] >= 0 for r in plan["nested"]) and "a year" in plan["objective_units"]
    first, other = plan["posts"][0]["site_id"], plan["posts"][1]["site_id"]
    assert main(["dap", "--warehouse", str(synthetic_wh), "--k", "3", "--model", "mexclp", "--force", other,
                 "--exclude", first, "--json"]) == 0
    forced = json.loads(capsys.readouterr().out)["bands"]["all"]
    ids = [p["site_id"] for p in forced["posts"]]
    assert forced["forced"] == [other] and forced["excluded"] == [first]
    assert ids[0] == other and first not in ids and forced["nested"][0]["added"] == forced["posts"][0]["name"]
    assert main(["dap", "--warehouse", str(synthetic_wh), "--k", "2", "--force", "NOT-A-SITE"]) == 2
    assert "forced: not a candidate post" in capsys.readouterr().err


def test_bands_in_words_and_a_post_both_forced_and_excluded_refused():
    import pytest

    from bluelight.foundation.errors import ValidationError
    from bluelight.services.dap import DapRequest, band_words

    assert band_words("evening-weekend") == "evening 18:00-00:00, weekends"
    assert band_words("all") == "all hours, every day"
    with pytest.raises(ValidationError, match="both forced and excluded: S1"):
        DapRequest.parse(forced="S1", excluded="S1,S2")
    with pytest.raises(ValidationError, match="3 posts are forced but only 2"):
        DapRequest.parse(k=2, forced="A,B,C")


def test_a_band_s_plan_is_typed_and_its_json_keeps_the_frames_out(synthetic_wh):
    from bluelight.analysis.speeds import load_profile
    from bluelight.etl.warehouse import connect
    from bluelight.services.dap import DapBandPlan, DapRequest, plan_band, run_dap
    from bluelight.services.session import Session

    con = connect(synthetic_wh, read_only=True)
    try:
        session = Session.over(con, load_profile("bluelight_v1"))
        request = DapRequest.parse(k=1, model="mclp", candidates="fire,police", band="all")
        plan = plan_band(session, request)
        assert isinstance(plan, DapBandPlan) and len(plan.model["chosen"]) == 1
        assert {"points", "candidates_frame", "stations", "rules"}.isdisjoint(plan.to_json())   # the pages' frames
        assert plan.to_json()["travel_times"]["hour_band"] == "all"                               # its published key
        assert run_dap(session, request).to_json()["bands"]["all"] == plan.to_json()
    finally:
        con.close()
