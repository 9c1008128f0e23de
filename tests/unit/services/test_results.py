"""Typed results (services.results): built from a service's parts, naming a missing or stray part, and their JSON."""

import dataclasses
import json
from typing import Any, ClassVar

import numpy as np
import pytest

from bluelight.foundation.errors import BluelightError
from bluelight.services.results import Result


@dataclasses.dataclass(frozen=True)
class _Answer(Result):
    OPTIONAL: ClassVar[frozenset[str]] = frozenset({"scenario"})

    service: str
    share: float
    points: Any = dataclasses.field(metadata={"json": False})
    scenario: dict[str, Any] | None = None


def test_a_result_is_built_from_its_parts_and_gives_its_json_without_absent_parts():
    r = _Answer.of({"service": "fire", "share": np.float64(0.75), "points": object()})
    assert r.scenario is None
    assert r.to_json() == {"service": "fire", "share": 0.75}                   # frames kept out, None part left out
    assert json.loads(json.dumps(r.to_json())) == {"service": "fire", "share": 0.75}       # JSON as it is
    full = _Answer.of({"service": "fire", "share": 0.5, "points": None, "scenario": {"name": "close"}})
    assert full.to_json()["scenario"] == {"name": "close"}


def test_a_missing_or_stray_part_is_a_named_bug():
    with pytest.raises(BluelightError, match=r"_Answer: unexpected parts \['shares'\], missing parts \['share'\]"):
        _Answer.of({"service": "fire", "shares": 0.5, "points": None})


@dataclasses.dataclass(frozen=True)
class _Renamed(Result):
    traffic_periods: dict[str, Any] = dataclasses.field(metadata={"key": "hour_bands"})
    share: float = 0.0


def test_a_field_renamed_after_its_key_was_published_keeps_the_key_in_the_json():
    r = _Renamed.of({"traffic_periods": {"night": 1.0}, "share": 0.5})
    assert r.traffic_periods == {"night": 1.0}
    assert list(r.to_json()) == ["hour_bands", "share"] and r.to_json()["hour_bands"] == {"night": 1.0}
