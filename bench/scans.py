"""The overdue scan: what the app runs for `?overdue=true` and the overdue report, against the
hand-written indexed SQL for the same answer, in process, on one database."""

import functools
import statistics
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlmodel import Session

from app.commitments import service as commitments
from app.commitments.filters import CommitmentFilters
from app.core.config import Settings
from app.core.db import Database
from app.core.responses import in_chunks
from app.core.security import Principal, Role
from app.core.time import today
from app.reports import service as reports
from app.reports.streams import overdue_json

REPEATS = 15
# The report lists every overdue commitment: seconds each on a large register.
REPORT_REPEATS = 3
OPEN = "('not_started', 'in_progress', 'at_risk', 'blocked')"
OVERDUE = f"c.archived_at IS NULL AND c.status IN {OPEN} AND c.due_date < :today"
FLOOR_LIST = (
    f"SELECT count(*) FROM commitment c WHERE {OVERDUE}",
    f"SELECT c.* FROM commitment c WHERE {OVERDUE} ORDER BY c.ref, c.id LIMIT 51",
)
FLOOR_REPORT = (
    f"SELECT c.id, c.ref, c.title, c.status, c.due_date, c.last_note_on FROM commitment c "
    f"WHERE {OVERDUE} AND c.recurrence IS NULL ORDER BY c.due_date, c.ref",
    f"SELECT cp.commitment_id, p.code FROM commitment c JOIN commitment_party cp "
    f"ON cp.commitment_id = c.id JOIN party p ON p.id = cp.party_id WHERE {OVERDUE}",
    f"SELECT cl.commitment_id, p.code, ct.name FROM commitment c JOIN commitment_lead cl "
    f"ON cl.commitment_id = c.id JOIN party p ON p.id = cl.party_id "
    f"JOIN contact ct ON ct.id = cl.contact_id WHERE {OVERDUE}",
)
ADMIN = Principal(
    user_id=0, name="bench", role=Role.admin, party_id=None, party_code=None, token_id=0
)


@dataclass
class Scan:
    name: str
    app_ms: float
    floor_ms: float
    rows: int
    plan: list[str]

    @property
    def ratio(self) -> float:
        return self.app_ms / self.floor_ms


def _median_ms(action: Callable[[], Any], repeats: int = REPEATS) -> float:
    action()  # warm the caches
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def scans(url: str) -> list[Scan]:
    database = Database(Settings(database_url=url))
    engine = create_engine(url)
    day = today()
    found: dict[str, int] = {}

    def app_list() -> None:
        with database.transaction(write=False) as session:
            page = commitments.list_commitments(
                session=session,
                filters=CommitmentFilters(overdue=True),
                principal=ADMIN,
                with_total=True,
            )
            found["list"] = page.total or 0

    def app_report() -> None:
        with database.transaction(write=False) as session:
            for _chunk in _overdue_report(session, day):
                pass

    with database.transaction(write=False) as session:
        found["report"] = reports.overdue_total(session=session, principal=ADMIN, on=day)

    def floor(statements: tuple[str, ...]) -> Callable[[], None]:
        def run() -> None:
            with engine.connect() as connection:
                for statement in statements:
                    connection.execute(text(statement), {"today": day}).all()

        return run

    results = [
        Scan(
            "`?overdue=true`, first page of 50 with its total",
            _median_ms(app_list),
            _median_ms(floor(FLOOR_LIST)),
            found["list"],
            _first_plan(database, app_list),
        ),
        Scan(
            "overdue report (every overdue commitment, grouped by party and lead)",
            _median_ms(app_report, REPORT_REPEATS),
            _median_ms(floor(FLOOR_REPORT), REPORT_REPEATS),
            found["report"],
            _first_plan(database, app_report),
        ),
    ]
    database.dispose()
    engine.dispose()
    return results


def _overdue_report(session: Session, day: date) -> Iterator[bytes]:
    """The overdue report as the API streams it."""
    slices = reports.overdue_slices(session=session, principal=ADMIN, on=day, link_base="")
    total = functools.partial(reports.overdue_total, session=session, principal=ADMIN, on=day)
    return in_chunks(overdue_json(as_of=day, slices=slices, total=total))


@dataclass
class Streamed:
    """The streamed overdue report: its first byte's and first group's waits, and its peak
    memory."""

    items: int
    first_byte_ms: float
    first_group_ms: float
    whole_ms: float
    peak_mb: float


def streamed_report(url: str) -> Streamed:
    """Time to the report's first bytes (the opening of the document), to its
    first group, to its end, and the peak memory of Python objects while it streams (traced in
    a separate run: tracing slows it down)."""
    database = Database(Settings(database_url=url))
    day = today()
    with database.transaction(write=False) as session:
        total = reports.overdue_total(session=session, principal=ADMIN, on=day)
        started = time.perf_counter()
        chunks = _overdue_report(session, day)
        next(chunks)
        first_byte = time.perf_counter() - started
        next(chunks)
        first_group = time.perf_counter() - started
        for _chunk in chunks:
            pass
        whole = time.perf_counter() - started
    tracemalloc.start()
    with database.transaction(write=False) as session:
        for _chunk in _overdue_report(session, day):
            pass
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    database.dispose()
    return Streamed(total, first_byte * 1000, first_group * 1000, whole * 1000, peak / 2**20)


def _first_plan(database: Database, action: Callable[[], None]) -> list[str]:
    """The plan of the first statement the app sends for `action`, as the app sends it."""
    sent: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        sent.append((statement, parameters))

    event.listen(database.reader, "before_cursor_execute", capture)
    try:
        action()
    finally:
        event.remove(database.reader, "before_cursor_execute", capture)
    statement, parameters = next((s, p) for s, p in sent if s.lstrip().startswith("SELECT"))
    postgres = database.reader.dialect.name == "postgresql"
    prefix = "EXPLAIN " if postgres else "EXPLAIN QUERY PLAN "
    with database.reader.connect() as connection:
        rows = connection.exec_driver_sql(prefix + statement, parameters).all()
    return [" ".join(statement.split()), "", *(str(row[-1]) for row in rows)]
