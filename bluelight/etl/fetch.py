"""Download an area's files from their publishers into the cache, each checked against its published checksum.

Used by ``bluelight etl region --name`` when the data directory does not
hold what a region needs. Every file is written to a temporary name and
renamed only once its checksum matches, so a killed or corrupted download
never looks complete; a file already in the cache with the right checksum is
not fetched again. Offline, the error says what to supply instead.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from bluelight.foundation.config_files import load_config
from bluelight.foundation.errors import DataSourceError

log = logging.getLogger(__name__)

#: largest file fetched (an English county extract is well under this)
MAX_BYTES = 2_000_000_000
TIMEOUT_S = 30.0


def slug(name: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    if not s:
        raise DataSourceError(f"{name!r} is not an area name")
    return s


def _base(section: dict[str, Any], what: str) -> str:
    base = os.environ.get("BLUELIGHT_DOWNLOAD_BASE") or section.get("base")
    if not base:
        raise DataSourceError(f"the {what} have no stable download address: put them in the data directory "
                              "(BLUELIGHT_DATA_DIR, see data/README.md) or set BLUELIGHT_DOWNLOAD_BASE to a mirror "
                              "laid out like it, with a SHA256SUMS file")
    return str(base).rstrip("/")


def _get(url: str, *, limit: int = MAX_BYTES) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_S) as resp:       # noqa: S310 - configured https/http
            data: bytes = resp.read(limit + 1)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise DataSourceError(f"cannot download {url}: {exc}. Offline? Put the file in the data directory "
                              f"(BLUELIGHT_DATA_DIR) or pass --roads FILE") from exc
    if len(data) > limit:
        raise DataSourceError(f"{url}: larger than {limit:,} bytes: refused")
    return data


def _save(data: bytes, out: Path, *, digest: str, algorithm: str, url: str) -> Path:
    got = hashlib.new(algorithm, data).hexdigest()
    if got != digest.lower():
        raise DataSourceError(f"{url}: {algorithm} {got} does not match the published {digest}: not saved")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".partial")
    tmp.write_bytes(data)
    tmp.replace(out)
    return out


def _cached(out: Path, digest: str, algorithm: str) -> bool:
    return out.is_file() and hashlib.new(algorithm, out.read_bytes()).hexdigest() == digest.lower()


def fetch_osm(name: str, cache: Path) -> Path:
    """The area's OpenStreetMap extract (md5-checked), downloaded into ``cache`` unless already there."""
    doc, _ = load_config("region_sources.yaml")
    osm = doc["osm"]
    s = slug(name)
    base = _base(osm, "OpenStreetMap extracts")
    file_url, sum_url = f"{base}/{osm['file'].format(slug=s)}", f"{base}/{osm['checksum'].format(slug=s)}"
    digest = _get(sum_url, limit=10_000).decode("ascii", "replace").split()[0]
    out = cache / "osm" / osm["file"].format(slug=s)
    if _cached(out, digest, "md5"):
        return Path(out)
    log.info("downloading %s", file_url)
    return _save(_get(file_url), out, digest=digest, algorithm="md5", url=file_url)


def fetch_national(cache: Path) -> Path:
    """The national files a region draws on (sha256-checked), laid out as a data directory under ``cache``."""
    doc, _ = load_config("region_sources.yaml")
    nat = doc["national"]
    base = _base(nat, "national population, boundary and station files")
    sums = {}
    for line in _get(f"{base}/{nat['checksums']}", limit=100_000).decode("utf-8", "replace").splitlines():
        parts = line.split()
        if len(parts) == 2:
            sums[parts[1].lstrip("*")] = parts[0]
    root = cache / "national"
    for rel in nat["files"]:
        if rel not in sums:         # the mirror does not publish it: the region step says what is missing
            log.warning("%s/%s lists no checksum for %s: not downloaded", base, nat["checksums"], rel)
            continue
        out = root / rel
        if not _cached(out, sums[rel], "sha256"):
            log.info("downloading %s/%s", base, rel)
            _save(_get(f"{base}/{rel}"), out, digest=sums[rel], algorithm="sha256", url=f"{base}/{rel}")
    return root
