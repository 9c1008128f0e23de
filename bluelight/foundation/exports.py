"""Exports a person will open in a spreadsheet: CSV cells that cannot run as formulas.

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
read by spreadsheet programs as a formula (CSV injection); following OWASP's
rule, such text cells are prefixed with a single quote. Numbers are left as
numbers (a negative number is data, not a formula).
"""

from __future__ import annotations

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> object:
    """One cell, neutralised if it is text that a spreadsheet would run."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_csv(frame: pd.DataFrame) -> str:
    """The frame as CSV text, every text cell (and header) made safe to open in a spreadsheet.

    >>> safe_csv(pd.DataFrame({"name": ["=HYPERLINK(1)", "Soho"], "gain": [-1.5, 2.0]})).splitlines()
    ['name,gain', "'=HYPERLINK(1),-1.5", 'Soho,2.0']
    """
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(spreadsheet_safe)
    out.columns = [spreadsheet_safe(str(c)) for c in out.columns]
    return str(out.to_csv(index=False))
