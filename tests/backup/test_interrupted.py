"""An export stopped half-way (SIGTERM) or killed outright (SIGKILL) leaves no partial file,
with its token digests, behind: at once, or from the next export beside it on."""

import os
import signal
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

from app.core.config import Settings
from app.core.db import Database
from app.models import CommitmentHistory
from tests.cli.test_cli import COMMAND, run

# Enough rows that an export runs for seconds, long enough to be caught half-way.
ROWS = 20_000


def enlarge(database_url: str) -> None:
    """Many history entries, each at a version its commitment has: a big, consistent register."""
    database = Database(Settings(database_url=database_url))
    now = datetime.now(UTC)
    with database.writer.connect() as connection, connection.begin():
        ids = [row[0] for row in connection.exec_driver_sql("SELECT id FROM commitment")]
        connection.execute(
            CommitmentHistory.__table__.insert(),  # type: ignore[attr-defined]
            [
                {
                    "commitment_id": ids[number % len(ids)],
                    "version": 1,
                    "field": "description",
                    "new_value": f"{number} " + "x" * 200,
                    "actor_name": "archive",
                    "channel": "api",
                    "changed_at": now,
                }
                for number in range(ROWS)
            ],
        )
    database.dispose()


def partials(directory: Path) -> list[Path]:
    return sorted(directory.glob(".backup.json.*.partial"))


def start_export(
    file: Path, database_url: str, *, besides: list[Path] | None = None
) -> tuple[subprocess.Popen[str], Path]:
    """An export under way, and its partial file: returned once that file (one not among
    `besides`) has begun to fill."""
    process = subprocess.Popen(
        [COMMAND, "export", str(file)],
        env=os.environ | {"COMMITMENTS_DATABASE_URL": database_url},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while True:
        for path in set(partials(file.parent)) - set(besides or []):
            try:
                if path.stat().st_size > 0:
                    return process, path
            except FileNotFoundError:
                pass
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the export never began writing"
        time.sleep(0.01)


def test_an_export_stopped_by_sigterm_removes_its_partial_file(
    database_url: str, tmp_path: Path
) -> None:
    backup = tmp_path / "backup.json"
    assert run("export", str(backup), database_url=database_url).returncode == 0
    previous = backup.read_bytes()
    enlarge(database_url)

    export, partial = start_export(backup, database_url)
    assert partial.stat().st_mode & 0o777 == 0o600, "it holds token digests"
    export.send_signal(signal.SIGTERM)
    _out, err = export.communicate(timeout=60)
    assert export.returncode == 128 + signal.SIGTERM, err
    assert "Traceback" not in err
    assert partials(tmp_path) == []
    assert backup.read_bytes() == previous, "the previous backup stays as it was"


def test_the_next_export_removes_what_a_killed_one_left(database_url: str, tmp_path: Path) -> None:
    backup = tmp_path / "backup.json"
    enlarge(database_url)
    killed, abandoned = start_export(backup, database_url)
    killed.send_signal(signal.SIGKILL)
    killed.communicate(timeout=60)
    assert killed.returncode == -signal.SIGKILL
    assert partials(tmp_path) == [abandoned]

    # The next export removes the abandoned file; one run while it is under way (held still
    # half-way) leaves its partial file alone.
    first, live = start_export(backup, database_url, besides=[abandoned])
    assert partials(tmp_path) == [live]
    first.send_signal(signal.SIGSTOP)
    try:
        second = run("export", str(backup), database_url=database_url)
        assert second.returncode == 0, second.stderr
        assert live.exists()
    finally:
        first.send_signal(signal.SIGCONT)
    _out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert [path.name for path in tmp_path.iterdir()] == ["backup.json"]


def test_an_export_under_another_name_removes_what_a_killed_one_left(
    database_url: str, tmp_path: Path
) -> None:
    """Backups named by their date: yesterday's killed export is cleared by today's."""
    enlarge(database_url)
    yesterday, today = tmp_path / "backup-2026-12-06.json", tmp_path / "backup-2026-12-07.json"
    killed = subprocess.Popen(
        [COMMAND, "export", str(yesterday)],
        env=os.environ | {"COMMITMENTS_DATABASE_URL": database_url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    pattern = f".{yesterday.name}.*.partial"
    deadline = time.monotonic() + 60
    while not any(path.stat().st_size for path in tmp_path.glob(pattern)):
        assert killed.poll() is None
        assert time.monotonic() < deadline, "the export never began writing"
    killed.send_signal(signal.SIGKILL)
    killed.wait(timeout=60)
    other_kind = tmp_path / ".notes.txt.abcdefgh.partial"
    other_kind.write_text("not an export's")
    assert run("export", str(today), database_url=database_url).returncode == 0
    assert sorted(path.name for path in tmp_path.iterdir()) == [other_kind.name, today.name]
