"""Isochrones of a site or a service from the warehouse."""

from __future__ import annotations

import numpy as np

from bluelight.analysis.isochrones import isochrones_frame
from bluelight.analysis.snapping import DEFAULT_MAX_SNAP_M, snap_points
from bluelight.analysis.speeds import SpeedProfile
from bluelight.analysis.traveltime import nearest_site_field
from bluelight.errors import AnalysisError
from bluelight.services.inputs import read_network, read_sites, site_turnouts


def run_isochrones(con, profile: SpeedProfile, *, bands_s, site_id: str | None = None, service: str | None = None,
                   include_turnout: bool = True, max_snap_m: float = DEFAULT_MAX_SNAP_M):
    """A GeoDataFrame of isochrone bands (EPSG:27700) for one site or a service's open sites merged."""
    net, geoms = read_network(con, profile)
    if site_id is not None:
        sites = con.execute("SELECT site_id, name, service, status, duty_system, turnout_s, easting, northing "
                            "FROM sites WHERE site_id = ?", [site_id]).df()
        if sites.empty:
            raise AnalysisError(f"no site {site_id!r} in the warehouse")
        label = f"{sites['name'].iloc[0]} ({site_id})"
    else:
        sites = read_sites(con, services=[service])
        label = f"all open {service} sites"
    snap = snap_points(net, sites["easting"].to_numpy(), sites["northing"].to_numpy(), max_snap_m=max_snap_m)
    if not snap.on_network.any():
        raise AnalysisError(f"{label}: no site within {max_snap_m:.0f} m of the road network")
    used = sites[snap.on_network]
    offsets = site_turnouts(used, profile) if include_turnout else np.zeros(len(used))
    times, _ = nearest_site_field(net, snap.node[snap.on_network], offsets, cutoff_s=max(bands_s))
    source = (float(used["easting"].iloc[0]), float(used["northing"].iloc[0])) if site_id else None
    gdf = isochrones_frame(net, geoms, times, bands_s, label=label, source_xy=source)
    gdf["measure"] = "response (turnout + drive)" if include_turnout else "drive time"
    gdf["profile"] = profile.key
    gdf["attribution"] = "© OpenStreetMap contributors (ODbL)"
    return gdf
