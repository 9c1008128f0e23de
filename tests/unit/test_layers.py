"""The layers import one way: foundation <- analysis <- etl <- services <- cli / dashboard.

Every import is checked, including those inside functions, by reading the
source (so a lazy import cannot hide a backwards dependency).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "bluelight"

#: layer of each top-level part of the package; a module may import only its own layer or lower ones
LAYERS = {"foundation": 0, "__init__": 0,
          "analysis": 1, "etl": 2, "services": 3, "cli": 4, "dashboard": 4, "__main__": 5}
NAMES = {0: "foundation", 1: "analysis", 2: "etl", 3: "services", 4: "cli/dashboard", 5: "entry point"}


def _part(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "bluelight":
        return None
    return parts[1] if len(parts) > 1 else "__init__"


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module
            for alias in node.names:                         # "from bluelight import cli"
                if node.module == "bluelight":
                    yield node.lineno, f"bluelight.{alias.name}"


def violations(package: Path = PACKAGE) -> list[str]:
    found = []
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package)
        own = LAYERS[rel.parts[0].removesuffix(".py")]
        for line, module in _imports(path):
            part = _part(module)
            if part is None or part not in LAYERS:
                continue
            if LAYERS[part] > own or (LAYERS[part] == own == 4 and part != rel.parts[0].removesuffix(".py")):
                found.append(f"{rel}:{line} ({NAMES[own]}) imports {module} ({NAMES[LAYERS[part]]})")
    return found


def test_every_module_has_a_layer():
    missing = sorted({p.relative_to(PACKAGE).parts[0].removesuffix(".py") for p in PACKAGE.rglob("*.py")} - set(LAYERS))
    assert not missing, f"give these a layer in LAYERS: {missing}"


def test_no_lower_layer_imports_a_higher_one():
    assert violations() == []


def test_the_check_sees_imports_inside_functions(tmp_path):
    pkg = tmp_path / "bluelight"
    (pkg / "analysis").mkdir(parents=True)
    (pkg / "analysis" / "bad.py").write_text("def f():\n    from bluelight.services.session import Session\n")
    assert violations(pkg) == ["analysis/bad.py:2 (analysis) imports bluelight.services.session (services)"]


@pytest.mark.parametrize("module", ["bluelight.analysis", "bluelight.etl", "bluelight.services", "bluelight.cli",
                                    "bluelight.dashboard"])
def test_each_layer_says_what_it_is(module):
    import importlib

    doc = importlib.import_module(module).__doc__ or ""
    assert len(doc.split()) > 15, f"{module} needs a docstring describing its layer"
