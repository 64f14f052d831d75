"""Import contracts: the layers of DESIGN.md, checked on every import statement (module level or not).

    studio (kernel) < approvals < catalog < forecasting < channels < automation < web (shell), demo

An app may import only apps below it; the kernel imports no feature app; nothing
imports the shell or the demo; so there are no cycles between apps. A function-level
import counts too: hiding an import in a function doesn't change the dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ["studio", "approvals", "catalog", "forecasting", "channels", "automation", "web", "demo"]
RANK = {app: rank for rank, app in enumerate(LAYERS)}
# web and demo sit side by side at the top: neither imports the other.
SIBLINGS = {frozenset({"web", "demo"})}


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def _app_edges() -> dict[tuple[str, str], list[str]]:
    edges: dict[tuple[str, str], list[str]] = {}
    for app in LAYERS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for line, module in _imports(path):
                target = module.split(".")[0]
                if target in RANK and target != app:
                    edges.setdefault((app, target), []).append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    return edges


def test_every_app_imports_only_the_layers_below_it():
    broken = []
    for (source, target), places in _app_edges().items():
        if RANK[target] > RANK[source] or frozenset({source, target}) in SIBLINGS:
            broken += places
    assert broken == [], "Imports against the layers:\n" + "\n".join(broken)


def test_the_kernel_imports_no_feature_app():
    kernel = [places for (source, _), places in _app_edges().items() if source == "studio"]
    assert kernel == []


def test_there_are_no_cycles_between_apps():
    graph: dict[str, set[str]] = {}
    for source, target in _app_edges():
        graph.setdefault(source, set()).add(target)

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for nxt in graph.get(start, ()):
            if nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})):
                return True
        return False

    cycles = sorted(app for app in graph if reaches(app, app, {app}))
    assert cycles == []


@pytest.mark.parametrize("app", LAYERS)
def test_the_contract_sees_each_app(app):
    """A positive control: every layer exists and has Python files the check reads."""
    assert list((ROOT / app).rglob("*.py"))


def test_the_check_catches_an_upward_import(tmp_path, monkeypatch):
    """The contract fails on a violation (so it can't pass vacuously)."""
    fake_root = tmp_path
    for app in LAYERS:
        (fake_root / app).mkdir()
        (fake_root / app / "__init__.py").write_text("")
    (fake_root / "catalog" / "views.py").write_text("def f():\n    from forecasting.selectors import x\n")
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", fake_root)
    with pytest.raises(AssertionError, match="catalog/views.py:2 imports forecasting.selectors"):
        test_every_app_imports_only_the_layers_below_it()
