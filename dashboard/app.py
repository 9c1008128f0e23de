"""Build the Dash application for one warehouse."""

from __future__ import annotations

from pathlib import Path

import dash

from dashboard.layout import shell
from dashboard.pages import data, overview
from dashboard.queries import Warehouse

PAGES = (overview, data)


def create_app(warehouse: str | Path) -> dash.Dash:
    """A Dash app serving the pages over ``warehouse`` (opened read-only)."""
    wh = Warehouse(warehouse)
    app = dash.Dash(__name__, use_pages=True, pages_folder="", title="Blue Light Atlas",
                    suppress_callback_exceptions=True, serve_locally=True,
                    assets_folder=str(Path(__file__).with_name("assets")))
    for page in PAGES:
        page.register(app, wh)
    app.layout = shell(wh)
    return app
