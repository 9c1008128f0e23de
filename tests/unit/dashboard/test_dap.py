"""The DAP page: plans by band and model on a small synthetic warehouse, its view and its report."""

from __future__ import annotations

import json

import pandas as pd

from bluelight.dashboard import reports
from bluelight.dashboard.pages import dap
from bluelight.services.dap import plan_band


def test_dap_view_on_observed_demand(wh, engine):
    request = dap.parse_request(2, "mclp", 8, 15, 0.75, ["fire", "police"], "all", None)
    result = plan_band(engine, request)
    html = reports.to_html(dap.dap_report(wh, engine, request, result, tier="open"))
    assert "Fill order (nested plans)" in html and "Compliance" in html and "/layers/" not in html
    assert "scattergeo" in html.lower() and "incidents a year" in html
    assert result.demand["kind"] == "observed"                       # the synthetic trust has incidents
    assert result.demand["selection"] == "priority recorded as category_1"
    assert result.demand["incidents"] > 0 and result.demand_total > 0
    assert len(result.model["chosen"]) == 2 and result.model["status"] == "optimal"
    assert result.after["share_within"] >= result.before["share_within"] - 1e-12
    table = pd.DataFrame(result.compliance)
    assert table["ambulances_free"].tolist() == [1, 2] and (table["gain"] >= -1e-9).all()
    fig, summary, curve, compliance, note, sources = dap.dap_view(wh, engine, request, result)
    names = [t.name for t in fig.data]
    assert any(n and n.startswith("chosen posts (2)") for n in names)
    assert "Observed demand" in str(note.children)
    out = dap.exportable(result, request, engine)
    assert json.loads(json.dumps(out, default=str))["request"]["k"] == 2


def test_dap_posts_by_band(wh, engine):
    from dataclasses import replace

    from bluelight.analysis.demand_bands import all_bands

    request = dap.parse_request(1, "mclp", 8, 15, 0.75, ["fire", "police"], "all", None)
    frame = dap.bands_frame({b.name: plan_band(engine, replace(request, band=b.name)) for b in all_bands()})
    assert len(frame) == 8 and frame["band"].str.endswith(("weekday", "weekend")).all()
    assert (frame["status"] == "optimal").all() and frame["posts"].str.len().gt(0).all()
    # the weekday bands hold five days of demand, the weekend ones two
    day = frame.set_index("band")["demand a year"]
    assert day["afternoon-weekday"] > day["afternoon-weekend"]


def test_dap_models_and_expected_demand(wh, engine):
    for model in ("mexclp", "pmedian"):
        request = dap.parse_request(2, model, 8, 15, 0.75, ["fire"], "night-weekend", 0.4)
        assert plan_band(engine, request).model["status"] == "optimal"
    from dataclasses import replace
    expected = plan_band(engine, replace(dap.parse_request(1, "mclp", 8, 15, 0.75, ["fire"], "evening", None),
                                  demand="expected"))
    assert expected.demand["kind"] == "expected" and "per_1000_per_year" in expected.demand["rates"]


def test_an_invalid_number_of_posts_clears_the_plan(wh, engine, nothing_stale):
    values = [2, "mclp", 8, 15, 0.75, ["fire", "police"], "all", None, 250]
    valid = dap.update_view(wh, engine, *values)
    invalid = dap.update_view(wh, engine, 500, *values[1:])
    nothing_stale(valid, invalid, results=len(valid) - len(dap.BINDINGS))
