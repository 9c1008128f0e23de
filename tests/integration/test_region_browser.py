"""A county nobody tuned to, in the browser: its areas judged by their own services' standards (or told none is
configured), and the DAP page opening with a plan of five posts drawn from the road network."""

from __future__ import annotations

import pytest

from bluelight.cli import main
from tests.integration.conftest import _serve
from tests.integration.test_dashboard_browser import CHROMIUM_ARGS, _shot, browser  # noqa: F401 (fixture)
from tests.unit.etl.test_region import _county_data, _grid_osm

pytestmark = [pytest.mark.integration, pytest.mark.browser]


@pytest.fixture(scope="module")
def county_app(tmp_path_factory):
    from bluelight.dashboard.app import create_app

    root = tmp_path_factory.mktemp("county")
    osm, grid = _grid_osm(root / "county.osm")
    data, _, _ = _county_data(root / "data", grid)
    mp = pytest.MonkeyPatch()
    mp.setenv("BLUELIGHT_DATA_DIR", str(data))
    wh = root / "w.duckdb"
    assert main(["etl", "region", "--roads", str(osm), "--warehouse", str(wh)]) == 0
    app = create_app(wh, scenario_dirs=[root / "saved"], security_store=root / "accounts.sqlite", local_only=True)
    yield from _serve(app)
    mp.undo()


def test_a_county_opens_with_its_own_standards_and_a_plan_on_its_roads(browser, county_app):  # noqa: F811
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, bypass_csp=True)
    page = ctx.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(county_app + "/", wait_until="networkidle")
    page.wait_for_selector("#overview-standards li", timeout=60000)
    standards = page.inner_text("#overview-standards")
    assert "no standard configured for fire in England" in standards and "not a target of this service" in standards
    _shot(page, "region-overview")
    page.goto(county_app + "/dap", wait_until="networkidle")
    page.wait_for_selector("#dap-compliance-table .ag-row", timeout=120000)
    assert "chosen posts (5)" in page.inner_text("#dap-map")
    assert page.locator("#dap-compliance-table .ag-center-cols-container .ag-row").count() == 5
    assert "standby point" in page.inner_text("#dap-compliance-table")
    assert not page.is_visible("#global-alert") and errors == []
    _shot(page, "region-dap")
    ctx.close()


#: each page of the county and what shows it has drawn
COUNTY_PAGES = [("/", "#overview-standards li"), ("/coverage", "#cov-map .js-plotly-plot"),
                ("/scenarios", "#scn-map .js-plotly-plot"), ("/colocation", "#col-map .js-plotly-plot"),
                ("/hubs", "#hub-map .js-plotly-plot"), ("/what-matters-most", "#wm-run"),
                ("/dap", "#dap-compliance-table .ag-row"),
                ("/coresponding", "#cr-map .js-plotly-plot"), ("/availability", "#sim-map"),
                ("/data", "#page-content"), ("/national", "#page-content")]


def test_every_page_of_a_county_without_zone_polygons_opens_and_the_coverage_map_draws_a_surface(
        browser, county_app):  # noqa: F811
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, bypass_csp=True)
    page = ctx.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    for path, ready in COUNTY_PAGES:
        page.goto(county_app + path, wait_until="networkidle")
        page.wait_for_selector(ready, timeout=120000)
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(500)
        assert not page.is_visible("#global-alert"), (path, page.inner_text("#global-alert"))
        assert "Traceback" not in page.inner_text("body"), path
    assert errors == []
    ctx.close()
    # no LSOA polygons were loaded: the response is drawn as a surface under the population points, under the
    # server's content security policy (not bypassed), as a user's browser enforces it
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    violations = []
    page.on("console", lambda m: violations.append(m.text) if m.type == "error" else None)
    page.goto(county_app + "/coverage", wait_until="networkidle")
    page.wait_for_selector("#cov-map .js-plotly-plot", timeout=120000)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(1500)
    surface = page.evaluate("""() => {
        const sp = document.querySelector('#cov-map .js-plotly-plot')._fullLayout.map._subplot;
        const layer = sp.map.getStyle().layers.find(l => l.type === 'raster');
        return layer ? [sp.map.getSource(layer.source).type, sp.map.isSourceLoaded(layer.source)] : null;
    }""")
    assert surface == ["image", True] and violations == [], (surface, violations)
    assert "shading: response at every road and the ground within" in page.inner_text("#cov-map")  # said, with m
    drawn = page.evaluate("""() => document.querySelector('#cov-map .js-plotly-plot').data
        .filter(t => t.name !== 'sites' && t.marker && t.marker.color)
        .map(t => [t.name, t.marker.color.length || atob(t.marker.color.bdata || '').length / 8])""")
    assert drawn and drawn[0][0] == "people, at their area's centre" and drawn[0][1] >= 5, drawn
    assert "By local authority" in page.inner_text("#page-content")          # a county's areas are not boroughs
    _shot(page, "region-coverage")
    # and the Overview's coverage layer, which had drawn nothing where no LSOA outline is loaded
    page.goto(county_app + "/", wait_until="networkidle")
    page.wait_for_selector("#overview-map .js-plotly-plot", timeout=120000)
    page.get_by_label("coverage of").check()
    page.wait_for_selector("#overview-legend:has-text('at every road')", timeout=60000)
    page.wait_for_timeout(1500)
    overview = page.evaluate("""() => {
        const sp = document.querySelector('#overview-map .js-plotly-plot')._fullLayout.map._subplot;
        return sp.map.getStyle().layers.some(l => l.type === 'raster');
    }""")
    assert overview and violations == [], violations
    _shot(page, "region-overview-coverage")
    ctx.close()
