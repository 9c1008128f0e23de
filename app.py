"""Serve the Blue Light Atlas dashboard: ``python app.py [--host H] [--port N] [--warehouse PATH] [--debug]``."""

from __future__ import annotations

import sys

from bluelight.dashboard.serve import main

if __name__ == "__main__":
    sys.exit(main())
