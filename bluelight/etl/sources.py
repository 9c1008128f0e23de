"""Decide where the demo's data comes from, in the documented order."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from bluelight.foundation.environment import DataSource, configured_data_dir
from bluelight.foundation.environment import cache_dir as default_cache_dir
from bluelight.foundation.errors import DataSourceError

log = logging.getLogger(__name__)

DEFAULT_SYNTHETIC_NODES = 4000


def resolve_data_source(*, prefer: str = "auto", synthetic_nodes: int = DEFAULT_SYNTHETIC_NODES,
                        cache_dir: Path | None = None, allow_download: bool | None = None) -> DataSource:
    """Resolve the data source: env, shared, download cache, download, synthetic.

    Parameters
    ----------
    prefer
        ``auto`` follows the order; ``synthetic`` goes straight to a synthetic region.
    allow_download
        Whether to try publishers online (default: unless ``BLUELIGHT_OFFLINE`` is set).
    """
    if prefer not in {"auto", "synthetic"}:
        raise DataSourceError(f"unknown data source preference {prefer!r}; use auto or synthetic")
    cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
    if prefer == "auto":
        found = configured_data_dir()
        if found is not None:
            return found
        downloaded = cache_dir / "download"
        if (downloaded / "COMPLETE").exists():
            return DataSource(downloaded, "download")
        if allow_download is None:
            allow_download = not os.environ.get("BLUELIGHT_OFFLINE")
        if allow_download:
            from bluelight.etl.download import download_demo, is_online

            if is_online():
                return DataSource(download_demo(downloaded), "download")
            log.info("offline: no data directory and no publishers reachable; using a synthetic region")
    from bluelight.etl.synthetic import generate_region, write_region

    out = cache_dir / f"synthetic-{synthetic_nodes}"
    if not (out / "manifest.json").exists():
        log.info("generating a synthetic region of %d nodes in %s", synthetic_nodes, out)
        write_region(generate_region(synthetic_nodes), out)
    return DataSource(out, "synthetic")
