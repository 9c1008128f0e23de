import pandas as pd
import pytest

from bluelight.analysis.scenario import apply_scenario, load_scenario, touched_services
from bluelight.etl.scenarios import REPO_SCENARIOS, load_scenarios
from bluelight.foundation.errors import ConfigError, InputFileError

SITES = pd.DataFrame({"site_id": ["F1", "F2", "P1", "A1"], "name": ["Fire 1", "Fire 2", "Police 1", "Amb 1"],
                      "service": ["fire", "fire", "police", "ambulance"], "status": "open",
                      "duty_system": ["wholetime", "on_call", "police", "ambulance"], "turnout_s": [None] * 4,
                      "easting": [1000.0, 2000.0, 3000.0, 4000.0], "northing": [0.0] * 4})


def _scenario(write, body: str):
    return load_scenario(write("s.yaml", "name: t\nchanges:\n" + body))


def test_co_location_moves_the_service_to_the_host(write):
    sc = _scenario(write, "  - {action: co_locate, site: P1, into: F2}\n")
    out = apply_scenario(SITES, sc)
    moved = out[out["service"] == "police"].iloc[0]
    assert moved["site_id"] == "P1@F2" and (moved["easting"], moved["duty_system"]) == (2000.0, "police")
    assert "P1" not in set(out["site_id"]) and len(out) == 4
    assert touched_services(SITES, sc) == ["fire", "police"]


def test_merge_into_a_new_hub_and_duty_change(write):
    sc = _scenario(write, "  - {action: merge, sites: [F1, P1], hub: {site_id: H, easting: 1500, northing: 0}}\n"
                          "  - {action: change, site: F2, duty_system: wholetime}\n")
    out = apply_scenario(SITES, sc).set_index("site_id")
    assert out.loc["F1@H", "easting"] == 1500 and out.loc["P1@H", "service"] == "police"
    assert out.loc["F2", "duty_system"] == "wholetime"
    assert {"F1", "P1"}.isdisjoint(out.index)


def test_bad_scenarios(write):
    with pytest.raises(ConfigError, match="lacks"):
        _scenario(write, "  - {action: co_locate, site: P1}\n")
    with pytest.raises(ConfigError, match=r"s.yaml: change 1 \(close\): unknown finance key 'bribe_gbp'"):
        _scenario(write, "  - {action: close, site: P1, finance: {bribe_gbp: 1}}\n")
    with pytest.raises(ConfigError, match=r"change 1 \(open\): finance key 'receipt_gbp' .* does not apply"):
        _scenario(write, "  - {action: open, site_id: N, service: fire, easting: 1, northing: 2, "
                         "finance: {receipt_gbp: 1}}\n")
    with pytest.raises(ConfigError, match="not in the baseline"):
        apply_scenario(SITES, _scenario(write, "  - {action: close, site: NOPE}\n"))
    with pytest.raises(ConfigError, match="merge"):
        _scenario(write, "  - {action: merge, sites: [F1]}\n")


def test_scenario_files_are_recorded_in_the_warehouse_once(con, tmp_path):
    paths = sorted(REPO_SCENARIOS.glob("*.yaml"))
    first = load_scenarios(con, paths)
    assert first.rows_loaded == len(paths) >= 2
    again = load_scenarios(con, paths)
    assert again.rows_loaded == 0 and con.execute("SELECT count(*) FROM scenarios").fetchone()[0] == len(paths)
    names = {r[0] for r in con.execute("SELECT name FROM scenarios").fetchall()}
    assert any("2014" in n for n in names)
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: broken\nchanges:\n  - action: teleport\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="bad.yaml"):
        load_scenarios(con, [bad])
    assert con.execute("SELECT count(*) FROM scenarios").fetchone()[0] == len(paths)
