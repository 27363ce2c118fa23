"""A normal (non-editable) install, as in the image: it must find its migrations and seeds
inside the package and keep its default database out of site-packages. An editable install
(the checkout's, `make run` and `make test`) runs the checkout's own migrations/."""

import os
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from alembic.config import Config

from app.core.config import PROJECT_ROOT

PIP = (sys.executable, "-m", "pip", "--quiet")


def copy_what_the_image_copies(source: Path) -> None:
    """The Dockerfile's COPY instructions, followed: the package built here is the image's."""
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    for line in (PROJECT_ROOT / "Dockerfile").read_text().splitlines():
        if not line.startswith("COPY "):
            continue
        *names, target = line.split()[1:]
        for name in names:
            destination = source / target / name if target.endswith("/") else source / target
            if (PROJECT_ROOT / name).is_dir():
                shutil.copytree(PROJECT_ROOT / name, destination, symlinks=True, ignore=ignore)
            else:
                shutil.copy(PROJECT_ROOT / name, destination)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("source")
    copy_what_the_image_copies(source)
    built = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [*PIP, "wheel", "--no-deps", "--no-build-isolation", "--wheel-dir", str(built), source],
        check=True,
        capture_output=True,
    )
    shutil.rmtree(source)  # nothing of the checkout is left to lean on
    (found,) = built.glob("*.whl")
    return found


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [*PIP, "install", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    return target


def test_the_wheel_carries_every_migration_of_the_checkout_as_app_migrations(
    wheel: Path,
) -> None:
    migrations = PROJECT_ROOT / "migrations"
    expected = {
        f"app/migrations/{path.relative_to(migrations).as_posix()}"
        for path in migrations.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    with zipfile.ZipFile(wheel) as archive:
        carried = {name for name in archive.namelist() if name.startswith("app/migrations/")}
    assert "app/migrations/env.py" in expected
    assert carried == expected


def test_an_editable_install_runs_the_migrations_alembic_ini_names(tmp_path: Path) -> None:
    """The checkout's own migrations/, found from anywhere (not through the working
    directory), are the ones `alembic` run in the checkout uses."""
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    located = subprocess.run(
        [sys.executable, "-c", "import app.database_schema as m; print(m.SCRIPT_LOCATION)"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    named = Config(PROJECT_ROOT / "alembic.ini").get_main_option("script_location")
    assert named is not None
    assert Path(located.stdout.strip()) == Path(named) == PROJECT_ROOT / "migrations"


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
        [sys.executable, "-c", "import app.database_schema as m; print(m.SCRIPT_LOCATION)"],
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
