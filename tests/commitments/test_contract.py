"""Other packages use the commitments package through the names its __init__ exports only."""

import ast
from importlib import import_module
from pathlib import Path

import pytest

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


@pytest.mark.parametrize("package", [PACKAGE, "app.documents"])
def test_every_exported_name_is_the_one_its_module_defines(package: str) -> None:
    exporter = import_module(package)
    homes = exporter._HOME
    assert sorted(homes) == sorted(exporter.__all__)
    # Type checkers read the names from the TYPE_CHECKING imports: they must list them all.
    init_path = APP / package.split(".")[1] / "__init__.py"
    init = ast.parse(init_path.read_text(encoding="utf-8"))
    typed = {
        alias.name
        for node in ast.walk(init)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(package + ".")
        for alias in node.names
        if homes.get(alias.name) == (node.module or "").rsplit(".", 1)[1]
    }
    assert typed == set(homes)
    for name, module in homes.items():
        assert getattr(exporter, name) is getattr(import_module(f"{package}.{module}"), name), name
    with pytest.raises(AttributeError, match="exports no"):
        exporter.no_such_name  # noqa: B018
