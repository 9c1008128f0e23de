"""A parameter sweep's request (services.sweep_parameters): values that are numbers within the parameter's bounds."""

from __future__ import annotations

import pytest

from bluelight.foundation.errors import ValidationError
from bluelight.services.sweep_parameters import ParameterSweepRequest


def test_parameter_values_are_numbers_within_the_parameter_s_bounds_sorted():
    assert ParameterSweepRequest.parse(values="2,1.45,1").values == ("1", "1.45", "2")
    with pytest.raises(ValidationError, match="Values must be numbers"):
        ParameterSweepRequest.parse(values="1,x")
    with pytest.raises(ValidationError, match="from 1 to 10"):
        ParameterSweepRequest.parse(values="1,12")
    with pytest.raises(ValidationError, match="must differ"):
        ParameterSweepRequest.parse(values="2,2.0")
    with pytest.raises(ValidationError, match="at least"):
        ParameterSweepRequest.parse(values="2")
    assert ParameterSweepRequest.parse(parameter="turnout_add_s", values="-30,60").values == ("-30", "60")
