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
from app.database_schema import upgrade
from app.seeding.service import seed_register
from bench.datasets import issue_tokens
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
        import_seconds("app.cli, app.cli.overdue, app.client"),
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


STATEMENT_KB = 40
# The language of joint statements: undertakings of every kind, and the sentences around
# them that are not (welcomes, condemnations, descriptions).
SENTENCES = [
    "The two ministers will hold the Integrated Defense Dialogue {n} quarterly.",
    "Both sides condemned the DPRK's launch of ballistic missile number {n}.",
    "The United States will deploy additional surveillance assets to the region by 20{y}, "
    "and the ROK will expand its contribution to combined exercises.",
    "The ROK requested U.S. support for its shipbuilding initiative {n}.",
    "The Secretary welcomed the progress made on the {n}th round of consultations.",
    "Both sides agreed to establish working group {n} on maritime domain awareness.",
    "Japan intends to present at least one project each year before the SCM.",
    "The Minister noted that the Alliance has grown stronger over {n} years.",
    "They reaffirmed their commitment to trilateral cooperation on cyber threats.",
    "The leaders pledged to share information on space situational awareness by June 20{y}.",
]


def statement_text(kilobytes: int = STATEMENT_KB, variant: int = 0) -> str:
    """A statement of about `kilobytes` KB: paragraphs of three sentences; `variant` makes
    its text (and hash) its own."""
    paragraphs = [f"JOINT STATEMENT {variant}"]
    n = 0
    while sum(len(p) + 2 for p in paragraphs) < kilobytes * 1024:
        sentences = [
            SENTENCES[(n + i) % len(SENTENCES)].format(n=n + i + 1, y=27 + (n + i) % 5)
            for i in range(3)
        ]
        paragraphs.append(" ".join(sentences))
        n += 3
    return "\n\n".join(paragraphs) + "\n"


def _ingest_in_process(url: str) -> float:
    from app.ingest.models import DocumentUpload
    from app.ingest.service import take_in

    database = Database(Settings(database_url=url))
    variants = iter(range(1000, 2000))

    def ingest() -> None:
        upload = DocumentUpload.model_validate(
            {
                "title": "Benchmark statement",
                "publisher": "Bench",
                "issued_on": "2026-11-01",
                "parties": ["US", "ROK"],
                "text": statement_text(variant=next(variants)),
            }
        )
        with database.transaction() as session:
            take_in(session=session, upload=upload, principal=None, actor_name="bench")

    seconds = _median_seconds(ingest)
    database.dispose()
    return seconds


def seeded_database(backend_url: str, scratch: Path) -> str:
    url = _empty_database(backend_url, scratch, "bench_ingest")
    database = Database(Settings(database_url=url))
    with database.transaction() as session:
        seed_register(session=session, seeds_dir=ROOT / "seeds")
    database.dispose()
    return url


def _post_statements(base: str, token: str) -> float:
    variants = iter(range(5000, 6000))

    def post() -> None:
        httpx.post(
            f"{base}/api/v1/documents",
            params={"title": "Statement", "issued_on": "2026-11-01", "publisher": "Bench"},
            content=statement_text(variant=next(variants)).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "text/plain"},
            timeout=120,
        ).raise_for_status()

    return _median_seconds(post)


def ingesting(backend_url: str) -> list[Timing]:
    """A 40 KB statement into the seeded register: POST /api/v1/documents to a running
    server (its own line: no process starts), and `commitments ingest`."""
    startup = import_seconds("app.cli, app.ingest.service, app.core.db")
    backend = "SQLite" if backend_url.startswith("sqlite") else "PostgreSQL"
    detail = f"a {STATEMENT_KB} KB statement into the seeded register"
    with tempfile.TemporaryDirectory() as scratch:
        url = seeded_database(backend_url, Path(scratch))
        token = issue_tokens(url)["editor"]
        with serving(
            "app.main:create_app",
            port=8704,
            workers=1,
            env={"COMMITMENTS_DATABASE_URL": url},
            ready_path="/healthz",
        ) as base:
            posted = _post_statements(base, token)
        timings = []
        for variant in range(REPEATS):
            path = Path(scratch) / f"statement-{variant}.txt"
            path.write_text(statement_text(variant=variant), encoding="utf-8")
            command = [COMMAND, "ingest", str(path), "--title", f"Statement {variant}"]
            command += ["--issued-on", "2026-11-01", "--parties", "US,ROK", "--format", "json"]
            started = time.perf_counter()
            subprocess.run(
                command, env=os.environ | {"COMMITMENTS_DATABASE_URL": url}, capture_output=True,
                check=True,
            )  # fmt: skip
            timings.append(time.perf_counter() - started)
        work = _ingest_in_process(url)
    return [
        Timing(f"POST /api/v1/documents ({backend})", posted, 0.0, posted, 2.0, detail),
        Timing(
            f"`commitments ingest` ({backend})", statistics.median(timings), startup, work, 2.0,
            detail,
        ),
    ]  # fmt: skip
