"""Where things are: repository root, data directory, warehouse, config files.

The data directory is resolved in a fixed order so that every machine,
developer's or CI's, reads the same public data without copying it into the
repository: ``BLUELIGHT_DATA_DIR``; ``../shared/data`` beside the checkout;
a download cache filled from the publishers when online; a synthetic region.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from bluelight.errors import ConfigError

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = REPO_ROOT / "config"
DEFAULT_WAREHOUSE = REPO_ROOT / "data" / "warehouse" / "atlas.duckdb"
CACHE_DIR = REPO_ROOT / "data" / "cache"

#: a file the resolver looks for to accept a directory as the real data directory
DEMO_MARKER = Path("london") / "roads" / "westminster_drive_2024-02.graphml"


@dataclass(frozen=True)
class DataSource:
    """A resolved data directory and how it was found.

    ``kind`` is one of ``env``, ``shared``, ``download`` or ``synthetic``.
    """

    path: Path
    kind: str

    @property
    def synthetic(self) -> bool:
        return self.kind == "synthetic"


def warehouse_path(explicit: str | os.PathLike | None = None) -> Path:
    """The warehouse file: the argument, else ``BLUELIGHT_WAREHOUSE``, else the default."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("BLUELIGHT_WAREHOUSE")
    return Path(env) if env else DEFAULT_WAREHOUSE


def shared_data_candidates() -> list[Path]:
    """Places where ``shared/data`` may sit beside this checkout."""
    return [REPO_ROOT.parent / "shared" / "data", Path.cwd().parent / "shared" / "data"]


def configured_data_dir() -> DataSource | None:
    """The data directory from the environment or beside the checkout, if any.

    Raises
    ------
    ConfigError
        If ``BLUELIGHT_DATA_DIR`` names a directory that does not exist.
    """
    env = os.environ.get("BLUELIGHT_DATA_DIR")
    if env:
        path = Path(env).expanduser()
        if not path.is_dir():
            msg = f"BLUELIGHT_DATA_DIR={env!r} is not a directory"
            raise ConfigError(msg)
        return DataSource(path.resolve(), "env")
    for cand in shared_data_candidates():
        if cand.is_dir():
            return DataSource(cand.resolve(), "shared")
    return None
