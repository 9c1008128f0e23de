"""Overview: every site of the three services on one offline map."""

from __future__ import annotations

import dash
from dash import Input, Output, dcc, html

from dashboard import figures
from dashboard.queries import Warehouse

SERVICES = ["fire", "police", "ambulance", "other"]


def layout(wh: Warehouse):
    if not wh.available:
        return html.Div([html.H2("Overview"), html.P("No data loaded yet.")])
    sites = wh.sites()
    present = [s for s in SERVICES if s in set(sites["service"])]
    return html.Div([
        html.H2("Overview: sites of the three services"),
        html.P(className="note", children=(
            "Each dot is a site (colour: service; faded: closed). Sites from OpenStreetMap or the estates register "
            "that duplicate an official site are not drawn twice. Grey lines: the road network the analysis uses; "
            "dark lines: borough boundaries.")),
        html.Div(className="panel", children=[
            dcc.Checklist(id="overview-services", options=[{"label": s.title(), "value": s} for s in present],
                          value=present, inline=True, inputStyle={"marginRight": "4px", "marginLeft": "12px"}),
            dcc.Checklist(id="overview-closed", options=[{"label": "show closed sites", "value": "closed"}],
                          value=["closed"], inline=True, inputStyle={"marginRight": "4px", "marginLeft": "12px"}),
            dcc.Graph(id="overview-map", config={"displaylogo": False}),
        ]),
    ])


def register(app: dash.Dash, wh: Warehouse) -> None:
    dash.register_page("overview", path="/", name="Overview", title="Blue Light Atlas – Overview",
                       layout=lambda **_: layout(wh))

    @app.callback(Output("overview-map", "figure"), Input("overview-services", "value"),
                  Input("overview-closed", "value"))
    def update_map(services, closed):
        sites = wh.sites()
        sites = sites[sites["service"].isin(services or [])]
        if not closed:
            sites = sites[sites["status"] != "closed"]
        return figures.sites_map(sites, roads=wh.roads_geojson(), boundaries=wh.boundaries_geojson("borough"),
                                 bounds=wh.network_bounds())
