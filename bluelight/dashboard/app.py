"""Build the Dash application for one warehouse."""

from __future__ import annotations

import logging
from pathlib import Path

import dash
from dash import html, set_props

from bluelight.analysis.speeds import load_profile
from bluelight.errors import BluelightError
from bluelight.settings import scenario_store, shipped_scenarios
from bluelight.dashboard.engine import Engine
from bluelight.dashboard.layers import register_routes
from bluelight.dashboard.layout import shell
from bluelight.dashboard.pages import colocation, coresponding, coverage, dap, data, overview, scenarios
from bluelight.dashboard.queries import Warehouse

log = logging.getLogger(__name__)


def default_scenario_dirs() -> list[Path]:
    """User-saved scenarios first (where the pages save), then the examples shipped with the package."""
    return [scenario_store(), shipped_scenarios()]


def show_error(err: Exception) -> None:
    """Every callback error becomes a readable alert above the page, never a stack trace."""
    if isinstance(err, BluelightError):
        text = str(err)
    else:
        log.exception("callback failed", exc_info=err)
        text = f"Something went wrong computing this view ({type(err).__name__}: {err}). Details are in the server log."
    set_props("global-alert", {"children": [html.B("Could not update the view. "), text],
                               "style": {"display": "block"}})


def create_app(warehouse: str | Path, *, scenario_dirs: list[Path] | None = None, profile: str | None = None,
               web_tiles: bool = False) -> dash.Dash:
    """A Dash app serving the pages over ``warehouse`` (opened read-only).

    ``web_tiles`` draws OpenStreetMap tiles under the maps (needs the internet);
    by default the maps use only the project's own roads and boundaries.
    """
    wh = Warehouse(warehouse)
    engine = Engine(wh, load_profile(profile), web_tiles=web_tiles)
    dirs = scenario_dirs or default_scenario_dirs()
    app = dash.Dash(__name__, use_pages=True, pages_folder="", title="Blue Light Atlas",
                    suppress_callback_exceptions=True, serve_locally=True, on_error=show_error,
                    assets_folder=str(Path(__file__).with_name("assets")))
    overview.register(app, wh, engine)
    coverage.register(app, wh, engine)
    scenarios.register(app, wh, engine, dirs)
    colocation.register(app, wh, engine, dirs)
    dap.register(app, wh, engine)
    coresponding.register(app, wh, engine)
    data.register(app, wh, engine)
    app.layout = shell(wh)
    register_routes(app.server, wh, engine)

    @app.callback(dash.Output("global-alert", "style"), dash.Input("_pages_location", "pathname"))
    def hide_alert_on_navigation(_path):
        return {"display": "none"}

    return app
