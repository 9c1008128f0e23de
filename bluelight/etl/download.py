"""Fetch the demo's public datasets from their publishers when a machine is online.

OpenStreetMap roads and stations for the demo boroughs come through osmnx
(Overpass); the London Datastore files are fetched from their publisher's
addresses. Everything lands in a cache directory laid out like the shared
data directory, so the same demo manifest loads it. Offline machines never
reach this code's network calls: :func:`is_online` answers first, fast.
"""

from __future__ import annotations

import logging
import socket
import urllib.request
from pathlib import Path

from bluelight.foundation.errors import DataSourceError

log = logging.getLogger(__name__)

DEMO_PLACES = {
    "westminster": "City of Westminster, London, England",
    "city_of_london": "City of London, England",
    "camden": "London Borough of Camden, London, England",
}
STATION_TAGS: dict[str, bool | str | list[str]] = {"amenity": ["fire_station", "police", "ambulance_station"], "emergency": ["ambulance_station"]}

#: publisher addresses of the London Datastore files the demo uses
#: (best effort: a file that cannot be fetched is reported and the demo loads without it)
DATASTORE_FILES = {
    "london/stations/met_police_stations_2013.csv":
        "https://data.london.gov.uk/download/police-stations-2013/police-stations-2013.csv",
}


def is_online(host: str = "overpass-api.de", port: int = 443, timeout_s: float = 3.0) -> bool:
    """Whether the OSM servers can be reached, decided within ``timeout_s``."""
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return True
    except OSError:
        return False


def download_demo(cache: Path) -> Path:
    """Download the demo datasets into ``cache``; returns the directory.

    Raises
    ------
    DataSourceError
        If the machine is offline or a publisher refuses.
    """
    import osmnx as ox

    if not is_online():
        msg = "cannot download the demo data: no connection to the OpenStreetMap servers"
        raise DataSourceError(msg)
    ox.settings.use_cache = True
    ox.settings.cache_folder = str(cache / "osmnx-http")
    roads = cache / "london" / "roads"
    roads.mkdir(parents=True, exist_ok=True)
    stations = cache / "london" / "stations"
    stations.mkdir(parents=True, exist_ok=True)
    try:
        for key, place in DEMO_PLACES.items():
            target = roads / f"{key}_drive.graphml"
            if not target.exists():
                log.info("downloading the drive network of %s", place)
                ox.save_graphml(ox.graph_from_place(place, network_type="drive"), target)
        pois = stations / "osm_stations.geojson"
        if not pois.exists():
            frames = [ox.features_from_place(p, STATION_TAGS) for p in DEMO_PLACES.values()]
            import pandas as pd

            gdf = pd.concat(frames)
            gdf["service"] = gdf.get("amenity").fillna(gdf.get("emergency")).map(
                {"fire_station": "fire", "police": "police", "ambulance_station": "ambulance"})
            gdf = gdf.reset_index()
            gdf["site_id"] = "OSM-" + gdf["element"].str[0] + gdf["id"].astype(str)
            gdf["name"] = gdf.get("name").fillna("Unnamed station")
            gdf[["site_id", "name", "service", "geometry"]].to_file(pois, driver="GeoJSON")
    except (OSError, ValueError) as exc:
        msg = f"downloading the demo data failed: {exc}"
        raise DataSourceError(msg) from exc
    for rel, url in DATASTORE_FILES.items():
        target = cache / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            continue
        try:
            urllib.request.urlretrieve(url, target)  # noqa: S310 - fixed https publisher address
        except OSError as exc:
            target.unlink(missing_ok=True)
            log.warning("could not fetch %s from its publisher (%s); the demo loads without it", url, exc)
    (cache / "COMPLETE").write_text("downloaded\n")
    return cache
