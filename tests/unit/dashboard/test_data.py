"""The Data page: what was loaded and the travel model, in words."""

from __future__ import annotations

from bluelight.dashboard.pages.data import figures as data_figures


def test_travel_model_panel_states_bands_delays_and_the_turnout_reading():
    from bluelight.analysis.speeds import load_profile

    text = str(data_figures.travel_model_panel(load_profile("bluelight_v3")))
    assert "travel-model-bands" in text and "travel-model-hours" in text and "whole weeks held out" in text
    assert "Delay on passing a node: traffic signals" in text and "Station turnout offsets" in text
    assert "timed from mobilisation, not from the call" in text
    assert "travel-model-bands" not in str(data_figures.travel_model_panel(load_profile("bluelight_v1")))
