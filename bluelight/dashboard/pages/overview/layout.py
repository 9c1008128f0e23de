"""The overview page's layout: its controls (built from the request's fields) and where results go."""

from __future__ import annotations

from dash import dcc, html

from bluelight.dashboard.layout import no_data
from bluelight.dashboard.pages.overview.views import executive_panel, kpis
from bluelight.dashboard.queries import Warehouse
from bluelight.foundation.vocab import EMERGENCY_SERVICES
from bluelight.services.session import Session


def layout(wh: Warehouse, session: Session) -> html.Div:
    if not wh.available:
        return no_data("Overview")
    return html.Div([
        html.H2("Overview: cover of the three services against their standards"),
        kpis(wh, session),
        html.P(className="note", children=(
            "Cards: response = turnout + drive time on the road network under the speed profile shown; shares are "
            "modelled with the calibrated spread of real attendance times. Population is ONS mid-2020 by LSOA; "
            "only the population within the road data can be assessed (see the Data page). Stations outside the "
            "road data cannot be routed, so places near its edge may in reality be reached sooner than shown.")),
        executive_panel(wh, session),
        html.Div(className="panel", children=[
            html.Div(className="controls", children=[
                html.Div(className="control", children=[html.Span("Services shown", className="control-label"),
                         dcc.Checklist(id="overview-services", options=[{"label": s.title(), "value": s} for s in EMERGENCY_SERVICES],
                                       value=EMERGENCY_SERVICES, inline=True, inputStyle={"marginRight": "4px", "marginLeft": "10px"})]),
                html.Div(className="control", children=[html.Span("Layer", className="control-label"),
                         dcc.RadioItems(id="overview-layer", value="sites", inline=True,
                                        inputStyle={"marginRight": "4px", "marginLeft": "10px"},
                                        options=[{"label": "sites only", "value": "sites"},
                                                 {"label": "coverage of", "value": "coverage"}])]),
                html.Div(className="control", children=[html.Span("Coverage service", className="control-label"),
                         dcc.Dropdown(id="overview-cover-service", options=EMERGENCY_SERVICES, value="fire", clearable=False)]),
                html.Div(className="control", children=[html.Span("Isochrones (5, 8, 10 min)", className="control-label"),
                         dcc.Checklist(id="overview-iso", options=[{"label": "show", "value": "on"}], value=[])]),
                html.Div(className="control", children=[html.Span("Closed sites", className="control-label"),
                         dcc.Checklist(id="overview-closed", options=[{"label": "show", "value": "closed"}],
                                       value=["closed"])]),
            ]),
            dcc.Loading(dcc.Graph(id="overview-map", config={"displaylogo": False})),
            html.P(id="overview-legend", className="note"),
        ]),
    ])
