"""``bluelight users`` and ``audit``: who may sign in to the dashboard, and what they did."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from bluelight.cli import render
from bluelight.cli.options import json_option, security_option, security_store


@click.group()
def users() -> None:
    """Dashboard accounts: who may sign in, with which role (viewer, planner, analyst, admin)."""


@users.command("add")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(["viewer", "planner", "analyst", "admin"]),
              help="viewer: aggregate maps and tables; planner: scenarios, co-location, DAPs and saving; "
                   "analyst: incident-level data and exports; admin: everything and the audit log.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (for scripts).")
@click.option("--replace", is_flag=True, help="Change an existing account's role and password.")
@security_option
def users_add(username: str, role: str, password_stdin: bool, replace: bool, store: Path | None) -> None:
    """Add a local account (the password is asked for, twice, and stored only as an Argon2id hash)."""
    from bluelight.services.accounts import add_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    user = add_user(security_store(store), username, password, role, replace=replace)
    click.echo(f"{'changed' if replace else 'added'} {user.username} as {user.role}")


@users.command("remove")
@click.argument("username")
@security_option
def users_remove(username: str, store: Path | None) -> None:
    """Remove an account (its sessions end at their next request)."""
    from bluelight.services.accounts import remove_user

    remove_user(security_store(store), username)
    click.echo(f"removed {username}")


@users.command("list")
@security_option
@json_option
def users_list(store: Path | None, as_json: bool) -> None:
    """The accounts and their roles (never their password hashes)."""
    from bluelight.services.accounts import list_users

    render.show(list_users(security_store(store)), as_json, render.users_lines)


@click.command("audit")
@click.option("--limit", type=click.IntRange(1, 100_000), default=50, show_default=True)
@click.option("--action", default=None, help="Only this action (sign_in, sign_in_failed, export, scenario_saved...).")
@security_option
@json_option
def audit(limit: int, action: str | None, store: Path | None, as_json: bool) -> None:
    """The audit log, newest first: sign-ins, exports and saved scenarios (who, what, when)."""
    from bluelight.services.accounts import audit_events

    render.show(audit_events(security_store(store), limit=limit, action=action), as_json, render.audit_lines)
