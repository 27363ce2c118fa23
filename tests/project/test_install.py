"""A normal (non-editable) install, as in the image: it must find its migrations and seeds
inside the package and keep its default database out of site-packages."""

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from app.core.config import PROJECT_ROOT


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(PROJECT_ROOT / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    shutil.copytree(PROJECT_ROOT / "app", source / "app", symlinks=True, ignore=ignore)
    shutil.copytree(PROJECT_ROOT / "seeds", source / "seeds")
    target = tmp_path_factory.mktemp("site")
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps"]
    subprocess.run(
        [*pip, "--no-build-isolation", "--target", str(target), str(source)],
        check=True,
        capture_output=True,
    )
    shutil.rmtree(source)  # nothing of the checkout is left to lean on
    return target


def commitments(site: Path, cwd: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("COMMITMENTS_")}
    environment["PYTHONPATH"] = str(site)
    return subprocess.run(
        [sys.executable, "-c", "from app.cli import main; main()", *arguments],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_an_installed_package_migrates_and_seeds_from_its_own_data(
    installed: Path, tmp_path: Path
) -> None:
    where = commitments(installed, tmp_path, "--version")
    assert where.returncode == 0, where.stderr

    upgraded = commitments(installed, tmp_path, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    seeded = commitments(installed, tmp_path, "seed")
    assert seeded.returncode == 0, seeded.stderr

    database = tmp_path / "var" / "commitments.db"
    assert database.is_file(), "the default database lives in the working directory's var/"
    with sqlite3.connect(database) as connection:
        (count,) = connection.execute("SELECT count(*) FROM commitment").fetchone()
    assert count > 0
    assert not list(installed.rglob("*.db")), "nothing is written into the installed package"


def test_the_installed_modules_are_the_ones_running(installed: Path, tmp_path: Path) -> None:
    environment = {**os.environ, "PYTHONPATH": str(installed)}
    located = subprocess.run(
        [sys.executable, "-c", "import app.core.migrations as m; print(m.SCRIPT_LOCATION)"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(located.stdout.strip()).is_relative_to(installed)


def test_the_installed_package_serves_the_board_and_swagger_ui_from_its_own_files(
    installed: Path, tmp_path: Path
) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("COMMITMENTS_")}
    environment |= {
        "PYTHONPATH": str(installed),
        "COMMITMENTS_DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
    }
    script = """
from fastapi.testclient import TestClient
from app.main import create_app
with TestClient(create_app()) as client:
    for path in ("/board/sign-in", "/board/static/htmx.min.js", "/board/static/board.css",
                 "/docs", "/static/swagger/swagger-ui-bundle.js"):
        print(path, client.get(path).status_code)
"""
    served = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert served.returncode == 0, served.stderr
    assert [line.split()[1] for line in served.stdout.splitlines()] == ["200"] * 5
