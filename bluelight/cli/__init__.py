"""The ``bluelight`` command line: the top layer, beside the dashboard.

Each command parses its options, builds the request of one use case
(:mod:`bluelight.services`), calls it and prints the result. Exit codes
belong here: every :class:`~bluelight.errors.BluelightError` becomes a
message and status 2.
"""

from bluelight.cli.main import cli, main

__all__ = ["cli", "main"]
