"""Co-location's rules (services.colocation): the space a move needs, and the share of a crew's reach that may
lie beyond the road data for its cover to be judged."""

import pytest

from bluelight.foundation.errors import ConfigError
from bluelight.services.colocation import load_edge_share, load_space_rules


def test_the_shipped_rules_load_with_their_sources():
    rules, sources = load_space_rules()
    assert rules.space_needed_m2["fire"] > 0 and rules.bays_needed["fire"] > 0 and sources
    assert 0 <= load_edge_share() <= 1


@pytest.mark.parametrize("value", ["0.5x", "-0.1", "2", "~"])
def test_a_share_that_is_not_one_is_refused_naming_the_file(tmp_path, value):
    path = tmp_path / "colocation.yaml"
    path.write_text(f"max_unseen_demand_share: {value}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=f"{path}: max_unseen_demand_share must be a share from 0 to 1"):
        load_edge_share(path)
