"""The project's exception hierarchy.

Every error a user can cause (bad file, bad option, missing data) is a
:class:`BluelightError`. This is foundation code: it knows nothing of exit
codes or web pages; the command line (``bluelight.cli``) turns these into a
message and exit status 2, the dashboard into a message beside the control.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class BluelightError(Exception):
    """Base class of every error raised on purpose by Blue Light Atlas."""


class ConfigError(BluelightError):
    """A setting, option or parameter file is missing or invalid."""


class DataSourceError(BluelightError):
    """No usable data directory, download or synthetic fallback."""


class WarehouseError(BluelightError):
    """The warehouse cannot be opened, or is missing what a command needs."""


class InputFileError(BluelightError):
    """An input file is unusable as a whole (empty, binary, wrong schema...).

    Parameters
    ----------
    path
        The file.
    message
        What is wrong, in words a user can act on.
    row
        1-based data row (header excluded) where the problem is, if any.
    field
        Column or field name concerned, if any.
    """

    def __init__(self, path: object, message: str, *, row: int | None = None, field: str | None = None) -> None:
        self.path = str(path)
        self.row = row
        self.field = field
        where = [self.path]
        if row is not None:
            where.append(f"row {row}")
        if field is not None:
            where.append(f"field '{field}'")
        super().__init__(f"{', '.join(where)}: {message}")


class RejectedRowsError(BluelightError):
    """A file has invalid rows and the user did not pass ``--accept-partial``."""

    def __init__(self, path: object, rejects: Iterable[Any], rows_read: int) -> None:
        self.path = str(path)
        self.rejects = list(rejects)
        self.rows_read = rows_read
        shown = "\n".join(f"  - {r.describe()}" for r in self.rejects[:10])
        more = len(self.rejects) - 10
        tail = f"\n  ... and {more} more" if more > 0 else ""
        rows = {r.row for r in self.rejects if r.row is not None}
        bad = len(rows) or len(self.rejects)
        msg = (
            f"{self.path}: {bad} of {rows_read} rows are invalid; nothing was loaded "
            f"(pass --accept-partial to load the valid rows and keep the rejects):\n{shown}{tail}"
        )
        super().__init__(msg)


class SignInThrottled(BluelightError):
    """Too many failed sign-ins for an account or address: the next try must wait ``retry_after_s``."""

    def __init__(self, retry_after_s: float, *, locked: bool):
        self.retry_after_s = max(1, int(retry_after_s + 0.999))
        self.locked = locked
        what = "too many failed sign-ins: locked" if locked else "too many failed sign-ins: wait"
        super().__init__(f"{what} for {self.retry_after_s} s before trying again")


class AnalysisError(BluelightError):
    """An analysis was asked something it cannot answer with the inputs given."""


class ValidationError(ConfigError):
    """A request's field is out of range or of the wrong kind.

    Parameters
    ----------
    field
        The request field (``k``, ``threshold_s``): the CLI shows it as an
        option, the dashboard beside the control bound to it.
    message
        What is wrong and what is allowed.
    """

    def __init__(self, field: str, message: str, *, errors: dict[str, str] | None = None):
        self.field = field
        self.errors = dict(errors or {field: message})
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))
