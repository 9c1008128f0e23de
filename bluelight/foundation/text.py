"""How figures are written for people, on every surface (CLI text, pages, reports): one set of rules.

Money with thousands separators and no pence, shares as percentages to one
decimal, times as minutes and seconds (m:ss), discount factors to four places.
"""

from __future__ import annotations

import math

import numpy as np

from bluelight.foundation.errors import ConfigError

#: how a column is written; every table in a report names one per column it formats
FORMATS = ("gbp", "pct", "points", "factor", "duration", "int", "num1", "text")


def fmt(value: object, kind: str) -> str:
    """``value`` written as ``kind``: ``gbp`` -£330,000; ``pct`` 12.3% (of a share); ``points`` +1.2;
    ``factor`` 0.9662; ``duration`` 5:20 (m:ss, of seconds); ``int`` 1,234; ``num1`` 1,234.5.

    >>> fmt(-330000.4, "gbp"), fmt(0.1234, "pct"), fmt(0.96621, "factor"), fmt(320, "duration"), fmt(True, "text")
    ('-£330,000', '12.3%', '0.9662', '5:20', 'yes')
    """
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if kind == "text" or not isinstance(value, (int, float, np.integer, np.floating)):
        return str(value)
    v = float(value)
    if kind == "gbp":
        return f"{'-' if round(v) < 0 else ''}£{abs(v):,.0f}"
    if kind == "pct":
        return f"{100 * v:.1f}%"
    if kind == "points":
        return f"{v:+.1f}"
    if kind == "factor":
        return f"{v:.4f}"
    if kind == "duration":
        return mmss(v)
    if kind == "int":
        return f"{v:,.0f}"
    if kind == "num1":
        return f"{v:,.1f}"
    raise ConfigError(f"unknown format {kind!r}; use one of {', '.join(FORMATS)}")


def mmss(seconds: float) -> str:
    """Seconds as m:ss (h:mm:ss from an hour), rounded to the second.

    Examples
    --------
    >>> mmss(265.4), mmss(59.6), mmss(3725), mmss(-30)
    ('4:25', '1:00', '1:02:05', '-0:30')
    """
    if seconds is None or not math.isfinite(float(seconds)):
        return "–"
    sign = "-" if seconds < 0 else ""
    total = int(round(abs(float(seconds))))
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{sign}{h}:{m:02d}:{s:02d}" if h else f"{sign}{m}:{s:02d}"


def signed_mmss(seconds: float) -> str:
    """A change in seconds as m:ss with its sign always shown.

    >>> signed_mmss(5.2), signed_mmss(-75), signed_mmss(0)
    ('+0:05', '-1:15', '+0:00')
    """
    text = mmss(seconds)
    return text if text.startswith(("-", "–")) else "+" + text


def money(value: float) -> str:
    """£ with separators, the minus before the pound sign, millions to two decimals.

    Examples
    --------
    >>> money(-3_750_000), money(12_345.6), money(0)
    ('−£3.75m', '£12,346', '£0')
    """
    sign = "−" if round(value) < 0 else ""
    v = abs(value)
    return f"{sign}£{v / 1e6:,.2f}m" if v >= 1e6 else f"{sign}£{v:,.0f}"


def percent(share: float | None) -> float | None:
    """A share as a percentage to one decimal, for a table cell that stays a number (None stays None).

    >>> percent(0.12345), percent(None)
    (12.3, None)
    """
    return None if share is None else round(100 * float(share), 1)


def profile_words(key: str) -> str:
    """A speed profile's key as words a reader can trace: ``bluelight@3/night`` -> speed profile bluelight,
    version 3 (night hours).

    >>> profile_words("bluelight@3"), profile_words("bluelight@3/night"), profile_words("mine")
    ('speed profile bluelight, version 3', 'speed profile bluelight, version 3 (night hours)', 'speed profile mine')
    """
    base, _, band = str(key).partition("/")
    name, _, version = base.partition("@")
    words = f"speed profile {name}" + (f", version {version}" if version else "")
    return words + (f" ({band.replace('_', '-')} hours)" if band else "")
