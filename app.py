"""Serve the Blue Light Atlas dashboard: ``python app.py [--host H] [--port N] [--warehouse PATH]``."""

from __future__ import annotations

import argparse
import logging

from bluelight.settings import warehouse_path
from bluelight.dashboard.app import create_app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="Interface to bind (default 127.0.0.1, this machine only).")
    parser.add_argument("--port", type=int, default=8050)
    parser.add_argument("--warehouse", default=None,
                        help="Warehouse file (default: $BLUELIGHT_WAREHOUSE or data/warehouse/atlas.duckdb).")
    parser.add_argument("--profile", default=None, help="Speed profile (default: the latest calibrated version).")
    parser.add_argument("--web-tiles", action="store_true",
                        help="Draw OpenStreetMap web tiles under the maps (needs the internet; off by default).")
    parser.add_argument("--debug", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    app = create_app(warehouse_path(args.warehouse), profile=args.profile, web_tiles=args.web_tiles)
    app.run(host=args.host, port=args.port, debug=args.debug)


if __name__ == "__main__":
    main()
