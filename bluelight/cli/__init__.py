"""The ``bluelight`` command line: the top layer, beside the dashboard.

Each command parses its options, builds the request of one use case
(:mod:`bluelight.services`), calls it and prints the result. Exit codes
belong here: every :class:`~bluelight.foundation.errors.BluelightError` becomes a
message and status 2.

Room: ``main`` (the root group and exit codes), ``options`` (flags shared by
the groups, built from the requests' fields), ``etl``, ``plan`` and ``admin``
(the command groups: each command calls one service by name) and ``render``
(text and JSON of the typed results). May import: services and below, never
the dashboard.
"""

from bluelight.cli.main import cli, main

__all__ = ["cli", "main"]
