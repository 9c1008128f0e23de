"""The dashboard in Debian chromium: every page loads, no console errors, nothing leaves the machine."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
SCREENSHOTS = Path(os.environ.get("BLUELIGHT_SCREENSHOTS", Path(__file__).resolve().parents[2] / "screenshots"))
PAGES = {"overview": "/", "data": "/data"}


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.skip("Debian chromium is not installed (make test installs it when run as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser, served_app):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = ctx.new_page()
    pg.console_errors = []
    pg.outside_requests = []
    pg.on("console", lambda m: pg.console_errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: pg.console_errors.append(str(e)))

    def on_request(req):
        url = urlparse(req.url)
        if url.scheme in {"data", "blob"}:
            return
        if url.hostname not in {"127.0.0.1", "localhost"}:
            pg.outside_requests.append(req.url)

    pg.on("request", on_request)
    yield pg
    ctx.close()


def _visit(page, base, path, name):
    page.goto(base + path, wait_until="networkidle")
    page.wait_for_selector("#_pages_content", timeout=20000)
    page.wait_for_timeout(800)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_overview_page_draws_the_sites_map(page, served_app):
    _visit(page, served_app, "/", "overview")
    page.wait_for_selector("#overview-map .maplibregl-canvas", timeout=20000)
    legend = page.locator("#overview-map g.legend").text_content()
    assert "Fire – open" in legend and "Police – open" in legend and "Ambulance – open" in legend
    assert "Fire – closed (10)" in legend
    # untick police: its legend entry goes
    page.get_by_label("Police").uncheck()
    page.wait_for_function("!document.querySelector('#overview-map g.legend').textContent.includes('Police')",
                           timeout=10000)
    assert "OpenStreetMap" in page.inner_text("footer")
    assert page.console_errors == []
    assert page.outside_requests == []


def test_data_page_lists_loads_and_rejects(page, served_app):
    _visit(page, served_app, "/data", "data")
    text = page.inner_text("#_pages_content")
    assert "lfb_incidents_2023_sample.csv" in text
    assert "Rejected rows" in text and "missing" in text
    assert "Open Government Licence" in text
    assert "strongly connected" in text
    assert "Cross-validated mean absolute error" in page.inner_text("#travel-model")
    assert "osmnx default speeds" in page.inner_text("#travel-model")
    assert page.console_errors == []
    assert page.outside_requests == []
