"""Co-responding's fire-cover cost, simulated: the fire year with and without the medical calls."""

import json

import pytest

from bluelight.cli.main import main


def test_fire_cover_cost_is_simulated_on_the_same_fire_calls(synthetic_wh, capsys):
    capsys.readouterr()
    assert main(["coresponding", "--warehouse", str(synthetic_wh), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    sim = out["fire_cover_simulated"]
    assert sim["available"], sim
    alone, shared = sim["fire_first_within_alone"]["mean"], sim["fire_first_within_with_coresponding"]["mean"]
    # medical calls take pumps away from fire calls (dispatch anomalies aside, they cannot add cover)
    assert shared <= alone + 0.005 and sim["change"]["mean"] == pytest.approx(shared - alone)
    assert sim["change"]["ci95"][0] <= sim["change"]["mean"] <= sim["change"]["ci95"][1]
    assert sim["coresponder_calls_per_year"] > 0 and 0 < sim["coresponder_calls_answered_share"]["mean"] <= 1
    capsys.readouterr()
    assert main(["coresponding", "--warehouse", str(synthetic_wh)]) == 0
    assert "with co-responding" in capsys.readouterr().out


def test_expected_arrests_are_the_zones_people_by_age_times_the_rates_by_hand():
    import pandas as pd

    from bluelight.services.coresponding import expected_arrests, load_params

    params = load_params()
    zones = pd.DataFrame({"0-15": [1000.0, 0.0], "16-29": [0.0, 0.0], "30-44": [0.0, 0.0], "45-64": [0.0, 2000.0],
                          "65+": [0.0, 500.0]})
    rate = params.arrests_per_100k_per_year
    assert expected_arrests(zones, params).tolist() == pytest.approx([
        1000 * rate["0-15"] / 1e5, 2000 * rate["45-64"] / 1e5 + 500 * rate["65+"] / 1e5])
