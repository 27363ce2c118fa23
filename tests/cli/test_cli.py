import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.seed_data import seeded_commitments

COMMAND = str(Path(sys.executable).parent / "commitments")


def run(*args: str, database_url: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = os.environ | {"COMMITMENTS_DATABASE_URL": database_url} | env
    return subprocess.run(
        [COMMAND, *args], capture_output=True, text=True, env=environment, timeout=120, check=False
    )


def test_migrate_seed_and_check_from_an_empty_database(databases) -> None:
    url = databases.blank()
    assert "empty" in run("db", "current", database_url=url).stdout
    upgraded = run("db", "upgrade", database_url=url)
    assert upgraded.returncode == 0, upgraded.stderr
    assert "up to date" in run("db", "current", database_url=url).stdout
    check = run("db", "check", database_url=url)
    assert check.returncode == 0, check.stderr
    assert "No drift" in check.stdout
    seeded = run("seed", database_url=url)
    assert seeded.returncode == 0, seeded.stderr
    assert f"{len(seeded_commitments())} commitments created" in seeded.stdout
    again = run("seed", database_url=url)
    assert "nothing changed" in again.stdout
    skipped = run("seed", "--if-empty", database_url=url)
    assert "already has commitments" in skipped.stdout


def test_downgrade_to_base_and_back(databases) -> None:
    url = databases.blank()
    assert run("db", "upgrade", database_url=url).returncode == 0
    down = run("db", "downgrade", "base", database_url=url)
    assert down.returncode == 0, down.stderr
    assert "empty" in run("db", "current", database_url=url).stdout
    assert run("db", "upgrade", database_url=url).returncode == 0


def test_check_reports_drift_with_exit_status_1(databases) -> None:
    url = databases.blank()
    check = run("db", "check", database_url=url)
    assert check.returncode == 1
    assert "drift:" in check.stderr


@pytest.mark.parametrize(
    ("args", "url"),
    [
        (("seed",), "postgresql+psycopg://nobody@127.0.0.1:1/nothing"),
        (("db", "upgrade"), "postgresql+psycopg://nobody@127.0.0.1:1/nothing"),
        (("db", "upgrade"), "nonsense://"),
    ],
)
def test_errors_are_one_line_and_exit_status_2(args: tuple[str, ...], url: str) -> None:
    result = run(*args, database_url=url)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("error: ")


def test_a_missing_seed_folder_is_a_clear_error(empty_database_url: str, tmp_path: Path) -> None:
    result = run("seed", "--seeds-dir", str(tmp_path), database_url=empty_database_url)
    assert result.returncode == 2
    assert result.stderr == f"error: seed file not found: {tmp_path / 'reference.toml'}\n"


def test_usage_errors_exit_with_status_2() -> None:
    result = run("db", "sideways", database_url="sqlite://")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
