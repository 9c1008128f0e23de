"""The isochrone request (services.isochrones): one site or one service, bands in increasing seconds."""

import pytest

from bluelight.foundation.errors import ValidationError
from bluelight.services.isochrones import IsochroneRequest


def test_exactly_one_of_a_site_or_a_service_and_increasing_bands():
    r = IsochroneRequest.parse(service="fire", bands="300,600")
    assert r.bands == (300.0, 600.0) and r.site_id is None
    assert IsochroneRequest.parse(site_id="LFB-soho").service is None
    for raw in ({}, {"site_id": "LFB-soho", "service": "fire"}):
        with pytest.raises(ValidationError, match="give exactly one of a site or a service"):
            IsochroneRequest.parse(**raw)
    assert IsochroneRequest.parse(service="fire", bands="300,300").bands == (300.0,)     # a band given twice: one
    for bands in ("600,300", "0,300", "300,9000"):
        with pytest.raises(ValidationError, match="Bands must be increasing seconds between 0 and 7200"):
            IsochroneRequest.parse(service="fire", bands=bands)
    with pytest.raises(ValidationError, match="Bands must be numbers of seconds"):
        IsochroneRequest.parse(service="fire", bands="five")
