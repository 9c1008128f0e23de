"""The JSON every command prints on the demo is the JSON it printed before the codebase step (issue #28).

The golden files under ``golden_cli/`` were written by this module (``BLUELIGHT_WRITE_GOLDEN=1``) from the
code as it stood before the CLI, services and pages were reorganised. Paths are written relative to
placeholders (the warehouse, the data directory, the package) and clock readings are dropped, so the files
say the same on any machine; numbers are compared to nine significant figures.
"""

from __future__ import annotations

import json
import math
import os
import shutil
from pathlib import Path

import pytest

from bluelight.cli import main
from bluelight.foundation.config_files import package_config
from bluelight.foundation.environment import shipped_scenarios

pytestmark = pytest.mark.integration

GOLDEN = Path(__file__).parent / "golden_cli"
#: keys whose values are clock readings or durations of this run, not results
VOLATILE = {"started_at", "finished_at", "loaded_at", "created_at", "at", "elapsed_s", "seconds", "when",
            "last_sign_in", "dashboard", "build_s", "solve_s", "wall_s"}

#: name -> argument list; {wh} the warehouse, {data} the data directory, {scen} the shipped scenarios, {tmp} a scratch dir
COMMANDS: dict[str, list[str]] = {
    "status": ["status", "--warehouse", "{wh}", "--json"],
    "check": ["check", "--no-repair", "--warehouse", "{wh}", "--json"],
    "executive": ["executive", "--warehouse", "{wh}", "--json"],
    "coverage": ["coverage", "--warehouse", "{wh}", "--json"],
    "coverage_police_night": ["coverage", "--service", "police", "--traffic-period", "night", "--warehouse", "{wh}",
                              "--json"],
    "coverage_scenario": ["coverage", "--scenario", "{scen}/lfb_2014_closures.yaml",
                          "--warehouse", "{wh}", "--json"],
    "national_fire": ["national", "--json"],
    "national_ambulance": ["national", "--service", "ambulance", "--json"],
    "batch": ["batch", "--job", "national-fire-types", "--scheduler", "serial", "--limit", "2", "--json"],
    "calibrate_evaluate": ["calibrate", "--evaluate", "{data}/london/incidents/lfb_incidents_2023_sample.csv",
                           "--warehouse", "{wh}", "--json"],
    "scenario_run_kentish_town": ["scenario", "run", "{scen}/police_into_kentish_town_fire_station.yaml",
                                  "--warehouse", "{wh}", "--json"],
    "scenario_run_2014_closures": ["scenario", "run", "{scen}/lfb_2014_closures.yaml", "--warehouse", "{wh}",
                                   "--json"],
    "scenario_appraise": ["scenario", "appraise", "{scen}/police_into_kentish_town_fire_station.yaml",
                          "{scen}/lfb_2014_closures.yaml", "--warehouse", "{wh}", "--json"],
    "colocation_candidates": ["colocation", "candidates", "--warehouse", "{wh}", "--json"],
    "colocation_facility": ["colocation", "facility", "--warehouse", "{wh}", "--json"],
    "dap": ["dap", "--warehouse", "{wh}", "--json"],
    "dap_all_bands": ["dap", "--all-bands", "--warehouse", "{wh}", "--json"],
    "coresponding": ["coresponding", "--warehouse", "{wh}", "--json"],
    "simulate": ["simulate", "--warehouse", "{wh}", "--json"],
    "sweep_closures": ["sweep", "closures", "--service", "fire", "--warehouse", "{wh}", "--json"],
    "etl_targets": ["etl", "targets", "{pkg}/targets.yaml", "--warehouse", "{wh}", "--json"],
    "etl_scenarios": ["etl", "scenarios", "{scen}/police_into_kentish_town_fire_station.yaml", "--warehouse",
                      "{wh}", "--json"],
    "users_list": ["users", "list", "--store", "{tmp}/accounts.sqlite", "--json"],
    "audit": ["audit", "--store", "{tmp}/accounts.sqlite", "--json"],
}


