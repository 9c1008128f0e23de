"""OpenStreetMap plumbing: osmnx kept offline, and OSM files filtered with osmium."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import osmium

from bluelight.foundation.errors import InputFileError

log = logging.getLogger(__name__)

class Tags(Protocol):
    """An OSM object's tags as read here: osmium's ``TagList``, or a plain ``dict`` in tests."""

    def get(self, key: str, default: str | None = None, /) -> str | None: ...


OSM_SUFFIXES = (".osm", ".osm.bz2", ".osm.gz", ".xml", ".osm.pbf", ".pbf")

# The osmnx "drive" network type (osmnx _get_osm_filter), applied to files.
_EXCLUDED_HIGHWAY = {
    "abandoned", "bridleway", "bus_guideway", "construction", "corridor", "cycleway", "elevator",
    "escalator", "footway", "no", "path", "pedestrian", "planned", "platform", "proposed", "raceway",
    "razed", "service", "steps", "track", "bus_stop", "via_ferrata", "rest_area", "services",
}
_EXCLUDED_SERVICE = {"alley", "driveway", "emergency_access", "parking", "parking_aisle", "private"}


def configure_osmnx_offline() -> None:
    """Stop osmnx from ever reaching the network (it otherwise retries for a minute)."""
    import osmnx as ox

    ox.settings.use_cache = False
    ox.settings.log_console = False
    ox.settings.overpass_rate_limit = False
    ox.settings.doh_url_template = None
    ox.settings.requests_timeout = 5
    if "crossing" not in ox.settings.useful_tags_node:        # signalised crossings: crossing=traffic_signals
        ox.settings.useful_tags_node = [*ox.settings.useful_tags_node, "crossing"]


def osm_suffix(path: Path) -> str:
    name = path.name.lower()
    for suf in sorted(OSM_SUFFIXES, key=len, reverse=True):
        if name.endswith(suf):
            return suf
    return path.suffix.lower()


def is_drive_way(tags: Tags) -> bool:
    """Whether an OSM way belongs to the osmnx "drive" network."""
    hw = tags.get("highway")
    if hw is None or hw in _EXCLUDED_HIGHWAY:
        return False
    if tags.get("area") == "yes" or tags.get("motor_vehicle") == "no" or tags.get("motorcar") == "no":
        return False
    if tags.get("access") == "private" or tags.get("service") in _EXCLUDED_SERVICE:
        return False
    return True


#: limits on OSM input (raise with BLUELIGHT_LIMIT_<NAME>): the OSM API itself caps a way at 2,000 nodes
OSM_LIMITS = {"way_nodes": 100_000, "extract_nodes": 60_000_000, "extract_ways": 12_000_000,
              "expanded_mb": 20_000, "expansion_ratio": 200}


def _osm_limit(name: str) -> int:
    import os

    raw = os.environ.get(f"BLUELIGHT_LIMIT_{name.upper()}")
    return int(raw) if raw and raw.isdigit() else OSM_LIMITS[name]


def _over(path: object, what: str, name: str, value: int) -> InputFileError:
    return InputFileError(path, f"{what} ({value:,}) is over the limit of {_osm_limit(name):,}; raise it with "
                                f"BLUELIGHT_LIMIT_{name.upper()} if the extract is genuine")


def check_compressed(path: Path) -> None:
    """Refuse a compressed extract that expands too far (a decompression bomb), reading it as a stream."""
    import bz2
    import gzip

    suffix = osm_suffix(path)
    openers: dict[str, Callable[..., Any]] = {".osm.bz2": bz2.open, ".osm.gz": gzip.open}
    opener = openers.get(suffix)
    if opener is None:
        return
    packed = max(Path(path).stat().st_size, 1)
    cap = min(_osm_limit("expanded_mb") * 1024 * 1024, packed * _osm_limit("expansion_ratio") + 50 * 1024 * 1024)
    total = 0
    try:
        with opener(path, "rb") as fh:
            while chunk := fh.read(1 << 22):
                total += len(chunk)
                if total > cap:
                    raise InputFileError(path, f"expands to more than {cap // (1024 * 1024):,} MB from "
                                               f"{packed:,} bytes: refused as a decompression bomb (raise "
                                               "BLUELIGHT_LIMIT_EXPANSION_RATIO or _EXPANDED_MB if genuine)")
    except (OSError, EOFError, ValueError) as exc:
        raise InputFileError(path, f"cannot be decompressed: {exc}") from exc


def filter_drive_roads(path: Path, out_dir: Path) -> tuple[Path, int]:
    """Write an OSM XML file holding only the drive ways of ``path`` and their nodes.

    ``osmnx.graph_from_xml`` does not filter by road type, so this runs first.
    An extract cut out of a larger file (Geofabrik, ``osmium extract``) has
    ways that run past its edge, referring to nodes it does not hold: each way
    is cut at its missing nodes, keeping every run of two or more nodes that
    are present (a run after the first gets a new way id above the file's
    largest), so a clipped extract loads as the roads inside it. The ways are
    read (and the file validated) before the writer opens, because the writer
    leaves temporary files behind when reading fails.

    Returns
    -------
    (filtered_file, ways_kept)
    """
    check_compressed(path)
    present: set[int] = set()
    drive = []
    max_id = n_ways = 0
    max_nodes, max_way_nodes, max_ways = _osm_limit("extract_nodes"), _osm_limit("way_nodes"), _osm_limit("extract_ways")
    try:
        for obj in osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY):
            if isinstance(obj, osmium.osm.Node):
                present.add(obj.id)
                if len(present) > max_nodes:
                    raise _over(path, "nodes in the extract", "extract_nodes", len(present))
            elif isinstance(obj, osmium.osm.Way):
                n_ways += 1
                if n_ways > max_ways:
                    raise _over(path, "ways in the extract", "extract_ways", n_ways)
                if len(obj.nodes) > max_way_nodes:
                    raise _over(path, f"nodes in way {obj.id}", "way_nodes", len(obj.nodes))
                max_id = max(max_id, obj.id)
                if is_drive_way(obj.tags):
                    drive.append((obj.id, obj.version or 1, [n.ref for n in obj.nodes], dict(obj.tags)))
    except RuntimeError as exc:
        raise InputFileError(path, f"cannot read as OSM data: {exc}") from exc
    ways, cut, next_id = [], 0, max_id + 1
    for way_id, version, refs, tags in drive:
        runs = _present_runs(refs, present)
        if len(runs) != 1 or len(runs[0]) != len(refs):
            cut += 1
        for i, run in enumerate(runs):
            wid = way_id if i == 0 else next_id
            next_id += i > 0
            ways.append(osmium.osm.mutable.Way(id=wid, version=version, nodes=run, tags=tags))
    if cut:
        log.info("%s: %d drive ways run past the extract's edge (nodes missing) and were cut there", path, cut)
    out = Path(out_dir) / f"{path.name}.drive.osm"
    if ways:
        # the nodes keep their tags: traffic signals, crossings, give-ways and stops delay the travel model
        with osmium.BackReferenceWriter(str(out), ref_src=str(path), overwrite=True, remove_tags=False) as writer:
            for way in ways:
                writer.add_way(way)
    return out, len(ways)


def _present_runs(refs: list[int], present: set[int]) -> list[list[int]]:
    """The runs of consecutive node refs present in the file, each of two nodes or more."""
    runs, run = [], []
    for ref in refs:
        if ref in present:
            run.append(ref)
            continue
        if len(run) >= 2:
            runs.append(run)
        run = []
    if len(run) >= 2:
        runs.append(run)
    return runs
