"""Shared options: ``--traffic-period`` and its earlier name ``--hour-band``, checked by the pages' field."""

import click
from click.testing import CliRunner

from bluelight.cli.options import profile_option


@click.command()
@profile_option
@click.pass_context
def _show(ctx, profile):
    click.echo(f"period={ctx.meta.get('traffic_period', 'unset')} profile={profile}")


def _run(*args):
    return CliRunner().invoke(_show, list(args))


def test_the_traffic_period_is_all_hours_unless_given():
    assert _run().output == "period=unset profile=None\n"           # the session then keeps all hours
    assert _run("--traffic-period", "night").output == "period=night profile=None\n"


def test_the_earlier_name_still_works_and_says_it_is_the_earlier_name():
    got = _run("--hour-band", "peak")
    assert got.exit_code == 0
    assert got.stdout == "period=peak profile=None\n"
    assert got.stderr == "note: --hour-band is now --traffic-period (the earlier name still works).\n"
    assert _run("--traffic-period", "peak", "--hour-band", "peak").exit_code == 0


def test_the_two_names_may_not_disagree():
    got = _run("--traffic-period", "night", "--hour-band", "peak")
    assert got.exit_code == 2
    assert "--traffic-period and --hour-band (its earlier name) disagree: night and peak" in got.output


def test_a_bad_period_gets_the_pages_message_under_either_name():
    for flag in ("--traffic-period", "--hour-band"):
        got = _run(flag, "dusk")
        assert got.exit_code == 2
        assert "Travel times for must be one of all, night, peak, off_peak, got 'dusk'" in got.output


def test_the_help_shows_only_the_new_name():
    out = _run("--help").output
    assert "--traffic-period" in out and "--hour-band" not in out
