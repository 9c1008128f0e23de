"""The ambulance trusts against what they publish (AmbSYS), on the shipped months and on a file of fewer months;
and the Overview's London ambulance cell beside London Ambulance Service's published Category 1 mean."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from bluelight.cli import main

pytestmark = pytest.mark.integration


def _json(capsys, argv):
    capsys.readouterr()
    code = main(argv)
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out)


def test_every_trust_is_estimated_and_the_c1_mean_error_beats_the_baseline(data_dir, capsys, monkeypatch):
    monkeypatch.setenv("BLUELIGHT_DATA_DIR", str(data_dir))
    out = _json(capsys, ["national", "--service", "ambulance", "--json"])
    assert len(out["trusts"]) == 11 and out["months"] == ["2023-04", "2025-03"]
    c1 = out["validation"]["c1_mean"]
    assert c1["loo_mae_s"] <= 35 and c1["loo_mae_s"] < c1["baseline_loo_mae_s"]
    for stat in ("c1_p90", "c2_mean"):
        assert out["validation"][stat]["loo_mae_s"] > 0 and out["validation"][stat]["baseline_loo_mae_s"] > 0
    las = next(t for t in out["trusts"] if t["org_code"] == "RRU")
    assert las["actual"]["c1_mean_s"] == pytest.approx(446, abs=1)          # 7:26, as published
    assert len(las["by_month"]) == 24


def test_a_file_of_other_months_is_fitted_on_what_it_holds(data_dir, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("BLUELIGHT_DATA_DIR", str(data_dir))
    full = pd.read_csv(data_dir / "england/ambulance/ambsys_2023-04_to_2025-03.csv", dtype=str, keep_default_na=False)
    year = full[(full["Year"] == "2024") & full["Month"].isin(["1", "2", "3", "4", "5", "6"])]
    path = tmp_path / "ambsys_2024h1.csv"
    year.to_csv(path, index=False)
    out = _json(capsys, ["national", "--service", "ambulance", "--ambsys", str(path), "--json"])
    assert out["months"] == ["2024-01", "2024-06"] and all(t["months"] == 6 for t in out["trusts"])
    assert out["validation"]["c1_mean"]["loo_mae_s"] < out["validation"]["c1_mean"]["baseline_loo_mae_s"]


def test_the_london_ambulance_cell_stands_beside_the_published_figure(demo_warehouse, capsys):
    out = _json(capsys, ["executive", "--warehouse", str(demo_warehouse), "--json"])
    cells = [c for c in out["cells"] if c["service"] == "ambulance"]
    assert cells and all(c["published_c1_mean_s"] == pytest.approx(446, abs=1) for c in cells)
    camden = next(c for c in cells if c["area"] == "Camden")
    # judged with vehicles busy half the time: slower than the nearest station always free, and set beside LAS's
    # published figure, saying whether the gap is within the travel model's measured error
    assert camden["busy_fraction"] == 0.5 and camden["mean_s"] > camden["free_mean_s"] + 60
    within = "within the travel model's measured error" in camden["published_note"]
    assert within == (not camden["beyond_measured_error"])
    assert abs(camden["mean_s"] - 446) < abs(camden["free_mean_s"] - 446)     # busy vehicles: nearer the published


def test_dap_demand_takes_the_trusts_published_category_mix(demo_warehouse, capsys):
    out = _json(capsys, ["dap", "--k", "2", "--warehouse", str(demo_warehouse), "--json"])
    demand = out["bands"]["all"]["demand"]
    assert demand["kind"] == "expected" and demand["category_share_from"].startswith("AmbSYS, trust RRU")
    assert demand["rates"]["category_share"]["category_1"] == pytest.approx(0.123, abs=0.005)
