"""The hubs page's layout: its controls (built from the request's fields) and where results go."""

from __future__ import annotations

from dash import dcc, html

from bluelight.dashboard.controls import (
    field_control,
    traffic_period_control,
)
from bluelight.dashboard.layout import map_row, no_data
from bluelight.dashboard.pages.hubs.views import HQ_BINDINGS, HUB_BINDINGS, _all_sites
from bluelight.dashboard.queries import Warehouse
from bluelight.foundation.vocab import EMERGENCY_SERVICES
from bluelight.services.facility import FacilityRequest
from bluelight.services.hubs import FINANCE, NEW_SITE, HubRequest
from bluelight.services.inputs import read_sites
from bluelight.services.session import Session


def layout(wh: Warehouse, session: Session) -> html.Div:
    if not wh.available:
        return no_data("Hubs")
    sites = _all_sites(session)
    options = [{"label": f"{n} ({s})", "value": i} for i, n, s in zip(sites["site_id"], sites["name"], sites["service"])]
    # a hub may also go to any other site loaded: HQs, workshops, council or NHS estate loaded as candidate sites
    hosts = session.read(lambda cur: read_sites(cur, statuses=("open", "candidate", "planned"), kinds=None))
    host_options = [{"label": f"{n} ({s}, {k}{'' if st == 'open' else ', ' + st})", "value": i}
                    for i, n, s, k, st in zip(hosts["site_id"], hosts["name"], hosts["service"], hosts["kind"],
                                              hosts["status"])]
    return html.Div([
        html.H2("Hubs: merge sites into one, and site a shared headquarters"),
        html.Div(className="panel", children=[
            html.H3("Merge two or more sites into a hub"),
            html.P(className="note", children="Pick the sites that move, then where the hub is: one of them, another "
                   "site, or a new point clicked on the map. Cover of every service they belong to is compared before "
                   "and after, with the finance of the whole merger."),
            html.Div(className="controls", children=[
                field_control(HubRequest, HUB_BINDINGS[0], minWidth="420px", component=dcc.Dropdown(
                    id="hub-sites", multi=True, options=options, placeholder="two or more sites, any services")),
                field_control(HubRequest, HUB_BINDINGS[1], minWidth="320px", component=dcc.Dropdown(
                    id="hub-host", options=[{"label": "a new point (click the map)", "value": NEW_SITE}] + host_options)),
                *[field_control(HubRequest, b) for b in HUB_BINDINGS[2:2 + len(FINANCE)]],
                field_control(HubRequest, HUB_BINDINGS[-4], value=30),
                field_control(HubRequest, HUB_BINDINGS[-3]),
                traffic_period_control(HubRequest, HUB_BINDINGS[-2], session.profile),
            ]),
            html.Div(id="hub-headline", className="panel"),
            map_row("hub-map", [html.H3("Cover before and after"), html.Div(id="hub-table"),
                                html.H3("Capacity of the hub"), html.Div(id="hub-capacity")]),
            html.Div(className="panel", children=[html.H3("Areas that gain and lose"), html.Div(id="hub-areas")]),
            html.Div(className="panel", children=[html.H3("Finance of the merger"), html.Div(id="hub-finance")]),
            html.Div(className="controls", children=[
                field_control(HubRequest, HUB_BINDINGS[-1], component=dcc.Input(
                    id="hub-name", placeholder="e.g. town centre tri-service hub")),
                html.Button("Save scenario", id="hub-save"),
                html.Button("Download report (HTML)", id="hub-report-btn"), dcc.Download(id="hub-report")]),
            html.Div(id="hub-saved", className="note"),
            dcc.Store(id="hub-point"),
        ]),
        html.Div(className="panel", children=[
            html.H3("Site a shared headquarters, workshop or training centre"),
            html.P(className="note", children="Who travels to it, where it may be, how many, and what to minimise: "
                   "total trip time, the worst trip, or generalised cost with a value of time. Trips a year can be "
                   "edited per site in the table below the map."),
            html.Div(className="controls", children=[
                field_control(FacilityRequest, HQ_BINDINGS[0], label="Users (who travels)", component=dcc.Checklist(
                    id="hq-users", value=["fire", "police"], options=list(EMERGENCY_SERVICES), inline=True,
                    inputStyle={"marginRight": "4px", "marginLeft": "10px"})),
                field_control(FacilityRequest, HQ_BINDINGS[1], component=dcc.Checklist(
                    id="hq-candidates", value=list(EMERGENCY_SERVICES), options=list(EMERGENCY_SERVICES), inline=True,
                    inputStyle={"marginRight": "4px", "marginLeft": "10px"})),
                field_control(FacilityRequest, HQ_BINDINGS[2], component=dcc.RadioItems(
                    id="hq-objective", value="total", inline=True, options=[
                        {"label": "least total trip time", "value": "total"},
                        {"label": "least worst trip", "value": "worst"}],
                    inputStyle={"marginRight": "4px", "marginLeft": "10px"})),
                field_control(FacilityRequest, HQ_BINDINGS[3]),
                field_control(FacilityRequest, HQ_BINDINGS[4]),
                field_control(FacilityRequest, HQ_BINDINGS[5]),
            ]),
            html.Div(id="hq-summary", className="note"),
            map_row("hq-map", [html.H3("Every candidate as the one facility"), html.Div(id="hq-ranking")]),
            html.H3("Users and their trips a year (editable)"),
            html.Div(id="hq-users-table"),
            html.Div(className="controls", children=[html.Button("Download report (HTML)", id="hq-report-btn"),
                                                     dcc.Download(id="hq-report")]),
            dcc.Store(id="hq-trips-edited", data=[]),
        ]),
    ])
