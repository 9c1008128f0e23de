"""The base of every use case's typed result.

A service answers with a frozen dataclass (``CoverageResult``, ``ScenarioResult``,
``DapPlan``...): the CLI and the pages read its attributes, and
:meth:`Result.to_json` gives the JSON the CLI prints and the pages keep in
their stores. Fields that only some answers have (a scenario's after figures,
say) are ``None`` when absent and left out of the JSON, as they were before
results were typed. Parts a page draws but the JSON never carried (the
evaluations behind a map, say) are fields with ``metadata={"json": False}``, and a
field renamed after its JSON key was published keeps that key with
``metadata={"key": "<published name>"}`` (scripts read the JSON).
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar, Self

from bluelight.foundation.errors import BluelightError


def jsonable(value: Any) -> Any:
    """A result, or anything inside one, as plain JSON-ready values (typed results as their JSON).

    Parameters
    ----------
    value
        A result, a dict or list holding results, or a plain value.

    Returns
    -------
    Any
        The same with every typed result replaced by its JSON.
    """
    if isinstance(value, Result):
        return value.to_json()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


@dataclasses.dataclass(frozen=True)
class Result:
    """A use case's answer: typed fields, and the JSON they stand for."""

    #: fields left out of the JSON when ``None`` (parts only some answers have)
    OPTIONAL: ClassVar[frozenset[str]] = frozenset()

    def to_json(self) -> dict[str, Any]:
        """The result as JSON-ready values, in field order, without the absent optional parts.

        Returns
        -------
        dict
            One key per field (absent optional parts left out), under its published key where it has one.
        """
        out = {}
        for f in dataclasses.fields(self):
            if not f.metadata.get("json", True):
                continue
            value = getattr(self, f.name)
            if value is None and f.name in self.OPTIONAL:
                continue
            out[f.metadata.get("key", f.name)] = jsonable(value)
        return out

    @classmethod
    def of(cls, values: dict[str, Any]) -> Self:
        """The typed result of a dict a service built (every key a field; absent optional parts ``None``).

        Parameters
        ----------
        values
            The answer's parts by name.

        Returns
        -------
        Result
            The typed result.

        Raises
        ------
        BluelightError
            When a key is not a field or a required field is missing (a bug in the service, named).
        """
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - names)
        missing = sorted(names - set(values) - cls.OPTIONAL)
        if unknown or missing:
            raise BluelightError(f"{cls.__name__}: unexpected parts {unknown}, missing parts {missing}")
        return cls(**{name: values.get(name) for name in names})
