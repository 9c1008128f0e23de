"""Roles and tiers: each role includes the ones before it; the shipped rules load."""

from pathlib import Path

import pytest

from bluelight.foundation.access import ROLES, allows, cleared_for, load_rules, tier_for
from bluelight.foundation.errors import ConfigError


def test_roles_are_ordered_and_tiers_name_the_least_role():
    assert allows("admin", "viewer") and allows("analyst", "planner") and not allows("planner", "analyst")
    assert not allows(None, "viewer") and not allows("none", "viewer")
    assert [tier_for(r) for r in ROLES] == ["open", "open", "official-sensitive", "official-sensitive"]
    assert not cleared_for("planner", "official-sensitive") and cleared_for("viewer", "open")


def test_shipped_rules_and_a_bad_file(tmp_path):
    rules = load_rules()
    assert rules.min_count == 5 and rules.page_roles["/scenarios"] == "planner" and rules.sources
    bad = tmp_path / "security.yaml"
    bad.write_text(Path(rules.path).read_text().replace("/dap: planner", "/dap: boss"))
    with pytest.raises(ConfigError, match=r"page_roles\['/dap'\] must be one of"):
        load_rules(bad)
