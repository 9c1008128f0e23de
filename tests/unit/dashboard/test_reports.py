"""The report builder: formats, maps that draw from disk, and the PDF of the same content."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from bluelight.dashboard import reports


@pytest.mark.parametrize("value, kind, want", [
    (-330000.4, "gbp", "-£330,000"), (1234567.6, "gbp", "£1,234,568"), (-0.4, "gbp", "£0"),
    (0.1234, "pct", "12.3%"), (0.9661835, "factor", "0.9662"), (0.9335107, "factor", "0.9335"),
    (320.0, "duration", "5:20"), (59.6, "duration", "1:00"), (1234.0, "int", "1,234"),
    (2.345, "points", "+2.3"), (np.nan, "gbp", "–"), (None, "pct", "–"), (True, "text", "yes"),
])
def test_formats(value, kind, want):
    assert reports.fmt(value, kind) == want


def test_headers_and_tables():
    t = reports.Table("Cash flows", pd.DataFrame({"discount_factor": [1.0, 0.96618], "net_gbp": [-1000.0, 50.5]}),
                      {"discount_factor": "factor", "net_gbp": "gbp"})
    html = t.html()
    assert "<th>Discount factor</th>" in html and ">0.9662<" in html and ">-£1,000<" in html and ">£50<" in html


def _map_figure() -> go.Figure:
    boundaries = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": {
        "type": "Polygon", "coordinates": [[[-0.2, 51.5], [-0.1, 51.5], [-0.1, 51.55], [-0.2, 51.5]]]}}]}
    fig = go.Figure([go.Scattermap(lon=[-0.15], lat=[51.52], mode="markers", name="sites", marker={"size": 9})])
    fig.update_layout(map={"style": "white-bg", "layers": [
        {"source": boundaries, "type": "line", "color": "#555555"},
        {"source": "/layers/roads.geojson", "type": "line"}]})                    # an app URL: left out
    return fig


def test_static_map_redraws_webgl_maps_as_svg_geo():
    out = reports.static_map(_map_figure())
    assert [t.type for t in out.data] == ["scattergeo", "scattergeo"]
    lines, sites = out.data
    assert lines.mode == "lines" and None in lines.lon and sites.name == "sites"


def test_pdf_has_the_sections_and_a_drawn_first_page():
    if not Path(reports.CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed")
    import pypdfium2

    report = reports.Report(title="Test report", headline="Cover rises.", asked={"Standard": "6 minutes"},
                            figures=[("A map", reports.static_map(_map_figure()))],
                            tables=[reports.Table("Cover", pd.DataFrame({"share": [0.5]}), {"share": "pct"})],
                            assumptions=["An assumption."], missing=["a cost"], profile="p@1")
    pdf = pypdfium2.PdfDocument(reports.to_pdf(reports.to_html(report)))
    text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    for section in ("Test report", "What was asked", "Cover", "50.0%", "Missing figures", "Assumptions", "Tier OPEN"):
        assert section in text
    pixels = pdf[0].render(scale=1).to_numpy()
    assert (pixels[..., :3] < 200).mean() > 0.005                            # ink on the first page, not blank
    pdf.close()
