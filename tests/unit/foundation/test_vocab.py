"""Names in proper case, with the known exceptions."""

import pytest

from bluelight.foundation.vocab import proper_name


@pytest.mark.parametrize("raw, want", [
    ("CITY OF LONDON", "City of London"),
    ("City Of london", "City of London"),                        # as the LFB incident file spells it
    ("ST JOHN'S WOOD POLICE STATION", "St John's Wood Police Station"),
    ("St John'S Wood", "St John's Wood"),                         # str.title()'s artefact
    ("HOLBORN POLICE STATION HQ OFFICES & ARO", "Holborn Police Station HQ Offices & ARO"),
    ("Union Street (Hq)", "Union Street (HQ)"),
    ("KENSINGTON AND CHELSEA", "Kensington and Chelsea"),
    ("Burton upon Trent", "Burton upon Trent"),
    ("McDonald House", "McDonald House"),                         # mixed case is kept
    ("O'BRIEN HOUSE", "O'Brien House"),
    ("THE CITY", "The City"),
    ("ST. ANNE-ON-SEA", "St. Anne-on-Sea"),
])
def test_proper_name(raw, want):
    assert proper_name(raw) == want


def test_missing_names_stay_missing():
    assert proper_name(None) is None and proper_name(float("nan")) is None
