"""The codebase keeps its habits: small modules, and no module that imports itself round a loop.

Imports are read from the source (in-function imports included), so a cycle
hidden behind a lazy import is found as surely as one at the top of a file.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "bluelight"
MAX_LINES = 600


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules ``name`` imports anywhere in its source (``from a import b`` counts ``a.b`` if a module)."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            found.add(base)
            found |= {f"{base}.{a.name}" for a in node.names}
    return {m for m in found if m in modules and m != name}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def _package_edges(name: str, deps: set[str]) -> set[str]:
    """A package's ``__init__`` importing its own modules is how a package is made, not a cycle."""
    return {d for d in deps if not d.startswith(name + ".")}


def test_no_module_imports_itself_round_a_loop():
    modules = _modules()
    graph = {n: _package_edges(n, _imports(n, p, modules)) for n, p in modules.items()}
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_lazy_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


@pytest.mark.parametrize("name", sorted(_modules()))
def test_no_module_over_600_lines(name):
    lines = _modules()[name].read_text().count("\n")
    assert lines <= MAX_LINES, f"{name} has {lines} lines: split it by job (at most {MAX_LINES})"


#: modules whose every public function with arguments has a numpydoc ``Parameters`` section (issue #28: the
#: list grows until it is every module of analysis and services)
NUMPYDOC_MODULES = (*sorted(str(p.relative_to(PACKAGE)) for sub in ("analysis", "services")
                           for p in (PACKAGE / sub).glob("*.py")),
                    "etl/derived.py", "dashboard/components/plain_figures.py")


@pytest.mark.parametrize("module", NUMPYDOC_MODULES)
def test_public_functions_say_their_parameters(module):
    import ast

    tree = ast.parse((PACKAGE / module).read_text(encoding="utf-8"))
    missing = [node.name for node in tree.body if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")
               and [a for a in node.args.args + node.args.kwonlyargs if a.arg not in ("self", "cls")]
               and "Parameters" not in (ast.get_docstring(node) or "")]
    assert not missing, f"{module}: no Parameters section in {missing}"


PAGES = sorted(p.name for p in (PACKAGE / "dashboard" / "pages").iterdir() if (p / "__init__.py").exists())


@pytest.mark.parametrize("page", PAGES)
def test_each_page_has_a_test_module_of_its_own(page):
    tests = Path(__file__).resolve().parent / "dashboard" / f"test_{page}.py"
    assert tests.exists(), f"dashboard/pages/{page} has no tests/unit/dashboard/test_{page}.py"
    assert f"pages import {page}" in tests.read_text(encoding="utf-8") or f"pages.{page}" in tests.read_text(
        encoding="utf-8"), f"test_{page}.py does not import the page"


ANALYSIS = sorted(p.stem for p in (PACKAGE / "analysis").glob("*.py") if p.stem != "__init__")


@pytest.mark.parametrize("module", ANALYSIS)
def test_each_analysis_module_has_a_test_module_of_its_own(module):
    tests = Path(__file__).resolve().parent / "analysis" / f"test_{module}.py"
    assert tests.exists(), f"analysis/{module}.py has no tests/unit/analysis/test_{module}.py"
    text = tests.read_text(encoding="utf-8")
    assert f"analysis.{module} import" in text or f"analysis import {module}" in text, \
        f"test_{module}.py does not import analysis.{module}"


#: services whose tests are not yet in a module of their own, and where they are (issue #28: this list only shrinks)
SERVICES_TESTED_ELSEWHERE: dict[str, str] = {}
SERVICES = sorted(p.stem for p in (PACKAGE / "services").glob("*.py") if p.stem != "__init__")


@pytest.mark.parametrize("module", SERVICES)
def test_each_service_module_has_a_test_module_of_its_own(module):
    tests = Path(__file__).resolve().parent / "services" / f"test_{module}.py"
    if module in SERVICES_TESTED_ELSEWHERE:
        assert not tests.exists(), f"test_{module}.py exists: take {module} off SERVICES_TESTED_ELSEWHERE"
        return
    assert tests.exists(), f"services/{module}.py has no tests/unit/services/test_{module}.py"
    text = tests.read_text(encoding="utf-8")
    assert f"services.{module} import" in text, f"test_{module}.py does not import services.{module}"
