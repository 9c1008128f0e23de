"""Requests validate once, with the same message for the command line and the dashboard."""

from __future__ import annotations

import pytest

from bluelight.cli import main
from bluelight.foundation.errors import ValidationError
from bluelight.services.coverage import CoverageRequest
from bluelight.services.dap import DapRequest
from bluelight.services.requests import Field


def test_numbers_in_range_are_parsed_and_out_of_range_named():
    f = Field("k", "Ambulances to post", int, 5, 1, 50)
    assert f.parse("7") == 7 and f.parse(7.0) == 7
    for bad in ("500", 0, -3, "", None, "2.5", "five", float("nan")):
        with pytest.raises(ValidationError) as exc:
            f.parse(bad)
        assert exc.value.field == "k" and "Ambulances to post must be a whole number from 1 to 50" in str(exc.value)
    with pytest.raises(ValidationError, match="got blank"):
        f.parse("")


def test_durations_are_explained_in_seconds_and_minutes():
    f = Field("threshold_s", "Response standard", float, 480.0, 60.0, 3600.0, unit="s")
    with pytest.raises(ValidationError) as exc:
        f.parse(30000)
    assert str(exc.value) == ("threshold_s: Response standard must be a number from 60 s (1 min) to 3600 s (60 min), "
                              "got 30000 s (500 min)")


def test_optional_blank_means_from_configuration_and_lists_need_items():
    busy = DapRequest.field("busy_fraction")
    assert busy.parse(None) is None and busy.parse("0.4") == 0.4
    cands = DapRequest.field("candidates")
    assert cands.parse("police, fire") == ("police", "fire")
    with pytest.raises(ValidationError, match="Candidate posts must be at least 1 of"):
        cands.parse([])
    with pytest.raises(ValidationError, match="among fire, police, ambulance"):
        cands.parse("fire,coastguard")


def test_request_collects_every_error_and_cross_field_rules():
    with pytest.raises(ValidationError) as exc:
        DapRequest.parse(k="500", alpha="2")
    assert set(exc.value.errors) == {"k", "alpha"}
    with pytest.raises(ValidationError, match="threshold2_s"):
        DapRequest.parse(model="dsm", threshold_s=600, threshold2_s=300)
    assert DapRequest.parse(k="3").k == 3 and DapRequest.parse().k == 5


def test_coverage_standard_defaults_by_service_but_blank_is_an_error():
    assert CoverageRequest.parse(service="police").threshold_s == 900.0
    with pytest.raises(ValidationError, match="Response standard"):
        CoverageRequest.parse(service="fire", threshold_s="")
    with pytest.raises(ValidationError, match="YYYY-MM-DD"):
        CoverageRequest.parse(as_of="9 Jan 2014")


@pytest.mark.parametrize("argv, field, value", [
    (["dap", "--k", "500"], "k", "500"),
    (["dap", "--busy-fraction", "1.5"], "busy_fraction", "1.5"),
    (["coverage", "--service", "fire", "--threshold-s", "0"], "threshold_s", "0"),
    (["colocation", "candidates", "--max-travel-s", "-5"], "max_travel_s", "-5"),
])
def test_cli_gives_the_request_message_and_exit_2(argv, field, value, tmp_path, capsys):
    request_cls = {"dap": DapRequest, "coverage": CoverageRequest}.get(argv[0])
    if request_cls is None:
        from bluelight.services.colocation import CandidatesRequest as request_cls
    with pytest.raises(ValidationError) as exc:
        request_cls.parse(**{field: value})
    assert main([*argv, "--warehouse", str(tmp_path / "none.duckdb")]) == 2
    assert capsys.readouterr().err.strip() == f"error: {exc.value}"


def _request_classes():
    from bluelight.services.colocation import CandidatesRequest
    from bluelight.services.coresponding import CorespondingRequest
    from bluelight.services.facility import FacilityRequest
    from bluelight.services.isochrones import IsochroneRequest
    from bluelight.services.scenarios import AppraisalRequest

    return [CandidatesRequest, CorespondingRequest, CoverageRequest, DapRequest, FacilityRequest, AppraisalRequest,
            IsochroneRequest]


@pytest.mark.parametrize("cls", _request_classes(), ids=lambda c: c.__name__)
def test_each_field_is_a_request_attribute_and_defaults_agree(cls):
    import dataclasses

    attrs = {f.name for f in dataclasses.fields(cls)}
    assert {f.name for f in cls.FIELDS} <= attrs
    if cls.__name__ == "IsochroneRequest":           # needs a site or a service
        return
    parsed = cls.parse()
    for f in cls.FIELDS:
        plain = getattr(cls(), f.name)
        assert getattr(parsed, f.name) == (plain if f.name != "threshold_s" or plain is not None else
                                           getattr(parsed, f.name)), f.name


def test_figures_by_key_are_parsed_and_each_bad_one_named():
    from bluelight.services.colocation import CandidatesRequest

    r = CandidatesRequest.parse(running_cost_gbp_pa="F2=300000, F1=1.5e5", bays={"H1": 2})
    assert r.running_cost_gbp_pa == (("F1", 150000.0), ("F2", 300000.0)) and r.bays == (("H1", 2),)
    assert CandidatesRequest.parse(running_cost_gbp_pa="").running_cost_gbp_pa == ()
    with pytest.raises(ValidationError) as e:
        CandidatesRequest.parse(running_cost_gbp_pa="F1=-5", bays={"H1": 2.5}, floor_area_m2="H2")
    assert e.value.errors == {
        "running_cost_gbp_pa": "Running cost (£ a year) for F1 must be a number from 0 to 1e+09, got '-5'",
        "bays": "Vehicle bays for H1 must be a whole number from 0 to 100, got 2.5",
        "floor_area_m2": "Floor area (m²) must be KEY=VALUE pairs separated by commas, got 'H2'"}


def test_a_blank_says_what_the_field_wants_in_its_own_words():
    from bluelight.services.requests import Field

    assert Field("name", "Scenario name", str, "")._expected() == "filled in"                 # never "a number"
    assert Field("sites", "Sites to merge", list, (), min_items=2)._expected() == "a list of at least 2"   # not "2 of ,"
    assert Field("host", "Hub at", str, "", expected="one of the sites")._expected() == "one of the sites"
    assert Field("k", "Posts", int, 5, 1, 50)._expected().startswith("a whole number from 1 to 50")
