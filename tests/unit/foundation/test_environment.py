

def test_the_travel_cache_budget_comes_from_the_environment(monkeypatch):
    import pytest

    from bluelight.foundation.environment import travel_cache_bytes
    from bluelight.foundation.errors import ConfigError

    monkeypatch.delenv("BLUELIGHT_TRAVEL_CACHE_MB", raising=False)
    assert travel_cache_bytes() == 256 * 2 ** 20
    monkeypatch.setenv("BLUELIGHT_TRAVEL_CACHE_MB", "4096")
    assert travel_cache_bytes() == 4096 * 2 ** 20
    for bad in ("lots", "8", "1e6"):
        monkeypatch.setenv("BLUELIGHT_TRAVEL_CACHE_MB", bad)
        with pytest.raises(ConfigError, match="BLUELIGHT_TRAVEL_CACHE_MB must be a whole number"):
            travel_cache_bytes()


def test_the_session_cache_budget_comes_from_the_environment(monkeypatch):
    import pytest

    from bluelight.foundation.environment import session_cache_bytes
    from bluelight.foundation.errors import ConfigError

    monkeypatch.delenv("BLUELIGHT_SESSION_CACHE_MB", raising=False)
    assert session_cache_bytes() == 768 * 2 ** 20
    monkeypatch.setenv("BLUELIGHT_SESSION_CACHE_MB", "70000")
    with pytest.raises(ConfigError, match="BLUELIGHT_SESSION_CACHE_MB must be"):
        session_cache_bytes()
