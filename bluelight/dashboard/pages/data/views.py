"""Data: what is loaded, from which files (hash, rows, rejects), licences and standards: what the page shows, as plain functions of the request and the engine's answers."""

from __future__ import annotations

from typing import Any

import dash
import pandas as pd
from dash import Input, Output, State, dcc, html
from bluelight.foundation.access import allows, cleared_for
from bluelight.dashboard.auth import audit_log, current_role, current_user
from bluelight.dashboard.callbacks import callback
from bluelight.dashboard.layout import Page
from bluelight.dashboard.queries import OGL_ATTRIBUTION, OSM_ATTRIBUTION, Warehouse
from bluelight.services.fleet_system import SERVICES
from bluelight.services.simulation import SimulationRequest, validate
from bluelight.dashboard.components import tables as table_parts
from bluelight.dashboard.pages.data import figures


#: (what, licence, link, words in a loaded file's path that show it is loaded)
LICENCES = [
    ("OpenStreetMap roads and tagged stations", f"{OSM_ATTRIBUTION}; Open Database Licence 1.0",
     "https://www.openstreetmap.org/copyright", (".osm", ".pbf", ".graphml", "osm")),
    ("London Fire Brigade stations, property and incident records", f"London Fire Brigade. {OGL_ATTRIBUTION}",
     "https://data.london.gov.uk/", ("lfb_",)),
    ("Metropolitan Police stations 2013, London Ambulance Service stations", OGL_ATTRIBUTION,
     "https://data.london.gov.uk/", ("met_police", "las_ambulance")),
    ("ONS population estimates and LSOA boundaries", f"Office for National Statistics. {OGL_ATTRIBUTION}. "
     "Contains OS data © Crown copyright and database right", "https://www.ons.gov.uk/", ("population", "lsoa")),
    ("Local authority boundaries", f"Office for National Statistics. {OGL_ATTRIBUTION}. Contains OS data © Crown "
     "copyright and database right", "https://geoportal.statistics.gov.uk/", ("local_authorities", "boroughs")),
    ("Home Office fire station lists (duty systems, locations)", f"Home Office. {OGL_ATTRIBUTION}",
     "https://www.gov.uk/government/collections/fire-statistics", ("fire_stations_england", "duty_and_coresponder")),
]


def loaded_licences(file_paths: Any) -> list[tuple[str, str, str]]:
    """The licences of the sources actually loaded (from the load history's file paths)."""
    text = " ".join(str(p).lower() for p in file_paths)
    return [(name, lic, url) for name, lic, url, words in LICENCES if any(w in text for w in words)]


def audit_panel() -> list[Any]:
    """The newest audit events, for administrators only."""
    if not allows(current_role(), "admin") or current_user().username == "local":
        return []
    return [html.Div(className="panel", children=[
        html.H3("Audit log (newest first)"),
        html.P(className="note", children="Sign-ins, sign-outs, exports and saved scenarios: who, what, when. The "
               "whole log: bluelight audit --json."),
        table_parts.frame_table(pd.DataFrame(audit_log(limit=200)), table_id="data-audit", page_size=10)])]


def rejects_view(rejects: pd.DataFrame) -> list[Any]:
    """Rejected rows as loaded (their values can be incident records) for analysts; counts for everyone else."""
    if cleared_for(current_role(), "official-sensitive"):
        return [table_parts.frame_table(rejects, table_id="data-rejects", page_size=8)]
    counts = rejects.groupby(["file_path", "field"], dropna=False).size().reset_index(name="rows rejected")
    return [html.P(className="note", children="The rejected values are incident-level records, shown to analysts "
                   "only; here, how many rows each file lost and on which field."),
            table_parts.frame_table(counts, table_id="data-rejects", page_size=8)]
