"""Typed requests: each use case's inputs, their defaults, ranges and validation, defined once.

A request class lists its :class:`Field` s. The command line builds its
options from them and the dashboard its controls, and both hand the raw
values to :meth:`Request.parse`, so an invalid value gets the same message on
both (beside the control in the dashboard, as exit status 2 on the command
line) and is never replaced by a default.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar, Self

from bluelight.analysis.speeds import PERIOD_CHOICES
from bluelight.foundation.errors import ValidationError


@dataclass(frozen=True)
class Field:
    """One input of a request.

    Parameters
    ----------
    name
        The request attribute, ``threshold_s``; the CLI option is ``--threshold-s``.
    label
        What the dashboard control says.
    kind
        ``int``, ``float``, ``str``, ``bool``, ``list`` (several choices, comma-separated on the CLI) or
        ``dict`` (figures by key, ``KEY=VALUE`` comma-separated on the CLI; each value a number within the
        bounds, of ``value_kind``).
    default
        Used when the value is not given (``None``: "from the configuration" when ``optional``).
    minimum, maximum
        Inclusive bounds of a number.
    choices
        Allowed values of a ``str`` or of each item of a ``list``.
    optional
        Whether ``None`` (blank) is allowed; otherwise a blank is an error, never a default.
    unit
        ``s`` for durations, shown in minutes too; ``share`` for fractions.
    min_items
        Least number of items of a ``list``.
    flag
        The command-line option when it is not the name (``--site`` for ``site_id``).
    expected
        What a valid value is, in words, where the kind's own words would not say it ("one of the sites, another
        site, or a new point").
    """

    name: str
    label: str
    kind: type
    default: Any = None
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[Any, ...] | None = None
    optional: bool = False
    unit: str = ""
    help: str = ""
    min_items: int = 0
    flag: str | None = None
    value_kind: type = float
    expected: str = ""

    @property
    def option(self) -> str:
        """The command-line option: ``flag`` if given, else ``--`` and the name with hyphens."""
        return self.flag or "--" + self.name.replace("_", "-")

    def range_text(self) -> str:
        lo, hi = self.minimum, self.maximum
        if lo is None and hi is None:
            return ""
        fmt = (lambda v: f"{v:g}") if self.kind is not int else (lambda v: f"{int(v)}")
        if self.unit == "s":
            fmt = lambda v: f"{v:g} s ({v / 60:.3g} min)"  # noqa: E731
        if lo is not None and hi is not None:
            return f"from {fmt(lo)} to {fmt(hi)}"
        return f"at least {fmt(lo)}" if lo is not None else f"at most {fmt(hi)}"

    def _fail(self, what: str, raw: Any) -> ValidationError:
        shown = "blank" if raw is None or (isinstance(raw, str) and not raw.strip()) else repr(raw)
        if self.unit == "s" and shown != "blank":
            try:
                shown = f"{float(raw):g} s ({float(raw) / 60:.3g} min)"
            except (TypeError, ValueError):
                pass
        return ValidationError(self.name, f"{self.label} must be {what}, got {shown}")

    def parse(self, raw: Any) -> Any:
        """The validated value of ``raw`` (a string from the command line, or a control's value)."""
        blank = raw is None or (isinstance(raw, str) and not raw.strip()) or (
            isinstance(raw, (list, tuple)) and not raw and self.kind is not list)
        if blank:
            if self.kind is dict:
                return ()
            if self.optional:
                return None
            raise self._fail(self._expected(), raw)
        if self.kind is bool:
            return self._parse_bool(raw)
        if self.kind is list:
            return self._parse_list(raw)
        if self.kind is dict:
            return self._parse_mapping(raw)
        if self.kind is str:
            value = str(raw).strip()
            if self.choices is not None and value not in self.choices:
                raise self._fail(f"one of {', '.join(map(str, self.choices))}", raw)
            return value
        return self._parse_number(raw)

    def _expected(self) -> str:
        """What a valid value is, in words (the message says "<label> must be <this>, got ...")."""
        if self.expected:
            return self.expected
        if self.kind is list and self.choices:
            return f"at least {self.min_items} of {', '.join(map(str, self.choices))}"
        if self.kind is list:
            return f"a list of at least {self.min_items}"
        if self.kind is str and self.choices:
            return f"one of {', '.join(map(str, self.choices))}"
        if self.kind is str:
            return "filled in"
        if self.kind is bool:
            return "true or false"
        noun = "a whole number" if self.kind is int else "a number"
        rng = self.range_text()
        return f"{noun} {rng}".strip()

    def _parse_bool(self, raw: Any) -> bool:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in {"1", "true", "yes", "on"}:
            return True
        if text in {"0", "false", "no", "off"}:
            return False
        raise self._fail("true or false", raw)

    def _parse_list(self, raw: Any) -> tuple[Any, ...]:
        items = [s.strip() for s in raw.split(",")] if isinstance(raw, str) else [str(s).strip() for s in raw]
        items = [s for s in items if s]
        if self.choices is not None:
            bad = [s for s in items if s not in self.choices]
            if bad:
                raise self._fail(f"among {', '.join(self.choices)}", ",".join(bad))
        if len(items) < self.min_items:
            raise self._fail(self._expected(), ",".join(items) or None)
        return tuple(dict.fromkeys(items))

    def _parse_mapping(self, raw: Any) -> tuple[tuple[str, float], ...]:
        """``{key: value}``, pairs, or ``"K=V,K=V"`` as sorted (key, number) pairs; every bad value named by key."""
        if isinstance(raw, str):
            items = []
            for part in (p.strip() for p in raw.split(",")):
                if not part:
                    continue
                key, sep, value = part.partition("=")
                if not sep or not key.strip():
                    raise self._fail("KEY=VALUE pairs separated by commas", part)
                items.append((key.strip(), value.strip()))
        elif isinstance(raw, dict):
            items = [(str(k).strip(), v) for k, v in raw.items()]
        else:
            try:
                items = [(str(k).strip(), v) for k, v in raw]
            except (TypeError, ValueError):
                raise self._fail("KEY=VALUE pairs", raw) from None
        one = Field(self.name, self.label, self.value_kind, minimum=self.minimum, maximum=self.maximum,
                    unit=self.unit)
        out = {}
        for key, value in items:
            try:
                out[key] = one._parse_number(value)
            except ValidationError:
                raise ValidationError(self.name, f"{self.label} for {key} must be {one._expected()}, "
                                                 f"got {value!r}") from None
        return tuple(sorted(out.items()))

    def _parse_number(self, raw: Any) -> int | float:
        try:
            value = float(raw) if not isinstance(raw, bool) else math.nan
        except (TypeError, ValueError):
            raise self._fail(self._expected(), raw) from None
        if not math.isfinite(value):
            raise self._fail(self._expected(), raw)
        if self.kind is int:
            if value != int(value):
                raise self._fail(self._expected(), raw)
            value = int(value)
        if (self.minimum is not None and value < self.minimum) or (self.maximum is not None and value > self.maximum):
            raise self._fail(self._expected(), raw)
        return value


#: how far from every road a point may lie and still be on the network; one field for every command and page
SNAP_FIELD = Field("max_snap_m", "Furthest from a road (m)", float, 250.0, 10.0, 5000.0,
                   help="Points further than this from every road are off the network (metres).")


#: whose hours' travel times a result is for (the speed profile's fitted traffic periods); one field for every page
TRAFFIC_PERIOD_FIELD = Field("traffic_period", "Travel times for", str, "all", choices=PERIOD_CHOICES,
                             help="Times of one traffic period of the speed profile (night, weekday peak, off_peak) "
                                  "or all hours.")


class Request:
    """Base of the typed requests: ``FIELDS`` describe the dataclass's attributes."""

    FIELDS: ClassVar[tuple[Field, ...]] = ()

    @classmethod
    def field(cls, name: str) -> Field:
        for f in cls.FIELDS:
            if f.name == name:
                return f
        raise KeyError(name)

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        return {f.name: f.default for f in cls.FIELDS}

    @classmethod
    def parse(cls, **raw: Any) -> Self:
        """Validate every given field (the rest take their defaults) and build the request.

        Raises
        ------
        ValidationError
            Naming every invalid field and why (``errors`` maps field to message).
        """
        known = {f.name for f in cls.FIELDS}
        unknown = set(raw) - known
        if unknown:
            raise ValidationError(sorted(unknown)[0], f"unknown field(s) {sorted(unknown)}")
        values, errors = {}, {}
        for f in cls.FIELDS:
            if f.name not in raw:
                values[f.name] = f.default
                continue
            try:
                values[f.name] = f.parse(raw[f.name])
            except ValidationError as exc:
                errors.update(exc.errors)
        if not errors:
            try:
                cls.check(values)
            except ValidationError as exc:
                errors.update(exc.errors)
        if errors:
            raise ValidationError(next(iter(errors)), "", errors=errors)
        own = set(getattr(cls, "__dataclass_fields__", None) or values)
        return cls(**{k: v for k, v in values.items() if k in own})

    @classmethod
    def check(cls, values: dict[str, Any]) -> None:
        """Rules across fields; raise :class:`ValidationError` naming the field to fix."""
