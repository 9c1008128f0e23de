"""Options every command group shares, and opening what a command reads or writes.

Options of a use case are built from its request's fields
(:func:`request_options`), so a flag has the name, default, range and help
of the control beside it on the dashboard, and a bad value gets the same
message (the request validates it, here and there).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import click
import duckdb

from bluelight.foundation.environment import warehouse_path
from bluelight.foundation.errors import ConfigError, ValidationError
from bluelight.services.requests import SNAP_FIELD, TRAFFIC_PERIOD_FIELD

F = TypeVar("F", bound=Callable[..., Any])

warehouse_option = click.option(
    "--warehouse", "warehouse", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="Warehouse file (default: $BLUELIGHT_WAREHOUSE or data/warehouse/atlas.duckdb).")
json_option = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
partial_option = click.option("--accept-partial", is_flag=True,
                              help="Load the valid rows of a file that has invalid ones (rejects are kept).")
encoding_option = click.option("--encoding", default="utf-8", show_default=True, help="Text encoding of the file.")
map_option = click.option("--map", "mapping", multiple=True, metavar="OURS=THEIRS",
                          help="Column mapping for files with other headers, e.g. --map site_id=StationCode.")
security_option = click.option(
    "--store", "store", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="Accounts and audit file (default: $BLUELIGHT_SECURITY_STORE or data/security/accounts.sqlite).")


def column_mapping(pairs: tuple[str, ...]) -> dict[str, str]:
    """``--map OURS=THEIRS`` pairs as a dict (refused, naming the pair, without the ``=``)."""
    out = {}
    for pair in pairs:
        if "=" not in pair:
            raise ConfigError(f"--map expects OURS=THEIRS, got {pair!r}")
        ours, theirs = pair.split("=", 1)
        out[ours.strip()] = theirs.strip()
    return out


#: the earlier name of ``--traffic-period``, still accepted (hidden from the help) with a notice to use the new one
LEGACY_PERIOD_OPTION = "--hour-band"


def _remember_period(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Checked by the field every page binds (the same message as beside the page's control); the earlier
    option name works, says it is the earlier name, and may not disagree with the new one."""
    if value is None:
        return value
    if param.name == "hour_band":
        click.echo(f"note: {LEGACY_PERIOD_OPTION} is now --traffic-period (the earlier name still works).", err=True)
    try:
        period = TRAFFIC_PERIOD_FIELD.parse(value)
    except ValidationError as exc:
        raise click.BadParameter(exc.errors[exc.field]) from None
    if ctx.meta.get("traffic_period", period) != period:
        raise click.BadParameter(f"--traffic-period and {LEGACY_PERIOD_OPTION} (its earlier name) disagree: "
                                 f"{ctx.meta['traffic_period']} and {period}")
    ctx.meta["traffic_period"] = period
    return value


def profile_option(fn: F) -> F:
    """``--profile`` and ``--traffic-period``: which speed profile, and whose hours' times (all hours by default)."""
    fn = click.option(LEGACY_PERIOD_OPTION, "hour_band", default=None, expose_value=False, hidden=True,
                      callback=_remember_period, is_eager=True)(fn)
    fn = click.option("--traffic-period", metavar="|".join(TRAFFIC_PERIOD_FIELD.choices or ()), default=None,
                      expose_value=False, callback=_remember_period, is_eager=True,
                      help="Times for one traffic period of the profile (night 22-07, weekday peak 07-10 and 16-19, "
                           "off_peak the rest) instead of all hours. [default: all]")(fn)
    return click.option("--profile", default=None,
                        help="Speed profile name or YAML path (default: the area's, else the latest calibrated).")(fn)


def snap_option(fn: F) -> F:
    """``--max-snap-m``, from the one field every command and page shares."""
    return click.option(SNAP_FIELD.option, "max_snap_m", default=None, metavar="N",
                        help=f"{SNAP_FIELD.help} [default: {SNAP_FIELD.default:g}] Allowed: {SNAP_FIELD.range_text()}.")(fn)


def snap(value: str | None) -> float:
    """``--max-snap-m`` as metres (its default when not given), validated by the shared field."""
    return float(SNAP_FIELD.default) if value is None else float(SNAP_FIELD.parse(value))


