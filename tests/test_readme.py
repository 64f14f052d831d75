"""The README names every environment variable the code reads (a new setting can't go undocumented)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APPS = ["studio", "approvals", "catalog", "forecasting", "channels", "automation", "web", "demo"]
READERS = {"envbool", "envint", "envlist", "envbackend", "envchoice", "getenv", "get"}


def _env_names() -> set[str]:
    """String constants passed to os.environ/os.getenv/env* helpers, and `env=` of backend Options."""
    names = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call):
                    func = node.func
                    called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                    target = ast.unparse(func)
                    environ = "environ" in target or called.startswith("env") or called == "getenv"
                    if called in READERS and environ and node.args and isinstance(node.args[0], ast.Constant):
                        names.add(node.args[0].value)
                    for keyword in node.keywords:
                        if keyword.arg == "env" and isinstance(keyword.value, ast.Constant):
                            names.add(keyword.value.value)
                elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                    if any(isinstance(t, ast.Name) and t.id.endswith("_ENV") for t in node.targets):
                        names.add(node.value.value)  # e.g. API_KEY_ENV = "ANTHROPIC_API_KEY"
                elif isinstance(node, ast.Subscript) and "environ" in ast.unparse(node.value):
                    if isinstance(node.slice, ast.Constant):
                        names.add(node.slice.value)
    return {name for name in names if isinstance(name, str) and name.isupper()}


def test_the_readme_documents_every_environment_variable():
    names = _env_names()
    assert {"DATABASE_URL", "SHOPIFY_TIMEOUT", "Q_SYNC", "ANTHROPIC_API_KEY", "STAGING_CPU_THREADS"} <= names  # control
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = sorted(name for name in names if f"`{name}`" not in readme)
    assert missing == []
