"""The whole schema (every table, the migrations) is known only above every package: the
bottom layer, app.core, and the readiness check, which every deployment asks, import none of
it, not even inside a function."""

import ast
from pathlib import Path

import pytest

from app.core.config import PROJECT_ROOT

WHOLE_SCHEMA = ("app.models", "app.migrations", "app.database_schema")


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
    return names


@pytest.mark.parametrize("package", ["core", "health"])
def test_the_package_imports_nothing_of_the_whole_schema(package: str) -> None:
    for path in sorted((PROJECT_ROOT / "app" / package).rglob("*.py")):
        imported = imported_modules(path)
        assert not {
            name for name in imported for whole in WHOLE_SCHEMA if name.startswith(whole)
        }, path.relative_to(PROJECT_ROOT)
