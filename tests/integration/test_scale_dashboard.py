"""The scale benchmark's served steps run end to end on a small synthetic region (times are not judged here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bluelight.dashboard.reports import CHROMIUM


def test_the_scale_bench_builds_serves_and_paints_a_synthetic_region(tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed")
    from bench import scale

    out = scale.one_size(3_000, tmp_path)
    for step in ("warehouse build (whole region ETL)", "dashboard first paint, cold", "dashboard first paint, warm",
                 "close a station, whole callback (p95)", "change the standard, whole callback (p95)"):
        assert out[step][0] > 0, step
    sent, tiles = out["_bytes"]
    assert sent > 0 and tiles >= 1                        # the roads arrived as tiles of the view
