"""Configuration files: shipped as package data, overridable from a user directory.

Speed profiles, targets, rates and rules are YAML files inside the installed
package (``bluelight/config``), read through :mod:`importlib.resources` so that
a wheel install works as well as a checkout. A user directory
(``BLUELIGHT_CONFIG_DIR``, else ``$XDG_CONFIG_HOME/bluelight``, else
``~/.config/bluelight``) can add files or override shipped ones by name; new
files (a fitted speed profile) are written there, never into the package.

This is the one YAML loader of the project: every reader goes through
:func:`read_yaml`, so every bad file gets the same kind of message.
"""

from __future__ import annotations

import os
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml

from bluelight.foundation.errors import ConfigError

PROFILES = "speed_profiles"


def package_config() -> Traversable:
    """The configuration shipped inside the installed package."""
    return resources.files("bluelight") / "config"


def user_config_dir() -> Path:
    """Where a user's own configuration lives (it may not exist yet)."""
    env = os.environ.get("BLUELIGHT_CONFIG_DIR")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CONFIG_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".config") / "bluelight"


def config_file(name: str) -> Path:
    """A configuration file by relative name: the user's copy if there is one, else the shipped one.

    Pip installs packages unpacked, so the shipped file is a real path that
    loaders needing one (the targets loader hashes the file) can open.

    Raises
    ------
    ConfigError
        If neither exists.
    """
    user = user_config_dir() / name
    if user.is_file():
        return user
    shipped = package_config().joinpath(*name.split("/"))
    if shipped.is_file():
        return Path(str(shipped))
    msg = f"configuration file {name!r} is neither in {user_config_dir()} nor shipped with the package"
    raise ConfigError(msg)


def config_words(path: str | Path) -> str:
    """Where a configuration file is, in words a page can show without a server path.

    >>> config_words(package_config() / "ambulance_demand.yaml")
    'the shipped config/ambulance_demand.yaml'
    """
    path = Path(str(path))
    shipped = Path(str(package_config()))
    for root, words in ((shipped, "the shipped config"), (user_config_dir(), "your configuration directory's")):
        try:
            return f"{words}/{path.relative_to(root).as_posix()}" if words.endswith("config") else \
                f"{words} {path.relative_to(root).as_posix()}"
        except ValueError:
            continue
    return f"the file {path.name}"


def read_yaml(source: str | Path | Traversable, *, what: str = "configuration") -> dict[str, Any]:
    """A YAML mapping from a file, or a :class:`ConfigError` naming the file and the problem."""
    label = str(source)
    try:
        text = source.read_text(encoding="utf-8") if isinstance(source, Traversable) \
            else Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        msg = f"{what} {label}: cannot be read ({exc.__class__.__name__}: {exc})"
        raise ConfigError(msg) from exc
    return parse_yaml(text, source=f"{what} {label}")


#: a configuration or scenario file is a page of settings: anything larger is refused before it is parsed
MAX_YAML_CHARS = 1_000_000
#: aliases (``*name``) one document may use: a few dozen in a hand-written file, millions in an alias bomb
MAX_YAML_ALIASES = 200
#: how deeply mappings and lists may nest
MAX_YAML_DEPTH = 50
#: values once every alias is expanded: a settings file has hundreds, an alias bomb billions
MAX_YAML_EXPANDED = 200_000


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader with the alias count and nesting depth bounded while the document is composed.

    A "billion laughs" document is small on disk and in PyYAML's graph (aliases
    are shared references) but explodes when anything walks it; counting what
    each node would expand to while composing refuses it in microseconds,
    before any walk.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._aliases = 0
        self._depth = 0
        self._expanded: dict[int, int] = {}      # id(node) -> values it stands for once aliases are expanded

    def _size(self, node: yaml.Node) -> int:
        if id(node) not in self._expanded:
            if isinstance(node, yaml.MappingNode):
                size = 1 + sum(self._size(k) + self._size(v) for k, v in node.value)
            elif isinstance(node, yaml.SequenceNode):
                size = 1 + sum(self._size(v) for v in node.value)
            else:
                size = 1
            self._expanded[id(node)] = size
        return self._expanded[id(node)]

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node:
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_YAML_ALIASES:
                mark = self.peek_event().start_mark
                raise yaml.YAMLError(f"more than {MAX_YAML_ALIASES} aliases (line {mark.line + 1}): refused as a "
                                     "possible alias bomb")
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                mark = self.peek_event().start_mark
                raise yaml.YAMLError(f"nested more than {MAX_YAML_DEPTH} levels deep (line {mark.line + 1})")
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if self._size(node) > MAX_YAML_EXPANDED:
            raise yaml.YAMLError(f"expands to more than {MAX_YAML_EXPANDED:,} values once its aliases are "
                                 f"followed (line {node.start_mark.line + 1}): refused as a possible alias bomb")
        return node


