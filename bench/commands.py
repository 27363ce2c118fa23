"""The commands, end to end: `commitments overdue` against a live server, and seeding."""

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from app.core.config import Settings
from app.core.db import Database
from app.core.migrations import upgrade
from app.seeding.service import seed_register
from bench.reset_database import reset
from bench.servers import serving
from bench.sql import scalar

ROOT = Path(__file__).resolve().parents[1]
COMMAND = str(Path(sys.executable).with_name("commitments"))
REPEATS = 5


@dataclass
class Timing:
    name: str
    seconds: float
    startup_seconds: float  # the interpreter and the imports the command needs
    work_seconds: float  # the same work in a process that has already started
    target_seconds: float
    detail: str


def _median_run(command: list[str], env: dict[str, str], expect: set[int]) -> float:
    timings = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        result = subprocess.run(command, env=os.environ | env, capture_output=True, check=False)
        timings.append(time.perf_counter() - started)
        if result.returncode not in expect:
            raise SystemExit(f"{command[1:3]} exited {result.returncode}: {result.stderr[-500:]!r}")
    return statistics.median(timings)


def import_seconds(modules: str) -> float:
    return _median_run([sys.executable, "-c", f"import {modules}"], {}, {0})


def stack_imports() -> dict[str, float]:
    """What any command on this stack pays before its own code runs: the interpreter alone,
    then the libraries the commands need, each in a fresh process."""
    return {
        "the interpreter alone": _median_run([sys.executable, "-c", "pass"], {}, {0}),
        "`import sqlmodel` (with SQLAlchemy and pydantic)": import_seconds("sqlmodel"),
        "`import app.models` (every table)": import_seconds("app.models"),
        "`import fastapi`": import_seconds("fastapi"),
    }


def open_commitments(url: str) -> int:
    return int(
        scalar(
            url,
            "SELECT count(*) FROM commitment WHERE archived_at IS NULL AND status IN "
            "('not_started', 'in_progress', 'at_risk', 'blocked')",
        )
    )


def overdue_command(url: str, token: str) -> Timing:
    with serving(
        "app.main:create_app",
        port=8703,
        workers=1,
        env={"COMMITMENTS_DATABASE_URL": url},
        ready_path="/healthz",
    ) as base:
        command = [COMMAND, "overdue", "--api-url", base, "--token", token, "--timeout", "120"]
        seconds = _median_run([*command, "--output", os.devnull], {}, {0, 1})
        work = _median_seconds(
            lambda: httpx.get(
                f"{base}/api/v1/reports/deadlines?include_open=false",
                headers={"Authorization": f"Bearer {token}"},
                timeout=120,
            ).raise_for_status()
        )
    return Timing(
        "`commitments overdue` (text report)",
        seconds,
        import_seconds("app.cli"),
        work,
        1.5,
        f"{open_commitments(url):,} open commitments, 1 worker; work: the report request alone",
    )


def _median_seconds(action: Callable[[], object]) -> float:
    timings = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def _empty_database(backend_url: str, scratch: Path, name: str) -> str:
    if backend_url.startswith("sqlite"):
        url = f"sqlite:///{scratch / name}.db"
    else:
        url = reset(backend_url, name)
    upgrade(url)
    return url


def _seed_in_process(url: str) -> tuple[float, float]:
    """Seconds to seed an empty register, and to seed it again, without process start-up."""
    database = Database(Settings(database_url=url))

    def seed() -> None:
        with database.transaction() as session:
            seed_register(session=session, seeds_dir=ROOT / "seeds")

    started = time.perf_counter()
    seed()
    first = time.perf_counter() - started
    again = _median_seconds(seed)
    database.dispose()
    return first, again


def seeding(backend_url: str) -> list[Timing]:
    """`commitments seed` on a migrated, empty database; then again, with nothing to do."""
    startup = import_seconds("app.cli, app.seeding.service, app.core.db")
    with tempfile.TemporaryDirectory() as scratch:
        url = _empty_database(backend_url, Path(scratch), "bench_seed")
        env = {"COMMITMENTS_DATABASE_URL": url}
        backend = "SQLite" if url.startswith("sqlite") else "PostgreSQL"
        started = time.perf_counter()
        subprocess.run([COMMAND, "seed"], env=os.environ | env, capture_output=True, check=True)
        first = time.perf_counter() - started
        again = _median_run([COMMAND, "seed"], env, {0})
        work_first, work_again = _seed_in_process(
            _empty_database(backend_url, Path(scratch), "bench_seed_work")
        )
    return [
        Timing(f"`commitments seed`, empty ({backend})", first, startup, work_first, 2.0, ""),
        Timing(f"`commitments seed`, again ({backend})", again, startup, work_again, 0.5, ""),
    ]
