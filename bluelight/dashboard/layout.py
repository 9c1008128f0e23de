"""The page shell: navigation, the synthetic-data banner, attribution; and what a page is.

Pages are kept by each app (not in Dash's global page registry), so two apps
in one process never share or rebind each other's layouts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dash import dcc, html
from dash.development.base_component import Component

from bluelight.dashboard.queries import OGL_ATTRIBUTION, OSM_ATTRIBUTION, Warehouse
from bluelight.foundation.access import TIER_TEXT, tier_for


def banner(wh: Warehouse) -> html.Div | None:
    if not wh.available:
        return html.Div(className="banner banner-warn", children=[
            html.B("No warehouse yet. "),
            f"Nothing is loaded at {wh.path}. Build it with ", html.Code("bluelight etl demo"),
            " (or ", html.Code("make run"), ")."])
    if wh.status()["data_source"]["synthetic"]:
        return html.Div(className="banner banner-synthetic", children=[
            html.B("SYNTHETIC DATA. "),
            "No real data directory was found, so this is an invented region for demonstration only: "
            "no figure on this page describes a real place."])
    return None


@dataclass(frozen=True)
class Page:
    """A page of one app: where it is, what the navigation calls it, how to build its layout, and the
    prefixes of its component ids (which tell the server whose callback a request is)."""

    order: int
    path: str
    name: str
    title: str
    layout: Callable[[], object]
    prefixes: tuple[str, ...] = ()


def not_found(pathname: str) -> html.Div:
    return html.Div([html.H2("No such page"), html.P(f"There is no page at {pathname}."),
                     dcc.Link("Back to the overview", href="/")])


def not_permitted(pathname: str, role: str, needed: str) -> html.Div:
    return html.Div([html.H2("Not available to your role"),
                     html.P(f"The page at {pathname} needs the {needed} role; you are signed in as {role}. "
                            "Ask an administrator if your work needs it."),
                     dcc.Link("Back to the overview", href="/")])


def shell(wh: Warehouse, pages: list[Page], *, user: Any = None) -> html.Div:
    """The frame of every page: the navigation (only the pages ``user`` may open), who is signed in."""
    nav = [dcc.Link(page.name, href=page.path, className="nav-link") for page in sorted(pages, key=lambda p: p.order)]
    who: list[Any] = [] if user is None or user.username == "local" else [
        html.Span(f"{user.username} ({user.role})", id="signed-in-as", className="who"), " ",
        html.A("Sign out", href="/logout", id="sign-out-link")]
    return html.Div(className="shell", children=[
        dcc.Location(id="url", refresh=False), html.Span(id="page-title-sink", hidden=True),
        html.Header(className="topbar", children=[
            html.Div("Blue Light Atlas", className="brand"),
            html.Nav(nav, className="nav"),
            html.Div(who, className="account"),
        ]),
        banner(wh),
        html.Div(id="global-alert", className="alert", style={"display": "none"}),
        html.Main(id="page-content", className="content"),
        html.Footer(className="footer", children=[
            html.Span(f"Roads and tagged stations {OSM_ATTRIBUTION}. "),
            html.Span(f"{OGL_ATTRIBUTION}. Boundaries contain OS data © Crown copyright and database right. "),
            html.Span(TIER_TEXT[tier_for(user.role if user is not None else None)], id="data-tier"),
        ]),
    ])


def control(label: str, component: Component, html_for: str | None = None, **style: Any) -> html.Div:
    """A labelled control for a page's control bar (a <label for> when the component has an id to point at)."""
    lab = html.Label(label, htmlFor=html_for) if html_for else html.Span(label, className="control-label")
    return html.Div(className="control", style=style or None, children=[lab, component])


def no_data(title: str) -> html.Div:
    """What a page shows before anything is loaded."""
    return html.Div([html.H2(title), html.P("No data loaded yet.")])


def map_row(map_id: str, side: list[Any], *, note: str | None = None) -> html.Div:
    """The usual row of a page: its map (three fifths, with an optional note beneath) beside a side panel."""
    left: list[Any] = [dcc.Loading(dcc.Graph(id=map_id, config={"displaylogo": False}))]
    if note:
        left.append(html.P(className="note", children=note))
    return html.Div(className="row", children=[
        html.Div(className="col panel", style={"flex": 3}, children=left),
        html.Div(className="col panel", style={"flex": 2}, children=side)])
