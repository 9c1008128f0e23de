"""Every finance key of every action, through a scenario file and the CLI, and through the pages' fields: each
moves the NPV by its present value or is refused with a message naming the change and the key."""

from __future__ import annotations

import json

import pytest
import yaml

from bluelight.analysis.appraisal import discount_factors
from bluelight.analysis.finance import ACTION_KEYS, FINANCE_KEYS
from bluelight.cli.main import main

CHANGES = {"close": {"action": "close", "site": "SYN-FIR-001"},
           "co_locate": {"action": "co_locate", "site": "SYN-POL-001", "into": "SYN-FIR-001"},
           "merge": {"action": "merge", "sites": ["SYN-POL-001", "SYN-FIR-001"], "into": "SYN-FIR-001"},
           "open": {"action": "open", "site_id": "NEW-1", "service": "fire", "easting": 440600, "northing": 260600},
           "move": {"action": "move", "site": "SYN-FIR-001", "easting": 440700, "northing": 260700},
           "change": {"action": "change", "site": "SYN-FIR-001", "duty_system": "retained"}}


def _run(tmp_path, capsys, warehouse, change) -> tuple[int, str]:
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump({"name": "s", "changes": [change]}))
    capsys.readouterr()
    code = main(["scenario", "run", str(path), "--warehouse", str(warehouse), "--json"])
    out = capsys.readouterr()
    return code, out.out if code == 0 else out.err


@pytest.mark.parametrize("action", list(ACTION_KEYS))
def test_every_key_through_a_file_and_the_cli(synthetic_wh, tmp_path, capsys, action):
    code, out = _run(tmp_path, capsys, synthetic_wh, CHANGES[action] | {"finance": {"year": 1}})
    assert code == 0, out
    base = json.loads(out)["finance"]
    df = discount_factors(30)
    for key, spec in FINANCE_KEYS.items():
        code, out = _run(tmp_path, capsys, synthetic_wh, CHANGES[action] | {"finance": {key: 100_000, "year": 1}})
        if key not in ACTION_KEYS[action]:
            assert code == 2 and f"change 1 ({action}): finance key '{key}'" in out and "does not apply" in out, out
            continue
        assert code == 0, out
        got = json.loads(out)["finance"]
        replaced = sum(i["amount_gbp"] * (df[max(1, i["year"]):].sum() if i["annual"] else df[i["year"]])
                       for i in base["items"] if i["key"] == key and i["source"] == "sites table")
        pv = spec.direction * 100_000 * (df[1:].sum() if spec.annual else df[1])
        assert got["npv_gbp"] == pytest.approx(base["npv_gbp"] - replaced + pv, abs=0.02), (action, key)


def test_every_merge_key_through_the_hubs_page(synthetic_wh):
    from bluelight.analysis.speeds import load_profile
    from bluelight.dashboard.pages import hubs
    from bluelight.dashboard.queries import Warehouse
    from bluelight.services.hubs import FINANCE
    from bluelight.services.session import Session

    wh = Warehouse(synthetic_wh)
    session = Session(wh.read, load_profile("bluelight_v1"))
    sites = ["SYN-POL-001", "SYN-FIR-001"]
    base = hubs.hub_plan(session, sites, sites[1], *[None] * 8, 30, None, "all", None).result.finance
    df = discount_factors(30)
    for i, (key, _) in enumerate(FINANCE):
        money = [None] * 8
        money[i] = 100_000
        f = hubs.hub_plan(session, sites, sites[1], *money, 30, None, "all", None).result.finance
        spec = FINANCE_KEYS[key]
        replaced = sum(it["amount_gbp"] * (df[max(1, it["year"]):].sum() if it["annual"] else df[it["year"]])
                       for it in base["items"] if it["key"] == key and it["source"] == "sites table")
        pv = spec.direction * 100_000 * (df[1:].sum() if spec.annual else df[0])
        assert f["npv_gbp"] == pytest.approx(base["npv_gbp"] - replaced + pv, abs=0.02), key
    assert {k for k, _ in FINANCE} == set(ACTION_KEYS["merge"])        # every key a merge takes has a box
