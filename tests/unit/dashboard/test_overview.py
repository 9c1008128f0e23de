"""The Overview's matrix: a status per cell a reader takes in at a glance, grey where it is not judged."""

from __future__ import annotations

from bluelight.dashboard.pages.overview.figures import cell_headline, cell_status, executive_grid

CELL = {"area": "Camden", "service": "fire", "population": 200_000.0, "assessed_share": 0.9, "judged": True,
        "met": True, "statistic": "mean", "threshold_s": 360.0, "mean_s": 332.0, "share_within": 0.671, "goal": None}


def _cells(table) -> list:
    return [td for tr in table.children[1].children for td in tr.children[2:]]


def test_each_cell_says_its_status_and_leads_with_the_judged_figure():
    cells = [CELL,
             CELL | {"service": "police", "met": False, "statistic": "share_within", "goal": 0.8},
             CELL | {"service": "ambulance", "met": None, "statistic": None},
             CELL | {"area": "Barnet", "assessed_share": 0.12, "judged": False, "met": False},
             CELL | {"area": "Barnet", "service": "police", "assessed_share": 0.12, "judged": False, "met": True}]
    grid = executive_grid(cells, table_id="m")
    status = {(td.__dict__.get("data-area"), td.__dict__.get("data-service")): td.__dict__["data-status"]
              for td in _cells(grid)}
    assert status == {("Barnet", "fire"): "not-judged", ("Barnet", "police"): "not-judged", (None, None): "none",
                      ("Camden", "fire"): "met", ("Camden", "police"): "missed", ("Camden", "ambulance"): "no-target"}
    camden_fire = next(td for td in _cells(grid) if td.__dict__.get("data-area") == "Camden"
                       and td.__dict__.get("data-service") == "fire")
    assert camden_fire.className == "cell cell-met" and "mean 5:32" in camden_fire.title
    assert [c.children for c in camden_fire.children][:2] == ["mean 5:32 (standard 6:00)", "met"]


def test_headlines_are_m_ss_and_percent():
    assert cell_headline(CELL) == "mean 5:32 (standard 6:00)"
    assert cell_headline(CELL | {"statistic": "share_within", "goal": 0.65}) == "67.1% within 6:00 (goal 65%)"
    assert cell_status(CELL | {"judged": False}) == "not-judged"        # grey, whatever its figure says
