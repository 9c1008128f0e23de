"""The Scenarios page's edits: a click anywhere near a road places a site on it, and the page says where."""

from __future__ import annotations

import numpy as np

from bluelight.dashboard.components.maps import base_map, placement_layer
from bluelight.dashboard.pages.scenarios.views import EMPTY, edit_state


def _click(state, point, *, mode="add", move_site=None):
    return edit_state(state, "scn-map", service="fire", closed=[], click={"points": [point]}, mode=mode,
                      move_site=move_site, duty="wholetime")


def test_a_click_on_the_road_layer_places_the_site_on_that_road_point_and_says_so():
    state = _click(dict(EMPTY), {"lon": -0.13, "lat": 51.5, "customdata": [529123.4, 181456.7]})
    assert state["added"] == [{"site_id": "NEW-1", "name": "New fire site 1", "duty_system": "wholetime",
                               "easting": 529123.4, "northing": 181456.7}]
    assert state["placed"] == ("Added New fire site 1 on the road nearest the click, at easting 529,123, "
                               "northing 181,457.")
    moved = _click(state, {"lon": -0.13, "lat": 51.5, "customdata": [530000.0, 182000.0]}, mode="move",
                   move_site="LFB-soho")
    assert moved["moved"] == [{"site_id": "LFB-soho", "easting": 530000.0, "northing": 182000.0}]
    assert moved["placed"].startswith("Moved LFB-soho on the road nearest the click")
    asked = _click(state, {"lon": -0.13, "lat": 51.5, "customdata": [1.0, 2.0]}, mode="move")
    assert asked["placed"] == "Choose the site to move, then click where it should go." and not asked["moved"]
    # the message is said once: the next edit (closing a site) drops it
    later = edit_state(state, "scn-close", service="fire", closed=["LFB-soho"], click=None, mode="add",
                       move_site=None, duty=None)
    assert "placed" not in later and later["added"] == state["added"]


def test_the_road_layer_keeps_one_point_per_cell_with_its_exact_position():
    x = np.array([529000.0, 529010.0, 529150.0, 529160.0, 529400.0])
    y = np.array([181000.0, 181020.0, 181000.0, 181030.0, 181000.0])
    fig = placement_layer(base_map(roads=None, boundaries=None, bounds=None), x, y, cell_m=100.0)
    layer = fig.data[-1]
    assert [list(p) for p in layer.customdata] == [[529000.0, 181000.0], [529150.0, 181000.0], [529400.0, 181000.0]]
    assert layer.marker.opacity < 0.05 and layer.showlegend is False


def test_lists_say_names_never_ids_or_nan():
    import pandas as pd

    from bluelight.dashboard.pages.scenarios.views import saved_choices, site_choices

    sites = pd.DataFrame({"site_id": ["LFB-soho", "LFB-euston", "OSM-123"], "name": ["Soho", "Euston", "Euston"]})
    assert [o["label"] for o in site_choices(sites)] == ["Soho", "Euston (LFB-euston)", "Euston (OSM-123)"]
    listing = pd.DataFrame({"id": ["a", "b"], "name": ["Police into Kentish Town fire station", "Close Soho"],
                            "service": [float("nan"), "fire"]})
    labels = [o["label"] for o in saved_choices(listing)]
    assert labels == ["Police into Kentish Town fire station (every service it touches)", "Close Soho (fire)"]
    assert not any("nan" in label for label in labels)


def test_the_road_layer_of_a_county_is_thinned_to_a_size_a_browser_takes():
    rng = np.random.default_rng(1)
    x, y = rng.uniform(300_000, 450_000, 300_000), rng.uniform(200_000, 350_000, 300_000)   # 150 km a side
    layer = placement_layer(base_map(roads=None, boundaries=None, bounds=None), x, y, max_points=5_000).data[-1]
    assert 3_000 < len(layer.customdata) <= 5_000
    assert {tuple(p) for p in layer.customdata} <= set(zip(x, y))        # every point an exact road position
