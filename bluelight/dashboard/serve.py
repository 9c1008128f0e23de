"""Serve the dashboard: a production server (gunicorn, a process per core) unless ``--debug``; loopback by default.

Without accounts the dashboard serves the person at this machine only (no
sign-in). Binding to anything but loopback would put incident-level data in
front of anyone on the network, so such a bind is refused until sign-in is
configured (an account in the security store); it then marks cookies
HTTPS-only, so put TLS in front (a reverse proxy).
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import sys

from bluelight.settings import warehouse_path

log = logging.getLogger(__name__)

#: processes of the production server: one per core, each with its own warehouse connection and caches
WORKERS = max(1, min(4, os.cpu_count() or 1))
#: request threads per process (the heavy work is numpy and DuckDB, which release the GIL; the rest waits on it)
THREADS = 16


class _Gunicorn:
    """gunicorn run from Python: each worker process builds its own app (no state shared across a fork)."""

    def __new__(cls, factory, options: dict):
        from gunicorn.app.base import BaseApplication

        class App(BaseApplication):
            def load_config(self):
                for key, value in options.items():
                    self.cfg.set(key, value)

            def load(self):
                return factory()
        return App()


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
    parser.add_argument("--store", default=None, help="Accounts and audit file (default: $BLUELIGHT_SECURITY_STORE "
                                                      "or data/security/accounts.sqlite).")
    parser.add_argument("--workers", type=int, default=WORKERS,
                        help=f"Server processes (default {WORKERS}: one per core); each has {THREADS} threads.")
    parser.add_argument("--debug", action="store_true", help="Dash's development server with its debugger.")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    from bluelight.services.accounts import security_store

    store = security_store(args.store)
    local = is_loopback(args.host)
    from bluelight.access import load_rules

    if not local and not store.has_accounts() and not load_rules().sso.enabled:
        sys.stderr.write(
            f"error: refusing to serve on {args.host} without sign-in: anyone who can reach that address would see "
            f"every page and export, incident-level data included. Configure sign-in first: add an administrator "
            f"with 'bluelight users add NAME --role admin' (accounts are kept in {store.path}; set "
            "BLUELIGHT_SECURITY_STORE or --store to use another file), or enable single sign-on (the sso section "
            "of security.yaml in the user config directory), then serve behind HTTPS (the session cookie "
            "is marked Secure off loopback). Or serve on 127.0.0.1, the default.\n")
        return 2
    from bluelight.dashboard.app import create_app

    if args.debug and not local:
        sys.stderr.write("error: the development server (--debug) runs only on loopback\n")
        return 2
    if args.debug:
        app = create_app(warehouse_path(args.warehouse), profile=args.profile, web_tiles=args.web_tiles,
                         security_store=store.path)
        app.run(host=args.host, port=args.port, debug=True)
        return 0
    log.info("serving on http://%s:%d (gunicorn, %d workers x %d threads)", args.host, args.port, args.workers,
             THREADS)
    _Gunicorn(lambda: create_app(warehouse_path(args.warehouse), profile=args.profile, web_tiles=args.web_tiles,
                                 security_store=store.path, secure_cookies=not local).server,
              {"bind": f"{args.host}:{args.port}", "workers": args.workers, "threads": THREADS,
               "worker_class": "gthread", "timeout": 300, "graceful_timeout": 20, "accesslog": None,
               "errorlog": "-", "loglevel": "warning", "proc_name": "bluelight"}).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
