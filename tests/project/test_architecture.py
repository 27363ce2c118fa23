"""The house keeps its contract (docs/architecture.md): every package on a floor, other
packages reached only through the names their `__init__` exports, no private name imported
from outside, and no import in a circle."""

import ast
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path

import grimp
import pytest

from app.core.config import PROJECT_ROOT

APP = PROJECT_ROOT / "app"
# They import routers and tables from the modules that define them.
COMPOSITION_ROOTS = {"app.main", "app.models"}
# Plumbing: each of its modules is public.
PLUMBING = "app.core"


@dataclass(frozen=True)
class CrossImport:
    importer: str
    line: int
    module: str
    names: tuple[str, ...]

    @property
    def target(self) -> str:
        return package_of(self.module)

    def __str__(self) -> str:
        return f"{self.importer}:{self.line} imports {', '.join(self.names)} from {self.module}"


def package_of(module: str) -> str:
    return ".".join(module.split(".")[:2])


def module_name(path: Path) -> str:
    name = ".".join(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
    return name.removesuffix(".__init__")


def cross_imports() -> Iterator[CrossImport]:
    for path in sorted(APP.rglob("*.py")):
        importer = module_name(path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("app.") and package_of(alias.name) != package_of(
                        importer
                    ):
                        yield CrossImport(importer, node.lineno, alias.name, ())
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("app."):
                module = node.module or ""
                if package_of(module) != package_of(importer):
                    names = tuple(alias.name for alias in node.names)
                    yield CrossImport(importer, node.lineno, module, names)


def floors() -> list[list[str]]:
    config = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (layers,) = [
        contract["layers"]
        for contract in config["tool"]["importlinter"]["contracts"]
        if contract["type"] == "layers"
    ]
    return [[name.strip() for name in floor.replace(":", "|").split("|")] for floor in layers]


def test_every_package_stands_on_a_floor() -> None:
    on_floors = {name for floor in floors() for name in floor}
    packages = {
        module_name(path)
        for path in APP.iterdir()
        if (path.suffix == ".py" and path.name != "__init__.py") or (path / "__init__.py").is_file()
    }
    assert packages - on_floors == set(), "add each package to a floor in pyproject.toml"
    assert on_floors - packages == set()


def test_other_packages_are_reached_through_their_exports_only() -> None:
    found = list(cross_imports())
    assert len(found) > 100, "the scan finds the imports"
    past_the_exports = [
        str(found_import)
        for found_import in found
        if found_import.importer not in COMPOSITION_ROOTS
        and found_import.target != PLUMBING
        and found_import.module != found_import.target
    ]
    assert past_the_exports == []


def test_only_exported_names_are_imported_from_a_package() -> None:
    unexported = []
    for found_import in cross_imports():
        if found_import.module != found_import.target or found_import.target == PLUMBING:
            continue
        if not (APP / found_import.target.split(".")[1]).is_dir():
            continue  # a module of its own (app.database_schema): its names are its interface
        exports = set(import_module(found_import.target).__all__)
        unexported += [
            f"{found_import}: {name}" for name in found_import.names if name not in exports
        ]
    assert unexported == []


def test_no_private_name_is_imported_from_another_package() -> None:
    private = [
        str(found_import)
        for found_import in cross_imports()
        if any(name.startswith("_") for name in found_import.names)
        or any(part.startswith("_") for part in found_import.module.split("."))
    ]
    assert private == []


def test_nothing_imports_in_a_circle() -> None:
    graph = grimp.build_graph("app")
    package_graph: dict[str, set[str]] = {}
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            importer, target = package_of(module), package_of(imported)
            if importer != target and target != "app":
                package_graph.setdefault(importer, set()).add(target)
    assert _cycle_in(package_graph) is None
    module_graph = {
        module: graph.find_modules_directly_imported_by(module) for module in graph.modules
    }
    assert _cycle_in(module_graph) is None


def _cycle_in(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the directed graph, or None (depth-first search, three colours)."""
    done: set[str] = set()
    path: list[str] = []
    on_path: set[str] = set()

    def visit(node: str) -> list[str] | None:
        path.append(node)
        on_path.add(node)
        for successor in sorted(graph.get(node, ())):
            if successor in on_path:
                return [*path[path.index(successor) :], successor]
            if successor not in done:
                found = visit(successor)
                if found:
                    return found
        path.pop()
        on_path.discard(node)
        done.add(node)
        return None

    for node in sorted(graph):
        if node not in done:
            found = visit(node)
            if found:
                return found
    return None


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycle_in({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle_in({"a": {"b"}, "b": {"c"}, "c": set()}) is None


LAZY = ["app.board", "app.ingest", "app.jobs", "app.reminders", "app.webhooks"]


@pytest.mark.parametrize("package", LAZY)
def test_every_lazy_export_is_the_one_its_module_defines(package: str) -> None:
    exporter = import_module(package)
    homes: dict[str, str] = exporter._HOME
    assert set(homes) <= set(exporter.__all__)
    # Type checkers read the names from the TYPE_CHECKING imports: they must list them all.
    init = ast.parse((APP / package.split(".")[1] / "__init__.py").read_text(encoding="utf-8"))
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


def test_a_lazy_package_loads_nothing_heavy_with_its_tables() -> None:
    """Why those packages are lazy: loading every table (what each command does) must not
    load the board's templates, the extractor, mail or the HTTP client."""
    import subprocess
    import sys

    probe = (
        "import sys, app.models; "
        "print(' '.join(m for m in ('jinja2', 'app.ingest.extractor', 'smtplib', 'httpx', "
        "'app.board.pages', 'app.jobs.registry') if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=PROJECT_ROOT
    ).stdout.split()
    assert loaded == []
