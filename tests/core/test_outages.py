"""Database outages: a hung or a down PostgreSQL (a proxy on loopback in front of the real
server, which is left alone), a full disk, an unwritable database, a COMMIT whose answer is
lost. The process stays responsive, every request is answered 503 with one problem type and
Retry-After within a bounded time, and the log holds one line per outage."""

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, text

from app.core.config import Settings
from app.core.db import Database
from app.core.errors import problem_type
from app.main import create_app
from tests.conftest import bearer
from tests.database_proxy import DatabaseProxy, Mode, database_proxy
from tests.live_server import ServerProcess, live_server

REF = "SCM56-RCF-13"
ONE = f"/api/v1/commitments/{REF}"
NOTES = f"{ONE}/updates"
UNAVAILABLE = problem_type("database-unavailable")
UNKNOWN = problem_type("outcome-unknown")
# The server's deadlines in these tests (seconds): an exchange, a connection, readiness.
ANSWER, CONNECT, READINESS = 2, 2, 1
# Every request is answered within a statement's deadline, a new connection's and room.
BOUND = ANSWER + CONNECT + 3


def _postgres_only(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip(
            "SQLite has no server to hang or to stop: its outages are a full disk and an "
            "unwritable file (tested below)"
        )


@contextmanager
def _served(
    proxy: DatabaseProxy, database_url: str, **extra: str
) -> Iterator[tuple[str, ServerProcess]]:
    """A real server whose database is behind the proxy (its log: `process.output()`)."""
    env = {
        "COMMITMENTS_DATABASE_TIMEOUT_SECONDS": str(ANSWER),
        "COMMITMENTS_DATABASE_CONNECT_TIMEOUT_SECONDS": str(CONNECT),
        "COMMITMENTS_READINESS_TIMEOUT_SECONDS": str(READINESS),
        **extra,
    }
    with live_server(proxy.url(database_url), **env) as (url, process):
        yield url, process


def _timed(call: Callable[[], httpx.Response]) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def _during_outage(url: str, server: ServerProcess) -> None:
    """Requests of every kind while the database fails: each a 503 of the one type within
    BOUND, the probes as promised, one log line."""
    api = httpx.Client(base_url=url, headers=bearer("admin"), timeout=30)
    calls: list[Callable[[], httpx.Response]] = [
        lambda: api.get(ONE),  # answered before routing: the event loop's own connection
        lambda: api.get("/api/v1/commitments", params={"limit": 5}),
        lambda: api.get(NOTES),
        lambda: api.post(NOTES, json={"text": "Noted during an outage."}),
    ] * 2
    with ThreadPoolExecutor(len(calls)) as pool:
        pending = [pool.submit(_timed, call) for call in calls]
        time.sleep(0.5)  # the requests wait on the database
        for _ in range(3):
            health, took = _timed(lambda: httpx.get(f"{url}/healthz", timeout=30))
            assert (health.status_code, took < 0.5) == (200, True), took
        ready, took = _timed(lambda: httpx.get(f"{url}/readyz", timeout=30))
        assert ready.status_code == 503
        assert took < READINESS + 0.5, took
        answers = [future.result() for future in pending]
    for answer, took in answers:
        assert answer.status_code == 503, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["type"] == UNAVAILABLE
        assert int(answer.headers["retry-after"]) >= 1
        assert took < BOUND, took
    log = server.output()
    assert log.count("database unavailable") == 1, log
    assert "Traceback" not in log, log


def _after_outage(url: str, server: ServerProcess) -> None:
    """Answers again once the database is back, and the end of the outage is logged."""
    api = httpx.Client(base_url=url, headers=bearer("admin"), timeout=30)
    deadline = time.monotonic() + BOUND * 2
    while api.post(NOTES, json={"text": "Noted after the outage."}).status_code != 201:
        assert time.monotonic() < deadline, "the service did not recover"
        time.sleep(0.2)
    assert httpx.get(f"{url}/readyz", timeout=30).status_code == 200
    assert api.get(ONE).status_code == 200
    time.sleep(0.2)
    log = server.output()
    ended = [line for line in log.splitlines() if "database available again" in line]
    assert len(ended) == 1, log
    assert "requests answered 503" in ended[0]
    notes = api.get(NOTES).json()["items"]
    assert [n["text"] for n in notes].count("Noted during an outage.") == 0


def test_a_hung_database_is_answered_503_in_bounded_time(database_url: str) -> None:
    _postgres_only(database_url)
    with database_proxy(database_url) as proxy, _served(proxy, database_url) as (url, server):
        api = httpx.Client(base_url=url, headers=bearer("admin"), timeout=30)
        for _ in range(3):  # the event loop's connection and the pool's are open
            assert api.get(ONE).status_code == 200
        assert httpx.get(f"{url}/readyz").status_code == 200
        proxy.mode = Mode.hang
        _during_outage(url, server)
        proxy.mode = Mode.forward
        _after_outage(url, server)


def test_a_known_outage_is_answered_at_once_under_load(database_url: str) -> None:
    """Many more requests than request threads while the database hangs: they do not queue
    for the threads, each waiting out a deadline in turn; once the outage is known, they are
    answered 503 at once, one probe at a time trying the database, until it answers again."""
    _postgres_only(database_url)
    threads, requests = 4, 40
    with (
        database_proxy(database_url) as proxy,
        _served(proxy, database_url, COMMITMENTS_WORKER_THREADS=str(threads)) as (url, server),
    ):
        api = httpx.Client(base_url=url, headers=bearer("admin"), timeout=60)
        assert api.get(NOTES).status_code == 200
        proxy.mode = Mode.hang
        calls: list[Callable[[], httpx.Response]] = [
            lambda: api.get(ONE),
            lambda: api.get(NOTES),
            lambda: api.post(NOTES, json={"text": "Noted during an outage."}),
        ]
        with ThreadPoolExecutor(requests) as pool:
            pending = [pool.submit(_timed, calls[n % len(calls)]) for n in range(requests)]
            answers = [future.result() for future in pending]
        for answer, took in answers:
            assert (answer.status_code, answer.json()["type"]) == (503, UNAVAILABLE)
            assert "retry-after" in answer.headers
            assert took < CONNECT + ANSWER + 2, took
        log = server.output()
        assert log.count("database unavailable") == 1, log
        proxy.mode = Mode.forward
        _after_outage(url, server)


def test_a_database_refusing_connections_is_answered_503(database_url: str) -> None:
    _postgres_only(database_url)
    with database_proxy(database_url) as proxy, _served(proxy, database_url) as (url, server):
        api = httpx.Client(base_url=url, headers=bearer("admin"), timeout=30)
        assert api.get(ONE).status_code == 200
        proxy.refuse()  # its connections closed, new ones refused
        _during_outage(url, server)


def test_a_commit_whose_answer_is_lost_is_answered_outcome_unknown(
    database_url: str, settings: Settings
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite runs in the process: a COMMIT that fails has done nothing")
    with database_proxy(database_url) as proxy:
        app = create_app(settings.model_copy(update={"database_url": proxy.url(database_url)}))
        with TestClient(app, headers=bearer("admin")) as api:
            assert api.get(NOTES).status_code == 200
            proxy.mode = Mode.cut_after_commit
            answer = api.post(NOTES, json={"text": "Committed, its answer lost."})
            proxy.mode = Mode.forward
            assert proxy.commits_cut == 1
            assert answer.status_code == 503, answer.text
            assert answer.json()["type"] == UNKNOWN
            assert "may or may not" in answer.json()["detail"]
            assert "retry-after" in answer.headers
            # The change was in fact saved: the caller reads it back to know.
            notes = api.get(NOTES).json()["items"]
            assert [n["text"] for n in notes].count("Committed, its answer lost.") == 1


def test_a_commit_refused_before_it_was_sent_is_unavailable_not_unknown(
    database_url: str, settings: Settings
) -> None:
    """A connection lost before the COMMIT (here: at the request's first statement) is a
    known failure: nothing was saved."""
    _postgres_only(database_url)
    with database_proxy(database_url) as proxy:
        app = create_app(settings.model_copy(update={"database_url": proxy.url(database_url)}))
        with TestClient(app, headers=bearer("admin")) as api:
            assert api.get(NOTES).status_code == 200
            proxy.refuse()
            answer = api.post(NOTES, json={"text": "Never saved."})
            assert (answer.status_code, answer.json()["type"]) == (503, UNAVAILABLE)


def _on_every_connection(database: Database, statement: str) -> None:
    """`statement` run on every new connection of the app, the open ones closed."""

    @event.listens_for(database.reader, "connect")
    def _configure(dbapi_connection: Any, _record: object) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(statement)
        cursor.close()

    database.loop.close()
    database.reader.pool.dispose()


def fill_the_disk(database: Database) -> None:
    """SQLite: the file may not grow by one page. PostgreSQL: every new note fails as when
    the server cannot extend a file (the real server's disk is left alone)."""
    if database.reader.dialect.name == "sqlite":
        with database.reader.connect() as connection:
            pages = connection.execute(text("PRAGMA page_count")).scalar_one()
        _on_every_connection(database, f"PRAGMA max_page_count = {pages}")
        return
    with database.transaction() as session:
        session.execute(
            text(
                "CREATE FUNCTION disk_full() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                " RAISE EXCEPTION 'could not extend file: No space left on device'"
                " USING ERRCODE = 'disk_full'; END $$"
            )
        )
        session.execute(
            text(
                "CREATE TRIGGER disk_full BEFORE INSERT ON progress_note"
                " FOR EACH ROW EXECUTE FUNCTION disk_full()"
            )
        )


def test_a_full_disk_refuses_writes_with_503_and_makes_the_service_unready(
    client: TestClient, database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    saved = len(client.get(NOTES).json()["items"])
    fill_the_disk(database)
    answers = [client.post(NOTES, json={"text": f"Note {n} " + "x" * 2000}) for n in range(40)]
    refused = [answer for answer in answers if answer.status_code != 201]
    assert refused, "the disk never filled"
    for answer in refused:
        assert answer.status_code == 503, answer.text
        assert answer.json()["type"] == UNAVAILABLE
        assert "retry-after" in answer.headers
    # Nothing half-written: every note answered 201 is there, no refused one.
    saved += len(answers) - len(refused)
    assert len(client.get(NOTES).json()["items"]) == saved
    assert client.get(ONE).status_code == 200  # reads go on
    assert client.get("/healthz").status_code == 200
    unready = client.get("/readyz")
    assert unready.status_code == 503
    assert "cannot" in unready.json()["detail"]
    outages = [r for r in caplog.records if r.name == "app.core.outages"]
    assert len(outages) == 1, [r.getMessage() for r in outages]
    assert not any(r.exc_info for r in caplog.records)


def _make_room(database: Database) -> None:
    """The disk `fill_the_disk` filled has room again."""
    if database.reader.dialect.name == "sqlite":
        _on_every_connection(database, "PRAGMA max_page_count = 1073741823")
        return
    # Past the circuit, which refuses the service's own writes meanwhile.
    with database.reader.begin() as connection:
        connection.execute(text("DROP TRIGGER disk_full ON progress_note"))
        connection.execute(text("DROP FUNCTION disk_full()"))


def test_writes_succeed_again_once_the_disk_has_room(
    client: TestClient, database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    """While the outage is known, writes are refused at once but for a probe now and then:
    once the disk has room, a probe succeeds and writes go on."""
    fill_the_disk(database)
    for n in range(40):
        if client.post(NOTES, json={"text": f"Note {n} " + "x" * 2000}).status_code == 503:
            break
    else:
        pytest.fail("the disk never filled")
    refused = client.post(NOTES, json={"text": "Refused at once."})
    assert (refused.status_code, refused.json()["type"]) == (503, UNAVAILABLE)
    _make_room(database)
    deadline = time.monotonic() + 5
    while (answer := client.post(NOTES, json={"text": "Room again."})).status_code != 201:
        assert answer.status_code == 503, answer.text
        assert time.monotonic() < deadline, "writes were not tried again"
        time.sleep(0.2)
    assert client.post(NOTES, json={"text": "And again."}).status_code == 201
    texts = [note["text"] for note in client.get(NOTES).json()["items"]]
    assert "Refused at once." not in texts
    assert {"Room again.", "And again."} <= set(texts)
    ended = [r for r in caplog.records if "database available again" in r.getMessage()]
    assert len(ended) == 1


def test_an_unwritable_sqlite_database_refuses_writes_with_503(
    client: TestClient, database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    """SQLite's counterpart of a database that cannot be reached for writes: the file
    read-only (query_only stands in for permissions, which do not bind the superuser)."""
    if database.reader.dialect.name != "sqlite":
        pytest.skip("a read-only PostgreSQL is a standby: covered by the hung and down tests")
    saved = len(client.get(NOTES).json()["items"])
    _on_every_connection(database, "PRAGMA query_only = ON")
    for _ in range(5):
        answer = client.post(NOTES, json={"text": "Not saved."})
        assert (answer.status_code, answer.json()["type"]) == (503, UNAVAILABLE)
        assert "retry-after" in answer.headers
    assert len(client.get(NOTES).json()["items"]) == saved
    assert client.get("/readyz").status_code == 503
    assert client.get("/healthz").status_code == 200
    outages = [r for r in caplog.records if r.name == "app.core.outages"]
    assert len(outages) == 1, [r.getMessage() for r in outages]


def test_a_pool_with_no_connection_free_is_answered_503(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"pool_timeout_seconds": 0.5}))
    database: Database = app.state.database
    with TestClient(app, headers=bearer("admin")) as api:
        assert api.get(NOTES).status_code == 200
        held = []
        while database.reader.pool.checkedout() < database.reader.pool.size():  # type: ignore[attr-defined]
            held.append(database.reader.connect())
        started = time.monotonic()
        answer = api.post(NOTES, json={"text": "No connection for it."})
        assert time.monotonic() - started < 5
        assert (answer.status_code, answer.json()["type"]) == (503, UNAVAILABLE)
        assert "retry-after" in answer.headers
        for connection in held:
            connection.close()
        assert api.post(NOTES, json={"text": "Saved."}).status_code == 201
        texts = [note["text"] for note in api.get(NOTES).json()["items"]]
        assert "No connection for it." not in texts
