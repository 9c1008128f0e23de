"""Every decision report built from the real demo, as HTML and as PDF, read the way a board member would: the
summary on page 1, names not ids, no raw dicts, every input's full SHA-256, times in m:ss, maps framed on the
change. Page 1 of each PDF is rendered to an image (and kept by `make screenshots`)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from bluelight.analysis.speeds import load_profile
from bluelight.dashboard import reports
from bluelight.dashboard.pages import colocation, coresponding, coverage, dap, hubs, scenarios
from bluelight.dashboard.queries import Warehouse
from bluelight.dashboard.scenario_files import ScenarioStore
from bluelight.foundation.environment import shipped_scenarios
from bluelight.foundation.geo import to_bng
from bluelight.services.coresponding import CorespondingRequest, run_coresponding
from bluelight.services.dap import DapRequest, plan_band
from bluelight.services.facility import FacilityRequest, run_facility
from bluelight.services.session import Session
from tests.integration.test_dashboard_browser import SCREENSHOTS

pytestmark = [pytest.mark.integration, pytest.mark.browser]

KENTISH = ["MPS-kentish-town-police-station", "LFB-kentish-town"]
MONEY = [3_000_000, 500_000, 250_000, None, None, None, None, None]      # build, refurbishment, relocation ...


@pytest.fixture(scope="module")
def demo(demo_warehouse, tmp_path_factory):
    if not Path(reports.CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.skip("Debian chromium is not installed (PDF reports need it)")
    wh = Warehouse(demo_warehouse)
    session = Session(wh.read, load_profile())
    store = ScenarioStore([tmp_path_factory.mktemp("saved"), shipped_scenarios()])
    return wh, session, store


def _kinds(wh, session, store) -> dict:
    hub_values = [KENTISH, KENTISH[1], *MONEY, 30, None, "all", None]
    plan = hubs.hub_plan(session, *hub_values, name="Kentish Town police and fire")
    col = colocation.colocation_plan(wh, session, KENTISH[0], KENTISH[1], 30, None,
                                     [500_000, None, 250_000, None, 40_000], name="Police into Kentish Town")
    request = DapRequest(k=3)
    shipped = next(i for i in store.listing()["id"] if "kentish" in i)
    return {
        "hub": (hubs.hub_report(wh, session, plan, tier="open"), KENTISH),
        "colocation": (colocation.board_report(wh, session, col, tier="open"), KENTISH),
        "scenario": (scenarios.comparison(wh, session, store, None, shipped, tier="open"), KENTISH),
        "dap": (dap.dap_report(wh, session, request, plan_band(session, request), tier="open"), []),
        "shared_facility": (hubs.hq_report(wh, session, FacilityRequest(users=("fire", "police")), run_facility(
            session, FacilityRequest(users=("fire", "police"))), tier="open"), []),
        "coresponding": (coresponding.coresponding_report(wh, session, run_coresponding(
            session, CorespondingRequest()), tier="open"), []),
        "coverage": (coverage.coverage_report(wh, session, coverage.parse(
            "fire", 6, "population", "all", [], [0, 23])[0], tier="open"), []),
    }


def _pdf_text(pdf: bytes, name: str) -> list[str]:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    pages = [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    doc[0].render(scale=1.4).to_pil().save(SCREENSHOTS / f"report_{name}_page1.png")
    return pages


def test_every_report_reads_as_a_board_paper(demo):
    wh, session, store = demo
    hashes = set(wh.provenance()["sha256"])
    assert hashes
    for name, (report, involved) in _kinds(wh, session, store).items():
        html = reports.to_html(report)
        pages = _pdf_text(reports.to_pdf(html), name)
        first, every = pages[0], " ".join(pages)
        flat = re.sub(r"\s+", "", every)
        assert "Summary" in first and report.headline.split(".")[0][:40].replace(" ", "") in re.sub(r"\s+", "", first), name
        for site_id in involved:
            assert site_id not in every, (name, site_id)                  # names, not ids
        assert not re.search(r"\{'|\['|': ", every), name                 # no printed dict or list
        for sha in hashes:
            assert sha in flat, (name, sha[:12])                           # every input's full SHA-256, unclipped
        figures = every.split("Assumptions")[0]           # the method's own error measures (MAE 74.4 s) come after
        assert not re.search(r"\b\d+\.\d+ ?s\b|mean s\b|p90 s\b", figures), name     # no raw seconds (265.4 s)
        assert re.search(r"\b\d{1,2}:\d\d\b", every), name                  # times as m:ss
        if name in ("hub", "colocation"):
            assert "Net present value of the cash" in first                # the money on page 1
            geo = next(f for _, f in report.figures if f.layout.geo.lonaxis.range is not None).layout.geo
            sites = session.sites("fire").query("site_id in @involved")
            e, n = to_bng(list(geo.lonaxis.range), list(geo.lataxis.range))
            span_km = max(e[1] - e[0], n[1] - n[0]) / 1000
            assert span_km < 15, (name, span_km)                            # framed on the change, not all London
            assert ((sites["easting"] > e[0]) & (sites["easting"] < e[1])).all()


def test_the_kentish_town_merger_costs_what_was_typed(demo):
    wh, session, store = demo
    plan = hubs.hub_plan(session, *[KENTISH, KENTISH[1], *MONEY, 30, None, "all", None], name="merge")
    f = plan.result.finance
    costs = sum(i["amount_gbp"] for i in f["items"] if i["source"] == "scenario")
    assert costs == pytest.approx(-3_750_000)
    assert f["npv_gbp"] == pytest.approx(costs + sum(
        i["amount_gbp"] * (sum(r["discount_factor"] for r in f["cash_flows"][max(1, i["year"]):]) if i["annual"]
                           else f["cash_flows"][i["year"]]["discount_factor"])
        for i in f["items"] if i["source"] != "scenario"), abs=1)
    assert np.isclose(f["optimism_bias"]["present_value_gbp"], -0.24 * 3_750_000)