def request_options(request_cls: Any, *, skip: tuple[str, ...] = ()) -> Callable[[F], F]:
    """Click options built from a request's fields: the same names, defaults, ranges and help as the pages.

    Values arrive as text and are validated by the request, so that a bad
    value gets the message the dashboard shows beside its control.
    """
    def decorate(fn: F) -> F:
        for f in reversed(request_cls.FIELDS):
            if f.name in skip or f.name == TRAFFIC_PERIOD_FIELD.name:       # --traffic-period comes with --profile
                continue
            rng = f.range_text()
            text = " ".join(part for part in (f.help or f.label + ".", _default_text(f),
                                              f"Allowed: {rng}." if rng else "") if part)
            if f.kind is bool:
                fn = click.option(f.option, f.name, is_flag=True, default=False, help=text)(fn)
            elif f.kind is list:
                fn = click.option(f.option, f.name, multiple=True, metavar="A,B", help=text + " Repeatable.")(fn)
            elif f.kind is dict:
                fn = click.option(f.option, f.name, multiple=True, metavar="KEY=VALUE",
                                  help=text + " Comma-separated or repeatable.")(fn)
            else:
                metavar = "|".join(f.choices) if f.choices and len(f.choices) <= 6 else \
                    "N" if f.kind in (int, float) else "TEXT"
                fn = click.option(f.option, f.name, default=None, metavar=metavar, help=text)(fn)
        return fn
    return decorate


def _default_text(f: Any) -> str:
    if f.default is None or f.default == ():
        return ""
    shown = ",".join(f.default) if isinstance(f.default, tuple) else f.default
    return f"[default: {shown}]"


def parsed(request_cls: Any, options: dict[str, Any]) -> Any:
    """The request from the options given (those not given keep the request's defaults)."""
    given = {}
    for f in request_cls.FIELDS:
        if f.name in options:
            value = options.pop(f.name)
            if f.kind in (list, dict):
                value = ",".join(value) if value else None
            if value is not None and not (f.kind is bool and value is False):
                given[f.name] = value
    return request_cls.parse(**given)


def session_for(con: duckdb.DuckDBPyConnection, profile: str | None, **options: Any) -> Any:
    """A session over ``con`` with the profile asked for, for the traffic period asked for (``--traffic-period``)."""
    from bluelight.services.inputs import session_profile
    from bluelight.services.session import Session

    ctx = click.get_current_context(silent=True)
    period = ctx.meta.get("traffic_period") if ctx is not None else None
    return Session.over(con, session_profile(con, profile), **options).for_period(period)


def data_dir() -> Path:
    """The data directory the national commands read (refused, with what to set, when there is none)."""
    from bluelight.foundation.environment import configured_data_dir

    source = configured_data_dir()
    if source is None:
        raise ConfigError("no data directory: set BLUELIGHT_DATA_DIR to the directory holding england/ and london/")
    return source.path


def open_warehouse(warehouse: Path | None, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection to the warehouse asked for (or the configured one)."""
    from bluelight.etl.warehouse import connect

    return connect(warehouse_path(warehouse), read_only=read_only)


class Warehouse:
    """Open the warehouse to read (and always close it), or to write through a published staging copy."""

    def __init__(self, warehouse: Path | None, *, read_only: bool = False) -> None:
        self.warehouse = warehouse
        self.read_only = read_only

    def __enter__(self) -> duckdb.DuckDBPyConnection:
        if self.read_only:
            self.con = open_warehouse(self.warehouse, read_only=True)
            return self.con
        from bluelight.etl.warehouse import publishing

        self._publish = publishing(warehouse_path(self.warehouse))
        con: duckdb.DuckDBPyConnection = self._publish.__enter__()
        return con

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> bool:
        if self.read_only:
            self.con.close()
            return False
        return bool(self._publish.__exit__(kind, exc, tb))


def reading(warehouse: Path | None) -> Warehouse:
    """The warehouse opened read-only for the length of a ``with`` block."""
    return Warehouse(warehouse, read_only=True)


def writing(warehouse: Path | None) -> Warehouse:
    """The warehouse written through a staging copy published whole at the end of a ``with`` block."""
    return Warehouse(warehouse)


def security_store(path: Path | None) -> Any:
    """The accounts and audit store (``--store``, else the configured one)."""
    from bluelight.services.accounts import security_store as store

    return store(path)
