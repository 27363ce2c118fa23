"""The commands, end to end: `commitments overdue` against a live server, and seeding."""

import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text

from app.core.migrations import upgrade
from bench.reset_database import reset
from bench.servers import serving

ROOT = Path(__file__).resolve().parents[1]
COMMAND = str(Path(sys.executable).with_name("commitments"))
REPEATS = 5


@dataclass
class Timing:
    name: str
    seconds: float
    startup_seconds: float  # the interpreter and the imports the command needs
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


def open_commitments(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as connection:
        count = connection.scalar(
            text(
                "SELECT count(*) FROM commitment WHERE archived_at IS NULL AND status IN "
                "('not_started', 'in_progress', 'at_risk', 'blocked')"
            )
        )
    engine.dispose()
    return int(count or 0)


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
    return Timing(
        "`commitments overdue` (text report)",
        seconds,
        import_seconds("app.cli"),
        1.5,
        f"{open_commitments(url):,} open commitments, 1 worker",
    )


def seeding(backend_url: str) -> list[Timing]:
    """`commitments seed` on a migrated, empty database; then again, with nothing to do."""
    startup = import_seconds("app.cli, app.seeding.service, app.core.db")
    with tempfile.TemporaryDirectory() as scratch:
        if backend_url.startswith("sqlite"):
            url = f"sqlite:///{Path(scratch) / 'seed.db'}"
        else:
            url = reset(backend_url, "bench_seed")
        upgrade(url)
        env = {"COMMITMENTS_DATABASE_URL": url}
        backend = "SQLite" if url.startswith("sqlite") else "PostgreSQL"
        started = time.perf_counter()
        subprocess.run([COMMAND, "seed"], env=os.environ | env, capture_output=True, check=True)
        first = time.perf_counter() - started
        again = _median_run([COMMAND, "seed"], env, {0})
    return [
        Timing(f"`commitments seed`, empty database ({backend})", first, startup, 2.0, ""),
        Timing(f"`commitments seed`, second run ({backend})", again, startup, 0.5, ""),
    ]
