"""The What matters most page's parts, by hand: the ranked table in words, the link that opens a closure on the
Scenarios page (and what that page takes from a link), and the figures."""

from __future__ import annotations

import pandas as pd

from bluelight.dashboard.pages.scenarios.views import linked_sites
from bluelight.dashboard.pages.what_matters import figures

ROWS = [{"site_id": "F-2", "name": "Bow", "rank": 1, "vehicles": 2, "added_mean_response_s": 40.25,
         "added_mean_response_ci95": [30.0, 50.5], "people_beyond_standard": 1200.4,
         "incidents_beyond_standard_pa": 310.6, "incidents_beyond_standard_ci95": [300.0, 320.0], "calls_pa": 900.2,
         "unseen_share": 0.01, "at_edge": False},
        {"site_id": "F-1", "name": "Acton", "rank": 2, "vehicles": 1, "added_mean_response_s": 5.0,
         "added_mean_response_ci95": [-1.0, 11.0], "people_beyond_standard": None,
         "incidents_beyond_standard_pa": 12.0, "incidents_beyond_standard_ci95": [8.0, 16.0], "calls_pa": 1500.0,
         "unseen_share": 0.4, "at_edge": True}]


def test_the_ranked_table_says_each_figure_in_words_and_links_each_closure():
    frame = figures.ranked_frame(ROWS, service="fire")
    assert frame["station"].tolist() == ["Bow", "Acton"] and frame["rank"].tolist() == [1, 2]
    assert frame["added mean response (s)"].tolist() == [40.2, 5.0]
    assert frame["95% interval (s)"].tolist() == ["+30.0 to +50.5", "-1.0 to +11.0"]
    assert frame["people beyond the standard"].tolist()[0] == 1200 and frame["people beyond the standard"].isna()[1]
    assert frame["at the edge of the road data"].tolist() == ["no", "yes: harm understated"]
    assert frame["scenario"][0] == "[Open on the Scenarios page](/scenarios?service=fire&close=F-2)"


def test_a_link_closes_only_sites_of_the_service_shown():
    options = [{"label": "Bow", "value": "F-2"}, {"label": "Acton", "value": "F-1"}]
    assert linked_sites({"service": "fire", "close": ["F-2", "X-9"]}, "fire", options) == ["F-2"]
    assert linked_sites({"service": "fire", "close": ["F-2"]}, "police", options) == []
    assert linked_sites(None, "fire", options) == []


def test_a_link_without_a_known_service_leaves_the_scenarios_page_alone():
    from bluelight.dashboard.pages.scenarios.views import linked_closure

    assert linked_closure("?service=../../etc&close=F-2", session=None, current="police") == ("police", None)
    assert linked_closure("", session=None, current="fire") == ("fire", None)


def test_the_map_colours_each_site_by_its_harm_and_says_the_edge_caveat():
    sites = pd.DataFrame({"site_id": ["F-1", "F-2"], "lon": [-0.2, -0.1], "lat": [51.5, 51.6]})
    fig = figures.harm_map(ROWS, sites, rank_by="incidents_beyond_standard_pa", rank_words="incidents a year",
                           roads=None, boundaries=None)
    trace = fig.data[-1]
    assert list(trace.marker.color) == [310.6, 12.0] and list(trace.customdata) == ["F-2", "F-1"]
    assert "harm understated" in trace.text[1] and "harm understated" not in trace.text[0]
    assert "+40.2 s" in trace.text[0] and "1,200 people" in trace.text[0]


def test_the_scatter_says_whether_calls_predict_harm():
    fig = figures.calls_harm_figure(ROWS, rank_by="incidents_beyond_standard_pa", rank_words="incidents a year",
                                    spearman=-0.18)
    assert "poor guide" in fig.layout.title.subtitle.text and list(fig.data[0].x) == [900.2, 1500.0]
    busy = figures.calls_harm_figure(ROWS, rank_by="incidents_beyond_standard_pa", rank_words="x", spearman=0.9)
    assert "mostly the ones that matter" in busy.layout.title.subtitle.text


def test_the_summary_says_the_inputs_and_their_sources_in_words():
    from types import SimpleNamespace

    from bluelight.dashboard.pages.what_matters.views import summary
    from bluelight.foundation.config_files import config_file

    path = str(config_file("simulation.yaml"))
    out = SimpleNamespace(sites=ROWS, calls_harm_spearman=0.3, service="fire", threshold_s=360.0, replications=5,
                          seed=1, arrivals_note="calls replayed", profile="bluelight@3", not_swept=["X"],
                          baseline={"stations": 2, "vehicles": 3, "calls_pa": 2400.0, "first_mean_s": 300.0,
                                    "first_within": 0.8},
                          inputs={"vehicles_per_station": 1.45,
                                  "vehicles_per_station_from": f"{path}: vehicles_per_station.fire",
                                  "on_scene": f"{path}: on_scene.fire (the incidents carry no vehicle minutes)",
                                  "settings": path, "sources": {"on_scene": "an assumption"}})
    text = str(summary(out, "incidents a year").to_plotly_json())
    assert "Vehicles per station: 1.45 on average (the shipped config/simulation.yaml" in text
    assert "Time at the scene: the shipped config/simulation.yaml (the incidents carry no vehicle minutes)" in text
    assert "on_scene." not in text and "vehicles_per_station." not in text and "an assumption" in text


def test_invalid_replications_clear_the_ranking(wh, engine, nothing_stale):
    from bluelight.dashboard.pages import what_matters

    values = ["fire", "added_mean_response_s", "resample", 2, 1, 1, 6, "all"]
    valid = what_matters.sweep_view(wh, engine, *values)
    invalid = what_matters.sweep_view(wh, engine, *values[:3], 0, *values[4:])
    nothing_stale(valid, invalid, results=4)
