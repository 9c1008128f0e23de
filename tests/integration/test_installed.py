"""Installed as a wheel (not editable) and run from outside the checkout, the tool still works.

The wheel is built from the checkout, installed into a fresh virtual environment
whose only other packages are this environment's (added by path, so the
checkout's editable install is not seen), and run from a temporary directory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]


def _run(args, *, cwd, env, timeout=600):
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{args}: exit {done.returncode}\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    base = tmp_path_factory.mktemp("installed")
    dist = base / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q", "-w",
          str(dist), str(REPO)], cwd=base, env=os.environ | {"PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    wheel = next(dist.glob("bluelight_atlas-*.whl"))
    venv = base / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=base, env=os.environ)
    site = Path(_run([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                     cwd=base, env=os.environ).strip())
    _run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "-q", "--target", str(site), str(wheel)],
         cwd=base, env=os.environ | {"PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    # the dependencies: this environment's site-packages as a plain path (its .pth files, hence the
    # checkout's editable finder, are not processed)
    (site / "zz_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv / "bin" / "python", base


def test_wheel_install_runs_the_demo_and_coverage_from_outside_the_checkout(installed, data_dir):
    python, base = installed
    work = base / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "BLUELIGHT", "VIRTUAL_ENV"))}
    env |= {"BLUELIGHT_DATA_DIR": str(data_dir), "BLUELIGHT_HOME": str(base / "home"),
            "BLUELIGHT_CONFIG_DIR": str(base / "config"), "BLUELIGHT_OFFLINE": "1", "HOME": str(base)}
    where = _run([str(python), "-c", "import bluelight, bluelight.foundation.environment as s; print(bluelight.__file__); "
                                     "print(s.REPO_ROOT)"], cwd=work, env=env).split()
    assert not where[0].startswith(str(REPO)) and where[1] == "None"
    warehouse = base / "home" / "atlas.duckdb"
    _run([str(python), "-m", "bluelight", "etl", "demo", "--warehouse", str(warehouse), "--json"], cwd=work, env=env)
    out = json.loads(_run([str(python), "-m", "bluelight", "coverage", "--service", "fire", "--threshold-s", "360",
                           "--warehouse", str(warehouse), "--json"], cwd=work, env=env))
    assert out["profile"] == "bluelight@3"                      # the shipped profile, read as package data
    base = out["baseline"]
    assert 0 < base["summary"]["share_within"] <= 1 and base["sites_used"] > 0 and base["demand_within"] > 100_000
    listed = _run([str(python), "-m", "bluelight", "status", "--warehouse", str(warehouse), "--json"], cwd=work, env=env)
    assert json.loads(listed)["tables"]["scenarios"] >= 2        # the shipped example scenarios were recorded
    assert not list(Path(where[0]).parent.rglob("*.partial"))   # nothing written into the installed package
