"""The Co-responding page: its view and its report on a small synthetic warehouse."""

from __future__ import annotations

from bluelight.dashboard import reports
from bluelight.dashboard.pages import coresponding
from bluelight.services.coresponding import CorespondingRequest, run_coresponding


def test_coresponding_view_on_synthetic(wh, engine):
    params = coresponding.parse_params("waalewijn_2001", [{"name": "b0"}], [0.1], 0.3, 0.0, 20, 8)
    assert params.survival_parameters["waalewijn_2001"]["b0"] == 0.1 and params.bystander_cpr_share == 0.3
    assert params.ambulance_busy_fraction == 0.0
    result = run_coresponding(engine, CorespondingRequest(survival_model="waalewijn_2001",
                                                          survival_parameters=(("b0", 0.1),),
                                                          bystander_cpr_share=0.3, ambulance_busy_fraction=0.0,
                                                          time_on_scene_min=20, standard_s=480))
    fig, curve, saved, kpis, table, sources = coresponding.coresponding_view(wh, engine, result)
    html = reports.to_html(coresponding.coresponding_report(wh, engine, result, tier="open"))
    assert "Stations ranked by survivors added" in html and "survivors" in html and "/layers/" not in html
    assert result.summary["survival_model"] == "waalewijn_2001"
    assert len(curve.data) == 2 and table.rowData
    assert "b0" in str(sources.children)


def test_an_invalid_standard_clears_the_maps_curve_and_ranking(wh, engine, nothing_stale):
    values = ["de_maio_2003", [{"name": "b0"}], [-3.0], 0.3, 0.5, 20, 8, [], 250]
    valid = coresponding.update_view(wh, engine, *values)
    invalid = coresponding.update_view(wh, engine, *values[:6], 0, *values[7:])
    nothing_stale(valid, invalid, results=len(valid) - len(coresponding.BINDINGS) - 1)
