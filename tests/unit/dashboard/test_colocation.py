"""The Co-location page: candidates ranked, figures typed into the grid, a plan and its board report."""

from __future__ import annotations

import re

from bluelight.dashboard import reports, scenario_files
from bluelight.dashboard.pages import colocation
from bluelight.services.colocation import CandidatesRequest, run_candidates


def test_colocation_plan_candidates_and_report(wh, engine, tmp_path):
    result = run_candidates(engine, CandidatesRequest(max_travel_s=900.0))
    assert result.pairs > 0
    grid, note = colocation.candidates_view(result, show=set())
    assert "pairs within 900 s" in note and grid.rowData and f"{result.pairs_judged} of {result.pairs}" in note
    editable = {c["field"] for c in grid.columnDefs if c.get("editable")}
    assert editable == set(colocation.EDITABLE)
    # a running cost typed into the first row re-ranks with it, and the note says it was entered here
    row = grid.rowData[0]
    entered = colocation.entered_figures([{"colId": "running cost released £ a year", "data": row,
                                           "value": 123_456}], {})
    regrid, renote, *_ = colocation.ranked_view(engine, 900, [], entered)
    again = next(r for r in regrid.rowData if r["move"] == row["move"] and r["into"] == row["into"])
    assert again["running cost released £ a year"] == 123_456 and "Figures entered here" in renote
    assert "123,456" in renote
    assert "Capacity: a moving service needs fire 450 m²" in note and "config/colocation.yaml" in note
    first = grid.rowData[0]
    plan = colocation.colocation_plan(wh, engine, first["move"], first["into"], 25, 0.035,
                                      [50_000, None, None, 10_000, None], name="test move")
    assert not plan["empty"] and plan["scenario"].changes[0]["action"] == "co_locate"
    changes = plan["changes"].set_index("demand")
    assert "population" in changes.index
    ap = plan["appraisal"]
    # refurbishment 50k now, 10k a year more at the host; the synthetic estate supplies the closed site's figures
    labels = {i.label: i.amount_gbp for i in ap.items}
    assert any(v == -50_000 for v in labels.values()) and any(v == -10_000 for v in labels.values())
    fig, table, finance, headline = colocation.plan_view(wh, engine, plan)
    assert "instead of" in str(headline.children)
    html = reports.to_html(colocation.board_report(wh, engine, plan, tier="open"))
    assert "SYNTHETIC DATA" in html and "Net present value" in html and "/layers/" not in html
    # pounds, no pence (millions are written £4.54m)
    assert re.search(r"-£[\d,]+0<", html) and not re.search(r"£-?[\d,]+\.\d+(?![\dm])", html)
    assert re.search(r">0\.9\d{3}<", html)                                         # discount factors: 4 places
    assert re.search(r">\d+:\d\d<", html) and "Tier OPEN" in html                    # times as m:ss
    assert ">True<" not in html and ">False<" not in html and "one_off" not in html
    store = scenario_files.ScenarioStore([tmp_path])
    saved = store.save(plan["scenario"], service=plan["service"])
    assert store.load(saved).changes[0]["into"] == first["into"]
    empty = colocation.plan_view(wh, engine, colocation.colocation_plan(wh, engine, None, None, 30,
                                                                               0.035, [None] * 5))
    assert "Choose a pair" in str(empty[3].children)


def test_an_invalid_drive_time_clears_the_ranking_and_an_invalid_horizon_the_plan(wh, engine, nothing_stale):
    valid = colocation.ranked_view(engine, 900, [])
    nothing_stale(valid, colocation.ranked_view(engine, 0, []), results=len(valid) - 3)
    first = valid[0].rowData[0]
    shown = colocation.show_view(wh, engine, first["move"], first["into"], 30, 0.035, None, None, None, None, None)
    again = colocation.show_view(wh, engine, first["move"], first["into"], 0, 0.035, None, None, None, None, None)
    nothing_stale(shown, again, results=4)
