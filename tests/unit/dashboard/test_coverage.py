"""The Coverage explorer page: its view on a small synthetic warehouse, its exports and its report."""

from __future__ import annotations

import json

import numpy as np

from bluelight.dashboard import reports
from bluelight.dashboard.components.plain_figures import as_figure
from bluelight.dashboard.pages import coverage
from bluelight.services.coverage import export_frame, export_geojson
from bluelight.services.session import DemandSpec


def test_explorer_view_and_exports(wh, engine):
    ev = engine.evaluate("fire", DemandSpec())
    fig, curve, kpi, table = coverage.explorer_view(wh, engine, ev, 360, None)
    fig = as_figure(fig)                                      # the page sends a plain dict; read it back
    assert any(t.type == "choroplethmap" for t in fig.data)
    assert "within 6 min" in str(kpi)
    none = coverage.explorer_view(wh, engine, engine.evaluate(
        "police", coverage.parse_demand("incidents", None, [], [0, 23])), 900, None)[2]
    assert "Nothing to assess" in str(none) and "nan" not in str(none)
    site = engine.sites("fire")["site_id"].iloc[0]
    fig2 = as_figure(coverage.explorer_view(wh, engine, ev, 360, site)[0])
    first = engine.first_reached("fire", site, DemandSpec())
    assert first.any()                                               # a station reaches some zone first
    assert sum(len(t.lon) for t in fig2.data if t.name == "reached first by the chosen site") == first.sum()
    assert [layer.type for layer in fig2.layout.map.layers].count("fill") == len(coverage.SITE_BANDS)
    frame = export_frame(ev, 360, tier="open")                      # population zones: published, as they are
    assert {"response_s", "within_standard", "speed_profile", "zone"} <= set(frame.columns)
    assert set(frame["tier"]) == {"open"}
    gj = json.loads(export_geojson(frame))
    assert gj["features"] and "OpenStreetMap" in gj["features"][0]["properties"]["attribution"]
    assert "Tier OPEN" in gj["features"][0]["properties"]["attribution"]
    inc = engine.evaluate("fire", coverage.parse_demand("incidents", None, [], [0, 23]))
    assert len(inc.points) > 0
    html = reports.to_html(coverage.coverage_report(wh, engine, coverage.parse(
        "fire", 6, "incidents", "all", [], [0, 23])[0], tier="open"))
    assert "By area" in html and "Tier OPEN" in html and "500 m" not in html.split("<body>")[0]
    rows = export_frame(inc, 360, tier="official-sensitive")
    assert set(rows["zone"]) <= set(inc.points["zone"]) and len(rows) == len(inc.points)
    cells = export_frame(inc, 360, tier="open", every=inc)
    assert "zone" not in cells.columns and not set(cells["cell_id"]) & set(inc.points["zone"])
    shown = cells[~cells["suppressed"]]
    assert (shown["incidents"] >= 5).all() and cells.loc[cells["suppressed"], "incidents"].isna().all()
    on = inc.points[~np.isnan(inc.response_s)]
    # every incident on the network is in one cell; the suppressed cells (small, or withheld so that no small
    # count can be derived from the total) hold the rest, at least 5 of them together or none
    hidden = len(on) - shown["incidents"].sum()
    assert hidden == 0 or hidden >= 5


def test_an_invalid_standard_clears_the_map_curve_headline_and_table(wh, engine, nothing_stale):
    valid = coverage.update_view(wh, engine, "fire", 6, "population", "all", [], [0, 23], None)
    invalid = coverage.update_view(wh, engine, "fire", 0, "population", "all", [], [0, 23], None)
    nothing_stale(valid, invalid, results=4)