def _placeholders(warehouse: Path, data_dir: Path, tmp: Path) -> dict[str, str]:
    return {"{wh}": str(warehouse), "{data}": str(data_dir), "{scen}": str(shipped_scenarios()),
            "{pkg}": str(package_config()), "{tmp}": str(tmp)}


def _args(name: str, places: dict[str, str]) -> list[str]:
    out = []
    for arg in COMMANDS[name]:
        for key, value in places.items():
            arg = arg.replace(key, value)
        out.append(arg)
    return out


def _normal(value, places: dict[str, str]):
    """Paths as placeholders, clock readings dropped."""
    if isinstance(value, dict):
        return {k: _normal(v, places) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_normal(v, places) for v in value]
    if isinstance(value, str):
        for key, path in sorted(places.items(), key=lambda kv: -len(kv[1])):
            value = value.replace(path, key)
        return value
    return value


def _same(got, want, where: str = "") -> list[str]:
    if isinstance(want, dict) and isinstance(got, dict):
        diffs = [f"{where}: keys {sorted(set(got) ^ set(want))}"] if set(got) != set(want) else []
        return diffs + [d for k in want if k in got for d in _same(got[k], want[k], f"{where}.{k}")]
    if isinstance(want, list) and isinstance(got, list):
        if len(got) != len(want):
            return [f"{where}: {len(got)} items, was {len(want)}"]
        return [d for i, (g, w) in enumerate(zip(got, want)) for d in _same(g, w, f"{where}[{i}]")]
    if isinstance(want, float) and isinstance(got, (int, float)) and not isinstance(got, bool):
        return [] if math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-9) else [f"{where}: {got!r}, was {want!r}"]
    return [] if got == want and type(got) is type(want) else [f"{where}: {got!r}, was {want!r}"]


@pytest.fixture(scope="module")
def scratch_warehouse(demo_warehouse, tmp_path_factory) -> Path:
    """A copy: the ETL commands write to it, the demo stays as the other tests expect."""
    path = tmp_path_factory.mktemp("golden") / "atlas.duckdb"
    shutil.copy(demo_warehouse, path)
    return path


@pytest.mark.parametrize("name", list(COMMANDS))
def test_cli_json_is_unchanged(name, scratch_warehouse, data_dir, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("BLUELIGHT_DATA_DIR", str(data_dir))
    places = _placeholders(scratch_warehouse, data_dir, tmp_path)
    capsys.readouterr()
    code = main(_args(name, places))
    out = capsys.readouterr().out
    assert code == 0, out
    got = _normal(json.loads(out), places)
    path = GOLDEN / f"{name}.json"
    if os.environ.get("BLUELIGHT_WRITE_GOLDEN") == "1":
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n")
    want = json.loads(path.read_text())
    diffs = _same(got, want)
    assert not diffs, f"{name}: the JSON changed:\n" + "\n".join(diffs[:20])


def test_the_earlier_name_of_the_traffic_period_flag_prints_the_same_json(scratch_warehouse, data_dir, tmp_path,
                                                                         capsys, monkeypatch):
    """``--hour-band`` (the flag's name before the traffic period was named) still gives the golden JSON, and a
    note on stderr that it is the earlier name."""
    monkeypatch.setenv("BLUELIGHT_DATA_DIR", str(data_dir))
    places = _placeholders(scratch_warehouse, data_dir, tmp_path)
    args = ["--hour-band" if a == "--traffic-period" else a for a in _args("coverage_police_night", places)]
    assert "--hour-band" in args
    capsys.readouterr()
    assert main(args) == 0
    got = capsys.readouterr()
    assert "--hour-band is now --traffic-period" in got.err
    want = json.loads((GOLDEN / "coverage_police_night.json").read_text())
    assert not _same(_normal(json.loads(got.out), places), want)
