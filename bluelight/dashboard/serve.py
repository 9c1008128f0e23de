"""Serve the dashboard: a production server (gunicorn, a process per core) unless ``--debug``; loopback by default.

Whether sign-in is required is decided here, once, before anything is
served. ``--local-only`` serves the person at this machine without sign-in:
only on loopback, never behind a proxy, and refused while accounts exist
(they would be bypassed). Otherwise sign-in must be configured (an account
in the security store, or single sign-on) and stays required for as long as
the server runs. Off loopback or ``--behind-proxy`` (a TLS proxy on the same
host counts), cookies are HTTPS-only and the proxy's forwarded address and
scheme are trusted for one hop (werkzeug's ``ProxyFix``).
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bluelight.foundation.environment import warehouse_path

if TYPE_CHECKING:
    from dash import Dash
    from flask import Flask

log = logging.getLogger(__name__)

#: processes of the production server: one per core, each with its own warehouse connection and caches
WORKERS = max(1, min(4, os.cpu_count() or 1))
#: request threads per process (the heavy work is numpy and DuckDB, which release the GIL; the rest waits on it)
THREADS = 16


def _gunicorn(factory: Callable[[], Flask], options: dict[str, Any]) -> Any:
    """gunicorn run from Python: each worker process builds its own app (no state shared across a fork)."""
    from gunicorn.app.base import BaseApplication

    class App(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Flask:
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
    parser.add_argument("--local-only", action="store_true",
                        help="Serve the person at this machine without sign-in (loopback only; refused while "
                             "accounts exist).")
    parser.add_argument("--behind-proxy", action="store_true",
                        help="A TLS reverse proxy relays the requests: trust its X-Forwarded-For/-Proto for one hop "
                             "and mark cookies Secure.")
    parser.add_argument("--debug", action="store_true", help="Dash's development server with its debugger.")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    from bluelight.foundation.access import load_rules
    from bluelight.foundation.errors import BluelightError
    from bluelight.services.accounts import security_store

    try:
        store = security_store(args.store)
        configured = load_rules().sso.enabled or store.has_accounts()
    except BluelightError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    local = is_loopback(args.host)
    refusal = _refusal(args, store_path=str(store.path), configured=configured, loopback=local)
    if refusal:
        sys.stderr.write(f"error: {refusal}\n")
        return 2
    from bluelight.dashboard.app import create_app

    secure = not local or args.behind_proxy

    def factory() -> Dash:
        app = create_app(warehouse_path(args.warehouse), profile=args.profile, web_tiles=args.web_tiles,
                         security_store=store.path, secure_cookies=secure, local_only=args.local_only)
        if args.behind_proxy:
            from werkzeug.middleware.proxy_fix import ProxyFix

            app.server.wsgi_app = ProxyFix(app.server.wsgi_app, x_for=1, x_proto=1, x_host=1)
        return app

    if args.debug:
        factory().run(host=args.host, port=args.port, debug=True)
        return 0
    log.info("serving on http://%s:%d (gunicorn, %d workers x %d threads; %s)", args.host, args.port, args.workers,
             THREADS, "local only, no sign-in" if args.local_only else "sign-in required")
    _gunicorn(lambda: factory().server,
              {"bind": f"{args.host}:{args.port}", "workers": args.workers, "threads": THREADS,
               "worker_class": "gthread", "timeout": 300, "graceful_timeout": 20, "accesslog": None,
               "errorlog": "-", "loglevel": "warning", "proc_name": "bluelight"}).run()
    return 0


def _refusal(args: argparse.Namespace, *, store_path: str, configured: bool, loopback: bool) -> str | None:
    """Why this combination of options must not be served (None: it may)."""
    how = (f"add an administrator with 'bluelight users add NAME --role admin' (accounts are kept in {store_path}; "
           "set BLUELIGHT_SECURITY_STORE or --store to use another file), or enable single sign-on (the sso section "
           "of security.yaml in the user config directory)")
    if args.debug and not loopback:
        return "the development server (--debug) runs only on loopback"
    if args.local_only:
        if configured:
            return (f"sign-in is configured (accounts in {store_path} or single sign-on), so --local-only would "
                    "serve without it: drop --local-only (with make: make run SIGNIN=)")
        if not loopback:
            return (f"refusing to serve on {args.host} without sign-in: --local-only serves only this machine "
                    f"(127.0.0.1). To serve others, {how}, then serve behind HTTPS.")
        if args.behind_proxy:
            return ("--local-only serves the person at this machine; behind a proxy anyone the proxy lets in "
                    f"would be treated as them. To serve through a proxy, {how}.")
        return None
    if not configured:
        where = (f"refusing to serve on {args.host} without sign-in: anyone who can reach that address would see "
                 "every page and export, incident-level data included" if not loopback
                 else "no sign-in is configured")
        return (f"{where}. Configure sign-in first: {how}, then serve behind HTTPS (the session cookie is marked "
                "Secure off loopback). Or, for the person at this machine only, serve on 127.0.0.1 with "
                "--local-only.")
    return None


if __name__ == "__main__":
    sys.exit(main())
