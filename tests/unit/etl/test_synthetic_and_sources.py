import numpy as np
import pytest

from bluelight.etl import sources
from bluelight.etl.synthetic import SYNTHETIC_LABEL, generate_region
from bluelight.foundation.errors import ConfigError


def test_region_size_determinism_and_labels():
    a = generate_region(900, seed=3)
    b = generate_region(900, seed=3)
    assert 900 <= len(a.nodes) <= 961
    assert a.edges.equals(b.edges)
    assert set(a.edges["highway"]) >= {"primary", "secondary", "residential"}
    assert a.edges["oneway"].any()
    assert all(n.startswith(SYNTHETIC_LABEL) for n in a.sites["name"])
    stations = a.sites[a.sites["kind"] == "station"]
    assert set(stations["service"]) == {"fire", "police", "ambulance"}
    assert a.sites.loc[a.sites["kind"] == "hospital", "service"].tolist() == ["other"]   # one, for conveyance
    bands = a.population[["pop_0_15", "pop_16_29", "pop_30_44", "pop_45_64", "pop_65_plus"]].sum(axis=1)
    assert np.allclose(bands, a.population["pop_total"])


def test_synthetic_region_loads_through_the_ordinary_loaders(con, tmp_path):
    from bluelight.etl.demo import load_demo
    from bluelight.etl.status import warehouse_status

    src = sources.resolve_data_source(prefer="synthetic", synthetic_nodes=400, cache_dir=tmp_path)
    assert src.synthetic
    load_demo(con, src, progress=False)
    st = warehouse_status(con)
    assert st["data_source"]["synthetic"] is True
    assert st["road_network"]["nodes"] > 350
    assert {"fire", "police", "ambulance"} <= set(st["sites"])


def test_resolution_order(monkeypatch, tmp_path):
    monkeypatch.setenv("BLUELIGHT_DATA_DIR", str(tmp_path))
    assert sources.resolve_data_source().kind == "env"
    monkeypatch.setenv("BLUELIGHT_DATA_DIR", str(tmp_path / "missing"))
    with pytest.raises(ConfigError, match="not a directory"):
        sources.resolve_data_source()
    monkeypatch.delenv("BLUELIGHT_DATA_DIR")
    monkeypatch.setattr(sources, "configured_data_dir", lambda: None)
    (tmp_path / "download").mkdir()
    (tmp_path / "download" / "COMPLETE").write_text("x")
    assert sources.resolve_data_source(cache_dir=tmp_path).kind == "download"
    # offline and nothing cached: a synthetic region, never a hang on the network
    (tmp_path / "download" / "COMPLETE").unlink()
    src = sources.resolve_data_source(cache_dir=tmp_path, synthetic_nodes=100, allow_download=True)
    assert src.kind == "synthetic"
