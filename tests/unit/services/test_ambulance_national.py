"""The national ambulance estimate's own rules (services.ambulance_national): which trust serves an area."""

from bluelight.etl.ambsys import read_trusts
from bluelight.services.ambulance_national import trust_of


def test_an_area_belongs_to_the_trust_naming_its_region_or_owning_its_police_force_area():
    trusts = read_trusts()[0]
    assert trust_of({"england", "london", "fire_authority:london"}, trusts) == "RRU"           # named: London
    assert trust_of({"england", "police_force:leicestershire"}, trusts) == "RX9"                # its force area
    assert trust_of({"england", "police_force:cumbria"}, trusts) == "RX7"
    assert trust_of({"england"}, trusts) is None                                                # not known
    assert trust_of(set(), {"X": {"jurisdictions": [], "pfas": []}}) is None
