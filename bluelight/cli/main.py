"""The ``bluelight`` root command: its groups, and errors turned into messages and exit codes.

Every command takes ``--warehouse``; reporting commands take ``--json``.
Errors a user can cause exit with status 2 and a one-paragraph message.
"""

from __future__ import annotations

import logging
import sys

import click

from bluelight import __version__
from bluelight.cli import admin, etl, plan, sweep
from bluelight.foundation.errors import BluelightError

log = logging.getLogger("bluelight")

#: exit status of every error a user can cause (bad file, option or data); exit codes belong to the CLI alone
USER_ERROR = 2


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="bluelight")
@click.option("-v", "--verbose", count=True, help="More logging (-v info, -vv debug).")
def cli(verbose: int) -> None:
    """Blue Light Atlas: cover, co-location and standby planning for UK blue-light services."""
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


for command in (etl.etl, etl.status, etl.check, etl.synthetic,
                plan.coverage, plan.executive, plan.national, plan.batch, plan.isochrones, plan.calibrate,
                plan.scenario, plan.colocation, plan.dap, plan.coresponding, plan.simulate,
                sweep.sweep, admin.users, admin.audit):
    cli.add_command(command)


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI and turn project errors into a message and exit status 2.

    Parameters
    ----------
    argv
        The arguments (default: the process's).

    Returns
    -------
    int
        The exit status: 0, 2 for an error the user can fix, 130 when aborted, 1 for a bug.
    """
    try:
        cli.main(args=argv, prog_name="bluelight", standalone_mode=False)
    except BluelightError as exc:
        click.echo(f"error: {exc}", err=True)
        return USER_ERROR
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except Exception as exc:  # noqa: BLE001 - the last line of defence: a message, never a traceback
        log.debug("unexpected error", exc_info=exc)
        click.echo(f"error: unexpected {type(exc).__name__}: {exc} (this is a bug; run with -vv for the details)",
                   err=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
