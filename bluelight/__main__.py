"""``python -m bluelight``: the command line."""

import sys

from bluelight.cli import main

sys.exit(main())
