"""Scenario appraisal's own rules (services.scenarios): whose optimism bias applies."""

import pytest

from bluelight.analysis.scenario import Scenario
from bluelight.foundation.errors import ValidationError
from bluelight.services.scenarios import AppraisalRequest, load_appraisal_settings, optimism_bias


def test_the_request_beats_the_scenario_which_beats_the_project_types_uplift():
    settings = load_appraisal_settings()
    plain = Scenario("close one")
    default = optimism_bias(plain, AppraisalRequest())
    assert default.project_type == settings.default_project_type
    assert default.capital_pct == settings.project_types[settings.default_project_type]
    typed = optimism_bias(Scenario("hub", project_type="non_standard_buildings", optimism_bias_pct=10.0),
                          AppraisalRequest())
    assert (typed.project_type, typed.capital_pct) == ("non_standard_buildings", 10.0)
    entered = optimism_bias(plain, AppraisalRequest(optimism_bias_pct=7.5))
    assert (entered.project_type, entered.capital_pct, entered.source) == ("as entered", 7.5,
                                                                           "entered for this appraisal")
    with pytest.raises(ValidationError, match="project type must be one of"):
        optimism_bias(plain, AppraisalRequest(project_type="castles"))
