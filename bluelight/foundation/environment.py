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

from bluelight.foundation.errors import ConfigError

log = logging.getLogger(__name__)

#: the checkout this package runs from, or None when it is installed (a wheel in site-packages)
_ROOT = Path(__file__).resolve().parents[2]          # the checkout (bluelight/foundation/ is two below)
REPO_ROOT: Path | None = _ROOT if (_ROOT / "pyproject.toml").is_file() and (_ROOT / "bluelight").is_dir() else None


def home_dir() -> Path:
    """Where the warehouse, download cache and saved scenarios live.

    ``BLUELIGHT_HOME``; else the checkout's ``data/`` when running from one;
    else ``$XDG_DATA_HOME/bluelight`` (``~/.local/share/bluelight``).
    """
    env = os.environ.get("BLUELIGHT_HOME")
    if env:
        return Path(env).expanduser()
    if REPO_ROOT is not None:
        return REPO_ROOT / "data"
    xdg = os.environ.get("XDG_DATA_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share") / "bluelight"


def default_warehouse() -> Path:
    return home_dir() / "warehouse" / "atlas.duckdb"


def cache_dir() -> Path:
    return home_dir() / "cache"


def scenario_store() -> Path:
    """Where the dashboard saves scenarios (the only place it writes them)."""
    return home_dir() / "scenarios"


def security_store_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The accounts and audit file: the argument, else ``BLUELIGHT_SECURITY_STORE``, else beside the warehouse."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("BLUELIGHT_SECURITY_STORE")
    return Path(env) if env else home_dir() / "security" / "accounts.sqlite"


def shipped_scenarios() -> Path:
    """The example scenarios shipped inside the package."""
    return Path(__file__).resolve().parents[1] / "scenarios"

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


def warehouse_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The warehouse file: the argument, else ``BLUELIGHT_WAREHOUSE``, else the default."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("BLUELIGHT_WAREHOUSE")
    return Path(env) if env else default_warehouse()


def shared_data_candidates() -> list[Path]:
    """Places where ``shared/data`` may sit beside this checkout."""
    near = [REPO_ROOT.parent / "shared" / "data"] if REPO_ROOT is not None else []
    return near + [Path.cwd().parent / "shared" / "data"]


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


#: what each analysis session keeps, in MB, unless the environment says (see :func:`travel_cache_bytes`)
DEFAULT_TRAVEL_CACHE_MB = 256
DEFAULT_SESSION_CACHE_MB = 768


def _megabytes(name: str, default_mb: int) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default_mb * 2 ** 20
    try:
        mb = int(raw)
    except ValueError:
        mb = -1
    if not 16 <= mb <= 65536:
        msg = f"{name} must be a whole number of MB from 16 to 65536, got {raw!r}"
        raise ConfigError(msg)
    return mb * 2 ** 20


def travel_cache_bytes() -> int:
    """Bytes of drive-time rows a session keeps: ``BLUELIGHT_TRAVEL_CACHE_MB`` (a county-size network with
    thousands of stations needs a few GB to keep every station's rows warm), else 256 MB.

    Raises
    ------
    ConfigError
        If the variable is not a whole number of MB from 16 to 65536.
    """
    return _megabytes("BLUELIGHT_TRAVEL_CACHE_MB", DEFAULT_TRAVEL_CACHE_MB)


def session_cache_bytes() -> int:
    """Bytes of analysis results (models, demand, plans) a session keeps: ``BLUELIGHT_SESSION_CACHE_MB``, else
    768 MB (raises :class:`ConfigError` as :func:`travel_cache_bytes` does)."""
    return _megabytes("BLUELIGHT_SESSION_CACHE_MB", DEFAULT_SESSION_CACHE_MB)