def parse_yaml(text: str, *, source: str) -> dict[str, Any]:
    """A YAML mapping from text; ``source`` names it in the :class:`ConfigError` if it is not one.

    The text's size, its aliases and its nesting are bounded (:data:`MAX_YAML_CHARS`,
    :data:`MAX_YAML_ALIASES`, :data:`MAX_YAML_DEPTH`), so a hostile file is refused, not expanded.
    """
    if len(text) > MAX_YAML_CHARS:
        msg = f"{source}: {len(text):,} characters; a settings file may hold at most {MAX_YAML_CHARS:,}"
        raise ConfigError(msg)
    try:
        doc = yaml.load(text, Loader=_BoundedLoader)  # noqa: S506 - a SafeLoader subclass
    except (yaml.YAMLError, RecursionError) as exc:
        msg = f"{source}: not valid YAML: {exc}"
        raise ConfigError(msg) from exc
    if not isinstance(doc, dict):
        msg = f"{source}: expected a mapping of keys to values"
        raise ConfigError(msg)
    return doc


def renamed(doc: dict[str, Any], key: str, earlier: str, *, origin: str) -> Any:
    """A setting read under its name or the name it had before (documents written earlier keep working); both
    given is refused rather than one silently chosen. None when neither is given.

    >>> renamed({"hour_bands": [[0, 6]]}, "hour_ranges", "hour_bands", origin="simulation.yaml")
    [[0, 6]]
    """
    if key in doc and earlier in doc:
        msg = f"{origin}: give {key} or {earlier} (its earlier name), not both"
        raise ConfigError(msg)
    return doc[key] if key in doc else doc.get(earlier)


def load_config(name: str) -> tuple[dict[str, Any], str]:
    """A named configuration document (``dap.yaml``) and where it was read from."""
    source = config_file(name)
    return read_yaml(source, what=name), str(source)


def _profile_files(directory: Path | None = None) -> dict[str, Traversable]:
    """Every speed profile by name; a user's profile overrides a shipped one of the same name.

    ``directory`` replaces both with one directory of profiles (for a calibration kept apart).
    """
    found: dict[str, Traversable] = {}
    if directory is not None:
        return {e.stem: e for e in sorted(Path(directory).glob("*.yaml"))}
    shipped = package_config() / PROFILES
    for entry in shipped.iterdir() if shipped.is_dir() else ():
        if entry.name.endswith(".yaml"):
            found[entry.name.removesuffix(".yaml")] = entry
    user = user_config_dir() / PROFILES
    for entry in sorted(user.glob("*.yaml")) if user.is_dir() else ():
        found[entry.stem] = entry
    return found


def profile_names(*, directory: Path | None = None) -> list[str]:
    """Names of every speed profile available (shipped and the user's, or those in ``directory``)."""
    return sorted(_profile_files(directory))


def latest_profile_name(family: str = "bluelight", *, directory: Path | None = None) -> str:
    """The highest version of a profile family (``bluelight_v2``, or ``_v3`` after a calibration)."""
    versions = [int(n.removeprefix(f"{family}_v")) for n in _profile_files(directory)
                if n.startswith(f"{family}_v") and n.removeprefix(f"{family}_v").isdigit()]
    if not versions:
        where = directory or f"the package or {user_config_dir() / PROFILES}"
        msg = f"no {family}_v*.yaml speed profile in {where}"
        raise ConfigError(msg)
    return f"{family}_v{max(versions)}"


def profile_document(name_or_path: str | Path | None = None, *,
                     directory: Path | None = None) -> tuple[dict[str, Any], str]:
    """A speed profile's YAML document by name (default: the latest ``bluelight`` version) or by file path."""
    if name_or_path is None:
        name_or_path = latest_profile_name(directory=directory)
    if Path(str(name_or_path)).suffix:
        path = Path(name_or_path)
        if not path.is_file():
            msg = f"speed profile file {path} not found"
            raise ConfigError(msg)
        return read_yaml(path, what="speed profile"), str(path)
    files = _profile_files(directory)
    if str(name_or_path) not in files:
        msg = f"speed profile {str(name_or_path)!r} not found; known profiles: {sorted(files)}"
        raise ConfigError(msg)
    source = files[str(name_or_path)]
    return read_yaml(source, what="speed profile"), str(source)


def write_profile(name: str, text: str, *, directory: Path | None = None) -> Path:
    """Write a new speed profile atomically into the user directory (or ``directory``), never the package."""
    target_dir = Path(directory) if directory else user_config_dir() / PROFILES
    target_dir.mkdir(parents=True, exist_ok=True)
    out = target_dir / f"{name}.yaml"
    tmp = out.with_suffix(".yaml.partial")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)
    return out
