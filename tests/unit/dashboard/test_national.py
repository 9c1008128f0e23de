"""The National page's trend: one service against the band of the others, not dozens of crossing lines."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from bluelight.dashboard.pages.national.figures import national_trend


def _result(held_out: str = "London"):
    trends = [{"service": s, "year": y, "drive_min": base + i * 0.1}
              for s, base in (("London", 4.0), ("Kent", 6.0), ("Devon", 8.0), ("Essex", 7.0))
              for i, y in enumerate(("2019/20", "2020/21", "2021/22"))]
    return SimpleNamespace(trends=trends, held_out_service=held_out)


def test_the_held_out_service_is_drawn_against_the_middle_80_percent_of_services():
    fig = national_trend(_result())
    names = [t.name for t in fig.data]
    assert names[-3:] == ["middle 80% of services", "median service", "London"]
    band, median, own = fig.data[-3], fig.data[-2], fig.data[-1]
    assert list(own.y) == pytest.approx([4.0, 4.1, 4.2]) and own.line.width == 3
    assert list(median.y) == pytest.approx([6.5, 6.6, 6.7])              # the median of 4, 6, 7, 8 (+0.1 a year)
    assert len(band.x) == 6 and band.fill == "toself"
    assert all(t.line.color == "rgba(120,120,120,0.25)" for t in fig.data[:4])   # every service, faint
    assert own.customdata[0] == "4:00" and "m:ss" in own.hovertemplate


def test_another_service_can_be_highlighted_and_an_empty_trend_draws_nothing():
    assert national_trend(_result(), highlight="Devon").data[-1].name == "Devon"
    assert len(national_trend(SimpleNamespace(trends=[], held_out_service=None)).data) == 0


def test_the_lsoa_map_is_a_valid_plain_figure_with_every_lsoa():
    import json

    import plotly.graph_objects as go

    from bluelight.dashboard.components import plain_figures as plain
    from bluelight.dashboard.pages.national.figures import national_map

    lsoas = [{"easting": 530000.0 + 1000 * i, "northing": 180000.0 + 500 * i, "response_min": 4.0 + i,
              "service": "Kent" if i else "London", "station": f"Station {i}", "distance_m": 812.4 + i}
             for i in range(3)]
    area = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "Kent"},
            "geometry": {"type": "Point", "coordinates": [0.5, 51.2]}}]}
    fig = national_map(SimpleNamespace(lsoas=lsoas, areas_geojson=area, label="estimate without road data"))
    checked = go.Figure(fig)                                       # plotly's own validation of the plain dict
    trace = plain.as_figure(fig).data[0]
    assert list(trace.marker.color) == [4.0, 5.0, 6.0] and list(trace.text) == ["London", "Kent", "Kent"]
    assert [list(c) for c in trace.customdata][0] == ["Station 0", "812"]
    assert checked.layout.title.text.startswith("estimate without road data")
    assert json.loads(json.dumps(fig, allow_nan=False))
