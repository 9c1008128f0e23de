"""Isochrones of a site or a whole service: ``bluelight isochrones`` and the Coverage page's site view."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np

from bluelight.analysis.isochrones import isochrones_frame
from bluelight.foundation.errors import AnalysisError, ValidationError
from bluelight.foundation.vocab import EMERGENCY_SERVICES
from bluelight.services.inputs import read_sites, site_turnouts
from bluelight.services.requests import Field, Request
from bluelight.services.session import Session


@dataclass(frozen=True)
class IsochroneRequest(Request):
    """One site's bands, or a service's open sites merged."""

    site_id: str | None = None
    service: str | None = None
    bands: tuple[float, ...] = (300.0, 480.0, 600.0)
    drive_only: bool = False

    FIELDS = (
        Field("site_id", "Site", str, None, optional=True, help="One site's isochrones.", flag="--site"),
        Field("service", "Service", str, None, choices=EMERGENCY_SERVICES, optional=True,
              help="Merged isochrones of every open site of a service."),
        Field("bands", "Bands (seconds)", list, ("300", "480", "600"), min_items=1,
              help="Band limits in seconds, comma-separated."),
        Field("drive_only", "Drive time only", bool, False, help="Drive time only (default: turnout + drive)."),
    )

    @classmethod
    def check(cls, values: dict[str, Any]) -> None:
        if (values["site_id"] is None) == (values["service"] is None):
            raise ValidationError("site_id", "give exactly one of a site or a service")
        try:
            bands = tuple(float(b) for b in values["bands"])
        except ValueError:
            raise ValidationError("bands", f"Bands must be numbers of seconds separated by commas, "
                                           f"got {','.join(values['bands'])!r}") from None
        if any(not (0 < b <= 7200) for b in bands) or list(bands) != sorted(set(bands)):
            raise ValidationError("bands", f"Bands must be increasing seconds between 0 and 7200, got {bands}")
        values["bands"] = bands


def run_isochrones(session: Session, request: IsochroneRequest) -> gpd.GeoDataFrame:
    """A GeoDataFrame of isochrone bands (EPSG:27700) for one site or a service's open sites merged.

    Parameters
    ----------
    session
        The routing session over the warehouse (network, placed sites and demand, bounded caches).
    request
        One site or one service, the bands, and whether turnout counts.
    """
    if request.site_id is not None:
        sites = session.read(lambda cur: cur.execute(
            "SELECT site_id, name, service, status, duty_system, turnout_s, easting, northing "
            "FROM sites WHERE site_id = ?", [request.site_id]).df())
        if sites.empty:
            raise AnalysisError(f"no site {request.site_id!r} in the warehouse")
        label = f"{sites['name'].iloc[0]} ({request.site_id})"
    else:
        service = str(request.service)          # check() leaves exactly one of a site or a service
        sites = session.read(lambda cur: read_sites(cur, services=[service]))
        label = f"all open {request.service} sites"
    placed = session.place_sites(sites.reset_index(drop=True))
    used = placed[placed["node"] >= 0].reset_index(drop=True)
    if used.empty:
        raise AnalysisError(f"{label}: no site within {session.max_snap_m:.0f} m of a road of the network")
    offsets = np.zeros(len(used)) if request.drive_only else site_turnouts(used, session.profile)
    times, _ = session.site_field(used, offsets, cutoff_s=max(request.bands))
    source = (float(used["easting"].iloc[0]), float(used["northing"].iloc[0])) if request.site_id else None
    gdf = isochrones_frame(session.network, session.edge_geoms, times, request.bands, label=label, source_xy=source,
                           engine="grid")
    gdf["measure"] = "drive time" if request.drive_only else "response (turnout + drive)"
    gdf["profile"] = session.profile.key
    gdf["attribution"] = "© OpenStreetMap contributors (ODbL)"
    return gdf
