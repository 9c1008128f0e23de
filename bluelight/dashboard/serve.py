"""Serve the dashboard: a production server (waitress, several threads) unless ``--debug``; loopback by default.

Binding to anything but the loopback interface would put incident-level
data in front of anyone on the network, and there is no sign-in yet: such a
bind is refused with a message saying what to configure, rather than served.
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import sys

from bluelight.settings import warehouse_path

log = logging.getLogger(__name__)

#: request threads of the production server (two cores: the heavy work is numpy and DuckDB, which release the GIL)
THREADS = 8


def is_loopback(host: str) -> bool:
    """Whether ``host`` only listens on this machine."""
    if host in {"localhost", ""}:
        return host == "localhost"
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve the Blue Light Atlas dashboard.")
    parser.add_argument("--host", default="127.0.0.1", help="Interface to bind (default 127.0.0.1, this machine only).")
    parser.add_argument("--port", type=int, default=8050)
    parser.add_argument("--warehouse", default=None,
                        help="Warehouse file (default: $BLUELIGHT_WAREHOUSE or data/warehouse/atlas.duckdb).")
    parser.add_argument("--profile", default=None, help="Speed profile (default: the area's, else the latest).")
    parser.add_argument("--web-tiles", action="store_true",
                        help="Draw OpenStreetMap web tiles under the maps (needs the internet; off by default).")
    parser.add_argument("--debug", action="store_true", help="Dash's development server with its debugger.")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if not is_loopback(args.host):
        sys.stderr.write(
            f"error: refusing to serve on {args.host}: the dashboard has no sign-in yet, so anyone who can reach "
            "that address would see every page and export, incident-level data included. Serve on 127.0.0.1 "
            "(the default) behind a reverse proxy that authenticates users (for example your organisation's single "
            "sign-on in front of nginx), or wait for built-in sign-in.\n")
        return 2
    from bluelight.dashboard.app import create_app

    app = create_app(warehouse_path(args.warehouse), profile=args.profile, web_tiles=args.web_tiles)
    if args.debug:
        app.run(host=args.host, port=args.port, debug=True)
        return 0
    from waitress import serve

    log.info("serving on http://%s:%d (waitress, %d threads)", args.host, args.port, THREADS)
    serve(app.server, host=args.host, port=args.port, threads=THREADS, ident="bluelight")
    return 0
