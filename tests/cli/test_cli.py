import os
import pty
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
    assert f"{len(seeded_commitments(archived=True))} commitments created" in seeded.stdout
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


def run_on_a_terminal(*args: str, database_url: str) -> tuple[int, str, str]:
    """Run with standard error on a pseudo-terminal, as when a person types the command."""
    primary, secondary = pty.openpty()
    environment = os.environ | {"COMMITMENTS_DATABASE_URL": database_url, "COLUMNS": "100"}
    with subprocess.Popen(
        [COMMAND, *args], stdout=subprocess.PIPE, stderr=secondary, env=environment, text=True
    ) as process:
        os.close(secondary)
        terminal = b""
        while True:
            try:
                chunk = os.read(primary, 4096)
            except OSError:  # the terminal closed with the process
                break
            if not chunk:
                break
            terminal += chunk
        stdout = process.stdout.read() if process.stdout else ""
    os.close(primary)
    return process.wait(timeout=120), stdout, terminal.decode(errors="replace")


def test_seed_export_and_import_draw_progress_bars_on_a_terminal_only(
    databases, tmp_path: Path
) -> None:
    url = databases.blank()
    assert run("db", "upgrade", database_url=url).returncode == 0
    status, stdout, terminal = run_on_a_terminal("seed", database_url=url)
    assert status == 0, terminal
    assert "Seeding" in terminal
    assert f"{len(seeded_commitments(archived=True))} commitments created" in stdout

    status, stdout, terminal = run_on_a_terminal(
        "export", str(tmp_path / "a.json"), database_url=url
    )
    assert status == 0, terminal
    assert "Exporting" in terminal
    assert "Exported" in stdout

    target = databases.blank()
    assert run("db", "upgrade", database_url=target).returncode == 0
    status, stdout, terminal = run_on_a_terminal(
        "import", str(tmp_path / "a.json"), database_url=target
    )
    assert status == 0, terminal
    assert "Importing" in terminal
    assert "Imported" in stdout

    piped = run("export", str(tmp_path / "b.json"), database_url=url)
    assert piped.returncode == 0
    assert piped.stderr == "", "no bar where nobody watches"


def test_version_and_completion() -> None:
    version = run("--version", database_url="sqlite://")
    assert version.returncode == 0
    assert version.stdout.startswith("commitments ")
    assert version.stdout.split()[1][0].isdigit()
    # Typer's switch for naming the shell instead of detecting it from the parent processes,
    # which depend on how the suite was started.
    completion = run(
        "--show-completion", "bash", database_url="sqlite://",
        _TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION="1",
    )  # fmt: skip
    assert completion.returncode == 0
    assert "complete" in completion.stdout
    assert "commitments" in completion.stdout


@pytest.mark.parametrize("switch", [("--debug",), ()])
def test_debug_adds_the_traceback_to_the_one_line_error(switch: tuple[str, ...]) -> None:
    nowhere = "postgresql+psycopg://nobody@127.0.0.1:1/nothing"
    by_option = run(
        *switch, "seed", database_url=nowhere, COMMITMENTS_DEBUG="1" if not switch else ""
    )
    assert by_option.returncode == 2
    assert "Traceback (most recent call last)" in by_option.stderr
    assert by_option.stderr.splitlines()[-1].startswith("error: OperationalError")


def test_help_shows_the_choices_and_refuses_others(empty_database_url: str) -> None:
    shown = run("users", "add", "--help", database_url=empty_database_url)
    assert "viewer|editor|admin" in shown.stdout
    refused = run("users", "add", "someone", "--role", "boss", database_url=empty_database_url)
    assert refused.returncode == 2
    assert "boss" in refused.stderr


def test_an_administrator_issues_a_metrics_token_from_the_command_line(
    empty_database_url: str,
) -> None:
    created = run("users", "add", "ops", "--role", "admin", database_url=empty_database_url)
    assert created.returncode == 0, created.stderr
    issued = run("tokens", "create", "ops", "--scope", "metrics", database_url=empty_database_url)
    assert issued.returncode == 0, issued.stderr
    listed = run("users", "list", database_url=empty_database_url).stdout
    assert listed.count(":active") == 2
    refused = run("tokens", "create", "ops", "--scope", "calendar", database_url=empty_database_url)
    assert refused.returncode == 2
