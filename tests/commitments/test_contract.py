"""Other packages use the commitments package through the names its __init__ exports only."""

import ast
from importlib import import_module
from pathlib import Path

import app.commitments
from app.core.config import PROJECT_ROOT

APP = PROJECT_ROOT / "app"
PACKAGE = "app.commitments"


def imports_from_outside() -> list[tuple[Path, int, str, list[str]]]:
    found = []
    for path in sorted(APP.rglob("*.py")):
        if path.is_relative_to(APP / "commitments"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(PACKAGE):
                names = [alias.name for alias in node.names]
                found.append((path.relative_to(PROJECT_ROOT), node.lineno, node.module, names))
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith(PACKAGE + "."):
                        found.append((path.relative_to(PROJECT_ROOT), node.lineno, alias.name, []))
    return found


def test_no_other_package_reaches_inside() -> None:
    found = imports_from_outside()
    assert found, "the scan finds the imports"
    inside = [
        f"{path}:{line} imports {module}"
        for path, line, module, _ in found
        if module != PACKAGE
        # The application's composition root mounts the package's routes.
        and not (path == Path("app/main.py") and module == f"{PACKAGE}.router")
    ]
    assert inside == []
    unexported = [
        f"{path}:{line} imports {name}"
        for path, line, module, names in found
        if module == PACKAGE
        for name in names
        if name not in app.commitments.__all__
    ]
    assert unexported == []


def test_every_exported_name_is_the_one_its_module_defines() -> None:
    homes = app.commitments._HOME
    assert sorted(homes) == sorted(app.commitments.__all__)
    # Type checkers read the names from the TYPE_CHECKING imports: they must list them all.
    init = ast.parse((APP / "commitments" / "__init__.py").read_text(encoding="utf-8"))
    typed = {
        alias.name
        for node in ast.walk(init)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(PACKAGE + ".")
        for alias in node.names
        if homes.get(alias.name) == (node.module or "").rsplit(".", 1)[1]
    }
    assert typed == set(homes)
    for name, module in homes.items():
        assert getattr(app.commitments, name) is getattr(
            import_module(f"{PACKAGE}.{module}"), name
        ), name
