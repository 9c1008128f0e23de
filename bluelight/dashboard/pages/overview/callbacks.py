"""The overview page's callbacks: each reads its inputs, calls one view, returns what it gives."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output

from bluelight.dashboard import layers
from bluelight.dashboard.auth import visible_sites
from bluelight.dashboard.callbacks import callback
from bluelight.dashboard.components import maps as map_parts
from bluelight.dashboard.layout import Page
from bluelight.dashboard.pages.overview.layout import layout
from bluelight.dashboard.pages.overview.views import ISO_BANDS, legend_text, overview_coverage
from bluelight.dashboard.queries import Warehouse
from bluelight.services.session import Session


def register(app: dash.Dash, wh: Warehouse, session: Session) -> Page:
    page = Page(prefixes=("overview-",), order=0, path="/", name="Overview", title="Blue Light Atlas – Overview", layout=lambda: layout(wh, session))

    @callback(app, Output("overview-map", "figure"), Output("overview-legend", "children"),
                  Input("overview-services", "value"), Input("overview-layer", "value"),
                  Input("overview-cover-service", "value"), Input("overview-iso", "value"),
                  Input("overview-closed", "value"))
    def update_map(services: Any, layer: Any, cover_service: Any, iso: Any, closed: Any) -> Any:
        sites = wh.sites()
        sites = sites[sites["service"].isin(services or []) & (bool(closed) | (sites["status"] != "closed"))]
        iso_layers = map_parts.isochrone_layers(session.isochrones(cover_service, ISO_BANDS), ISO_BANDS) if iso else None
        if layer == "coverage":
            return overview_coverage(wh, session, cover_service, sites, iso_layers)
        fig = map_parts.sites_map(visible_sites(sites), roads=layers.roads(), boundaries=layers.BOROUGHS,
                                bounds=wh.network_bounds())
        if iso_layers:
            map_parts.add_layers_first(fig, iso_layers)
        return map_parts.with_tiles(fig, wh.web_tiles), legend_text(session, cover_service, iso, coverage=False)
    return page
