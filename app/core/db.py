"""Engine, session and metadata conventions shared by every domain package."""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import (
    ARRAY,
    JSON,
    Column,
    ColumnElement,
    Connection,
    DateTime,
    Engine,
    Integer,
    Select,
    String,
    TypeDecorator,
    any_,
    bindparam,
    create_engine,
    event,
    text,
)
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import Session

from app.core.changes import track_changes
from app.core.config import Settings
from app.core.outages import OutageLog

SQLITE_BUSY_TIMEOUT_MS = 30_000
_SQLITE_AUTOCOMMIT = "sqlite_autocommit"
# Reads on the event loop's own thread hold every request of the worker while they run: they
# give up rather than wait long for a lock.
LOOP_SQLITE_BUSY_MS = 200
LOOP_POSTGRES_TIMEOUT_MS = 200
# The server cancels a loop statement first; the loop stops waiting on a silent one after
# this: the longest a database that stopped answering holds the loop, once per outage.
LOOP_DEADLINE_SECONDS = 0.3
# After the loop's connection timed out or could not be opened, new ones are opened on a
# thread of their own, no more often than this, while the full path answers requests.
LOOP_REOPEN_SECONDS = 1.0
# A failed use that held the loop this long is taken for a database that does not answer.
LOOP_HELD_SECONDS = 0.25
# TCP keepalives: a peer gone silent (a cable cut, a host down) is noticed within about a
# minute of idling, and unacknowledged data gives up after the exchange's own deadline.
KEEPALIVE_IDLE_SECONDS = 30
KEEPALIVE_INTERVAL_SECONDS = 10
KEEPALIVE_COUNT = 3
T = TypeVar("T")
CONNECTION_RECYCLE_SECONDS = 1800


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on every backend (SQLite stores no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass a timezone-aware value")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _configure_sqlite(engine: Engine) -> None:
    # SQLite lets one writer in at a time and makes the others poll for the lock, unfairly: under
    # many concurrent writers one can starve past the busy timeout. Writers of this process
    # queue on a lock instead, taken as their write transaction begins (on the endpoint's own
    # thread, its connection already checked out) and released when it commits or rolls back.
    writers = threading.Lock()

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, open transactions so BEGIN IMMEDIATE can be chosen.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        options = connection.get_execution_options()
        if options.get(_SQLITE_AUTOCOMMIT, False):
            return
        # A writer takes the lock up front: upgrading a read transaction later fails with
        # SQLITE_BUSY instead of waiting, whatever the busy timeout.
        if not options.get("sqlite_begin_immediate", False):
            connection.exec_driver_sql("BEGIN")
            return
        writers.acquire()
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            writers.release()
            raise
        connection.info["holds_writer_lock"] = True

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _on_end(connection: Any) -> None:
        if connection.info.pop("holds_writer_lock", False):
            writers.release()


def _postgres_connect_args(settings: Settings) -> dict[str, Any]:
    deadline_ms = int(settings.database_timeout_seconds * 1000)
    arguments: dict[str, Any] = {
        "connect_timeout": settings.database_connect_timeout_seconds,
        "keepalives": 1,
        "keepalives_idle": KEEPALIVE_IDLE_SECONDS,
        "keepalives_interval": KEEPALIVE_INTERVAL_SECONDS,
        "keepalives_count": KEEPALIVE_COUNT,
        "tcp_user_timeout": deadline_ms,
    }
    # The server gives up on a statement when the client does, rather than run on for a
    # connection already dropped; options given in the URL are left as they are.
    if "options" not in make_url(settings.database_url).query:
        arguments["options"] = f"-c statement_timeout={deadline_ms}"
    return arguments


def _bound_postgres_waits(engine: Engine, seconds: float) -> None:
    """Every exchange of the engine's connections with the server waits `seconds` at most.

    A hung server (stopped, or behind a network that drops packets without a reset) answers
    nothing while its host's kernel still acknowledges every packet and keepalive: only a
    deadline of the client's own ends the wait. A connection that timed out is closed (what
    the server did with the statement is unknown) and SQLAlchemy drops it as disconnected.
    """
    from app.core.pg import BoundedConnection

    @event.listens_for(engine, "do_connect")
    def _connect(_dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
        connection = BoundedConnection.connect(*cargs, **cparams)
        connection.deadline = seconds
        return connection


class Database:
    """The engines of one database: `reader` for safe requests, `writer` for the others.

    Whoever opens one imports every table first (app.models; the app and the CLI do):
    foreign keys between packages resolve only once every table module is imported."""

    def __init__(self, settings: Settings) -> None:
        self.url = settings.database_url
        # Every request thread can hold a connection, plus room for CLI and health checks.
        pool_size = settings.worker_threads + 4
        # No ping before each checkout: a dropped connection is found by the request's first
        # statement and that statement retried (app.users.auth); old ones are replaced.
        options: dict[str, Any] = {
            "pool_recycle": CONNECTION_RECYCLE_SECONDS,
            "pool_timeout": settings.pool_timeout_seconds,
        }
        if settings.is_sqlite:
            options["connect_args"] = {
                "check_same_thread": False,
                "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
            }
            if ":memory:" not in self.url:
                options |= {"pool_size": pool_size, "max_overflow": 0}
        else:
            options |= {
                "pool_size": pool_size,
                "max_overflow": 0,
                "connect_args": _postgres_connect_args(settings),
            }
        self.reader = create_engine(self.url, **options)
        if settings.is_sqlite:
            _configure_sqlite(self.reader)
        elif self.reader.dialect.driver == "psycopg":
            _bound_postgres_waits(self.reader, settings.database_timeout_seconds)
        track_changes(self.reader)
        self.writer = self.reader.execution_options(sqlite_begin_immediate=True)
        # The outages of this process's database, and the circuit every transaction and the
        # loop's connection pass.
        self.outages = OutageLog()
        self.loop = LoopConnection(self.reader, self.outages)
        # The options under which one read transaction sees one snapshot throughout: a SQLite
        # read transaction does from its first read; PostgreSQL's default (read committed)
        # takes a new one for every statement.
        self.snapshot: dict[str, Any] = (
            {} if settings.is_sqlite else {"isolation_level": "REPEATABLE READ"}
        )

    def session(self, *, write: bool = True) -> Session:
        return Session(self.writer if write else self.reader, expire_on_commit=False)

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Session]:
        """A session whose work is committed when the block ends and rolled back on error.

        Read-only blocks commit too, rather than end by the rollback of closing: psycopg drops
        a connection's prepared statements on every rollback.

        While an outage is known, the block is refused (CircuitOpenError) before it takes a
        connection, unless it is the one probing the database (app.core.outages).
        """
        probe = self.outages.admit(write=write)
        try:
            with self.session(write=write) as session:
                try:
                    yield session
                    session.commit()
                except BaseException:
                    session.rollback()
                    raise
        finally:
            if probe:
                self.outages.probed()

    def dispose(self) -> None:
        self.loop.close()
        self.reader.dispose()


class LoopUnavailableError(Exception):
    """The loop has no connection now: one is being opened on a thread of its own."""


class LoopConnection:
    """A connection set apart for reads of one statement run on the event loop's own thread,
    where a hop to a worker thread and back would cost more than the statement: outside any
    transaction (a single statement sees one snapshot by itself), with short lock and
    statement timeouts, and on PostgreSQL a short deadline of the client's own. One caller at
    a time; a connection that failed is dropped, and the next use opens a new one.

    The loop must not wait on a database that does not answer: once a use timed out or an
    opening failed, new connections are opened on a thread of their own, and until one is
    open every use fails at once (its callers then answer by the full path). So does every
    use while the circuit refuses reads (app.core.outages): the full path probes."""

    def __init__(self, engine: Engine, outages: OutageLog) -> None:
        options = (
            {_SQLITE_AUTOCOMMIT: True}
            if engine.dialect.name == "sqlite"
            else {"isolation_level": "AUTOCOMMIT"}
        )
        self._engine = engine.execution_options(**options)
        # How the database fails, through SQLAlchemy or straight through the driver.
        self.failures: tuple[type[Exception], ...] = (
            DBAPIError,
            PoolTimeoutError,
            LoopUnavailableError,
            engine.dialect.loaded_dbapi.Error,
        )
        self._outages = outages
        self._connection: Connection | None = None
        self._lock = threading.Lock()
        self._aside = False  # connections are opened on a thread of their own
        self._opener: threading.Thread | None = None
        self._opened_aside_at = 0.0

    @contextmanager
    def use(self) -> Iterator[Connection]:
        if self._outages.refuses_reads:
            raise LoopUnavailableError("an outage of the database is known")
        with self._lock:
            connection = self._connection or self._open_here()
            started = time.monotonic()
            try:
                yield connection
            except self.failures:
                self._drop()
                if time.monotonic() - started >= LOOP_HELD_SECONDS:
                    self._aside = True
                raise
            finally:
                if self._connection is not None:
                    # Ends what SQLAlchemy began; the driver has no transaction open.
                    connection.rollback()

    def close(self) -> None:
        with self._lock:
            self._drop()

    def _open_here(self) -> Connection:
        if self._aside:
            self._open_aside()
            raise LoopUnavailableError("the event loop's connection is being opened")
        try:
            self._connection = self._connect()
        except BaseException:
            self._aside = True
            raise
        return self._connection

    def _open_aside(self) -> None:
        busy = self._opener is not None and self._opener.is_alive()
        if busy or time.monotonic() - self._opened_aside_at < LOOP_REOPEN_SECONDS:
            return
        self._opened_aside_at = time.monotonic()
        self._opener = threading.Thread(target=self._opened, name="loop-connection", daemon=True)
        self._opener.start()

    def _opened(self) -> None:
        try:
            connection = self._connect()
        except Exception:
            return
        with self._lock:
            if self._connection is None:
                self._connection, self._aside = connection, False
                return
        connection.invalidate()
        connection.close()

    def _connect(self) -> Connection:
        connection = self._engine.connect()
        driver = connection.connection.driver_connection
        try:
            if self._engine.dialect.name == "sqlite":
                driver.execute(f"PRAGMA busy_timeout={LOOP_SQLITE_BUSY_MS}")  # type: ignore[union-attr]
            else:
                driver.execute(f"SET statement_timeout = {LOOP_POSTGRES_TIMEOUT_MS}")  # type: ignore[union-attr]
                driver.deadline = LOOP_DEADLINE_SECONDS  # type: ignore[union-attr]
        except BaseException:
            connection.invalidate()
            connection.close()
            raise
        return connection

    def _drop(self) -> None:
        if self._connection is not None:
            # Never back to the pool: its settings are this use's alone.
            if not self._connection.closed:
                self._connection.invalidate()
            self._connection.close()
            self._connection = None


def names_column() -> Column[Any]:
    """A list of names or words (aliases, keywords), empty unless given: JSON on every
    backend."""
    return Column(JSON, nullable=False, server_default=text("'[]'"))


AnySelect = Select[*tuple[Any, ...]]
"""A select of any columns (SQLAlchemy types a select by its columns)."""

IdsMatch = Callable[[ColumnElement[int] | Mapped[int]], ColumnElement[bool]]


class BuiltStatements(Generic[T]):
    """Statements kept by what they were built from, the least recently used dropped past
    `size`. A statement executed again as the same object skips building it, computing its
    cache key and adapting the cached compiled form's result columns to a new object, which
    together cost more than running a page's statement on SQLite."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._kept: OrderedDict[Hashable, T] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], T]) -> T:
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None:
                self._kept.move_to_end(key)
                return kept
        built = build()
        with self._lock:
            self._kept[key] = built
            while len(self._kept) > self._size:
                self._kept.popitem(last=False)
        return built


class json_rows(FunctionElement[str]):  # noqa: N801 - SQL functions are lower case
    """Aggregate: the group's rows, each an array of the given columns, as the text of one
    JSON array (in no set order). A group then comes back as one row, which the driver
    steps once: fewer rows, each read in C, cost less than many small ones."""

    type = String()
    inherit_cache = True
    name = "json_rows"


@compiles(json_rows, "sqlite")
def _json_rows_on_sqlite(element: json_rows, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_group_array(json_array({compiler.process(element.clauses, **kw)}))"


@compiles(json_rows, "postgresql")
def _json_rows_on_postgresql(element: json_rows, compiler: SQLCompiler, **kw: Any) -> str:
    # As text: the driver would otherwise parse it with the standard library's json.
    return f"CAST(json_agg(json_build_array({compiler.process(element.clauses, **kw)})) AS TEXT)"


def per_dialect(build: Callable[[IdsMatch], Any]) -> Mapping[str, Any]:
    """A statement over a list of ids bound as `ids`, built once per dialect. PostgreSQL takes
    the ids as one array, so the statement's text is the same however many there are, and the
    server parses and plans it once per connection; SQLite takes an expanding IN."""
    return {
        "postgresql": build(lambda column: column == any_(bindparam("ids", type_=ARRAY(Integer)))),
        "sqlite": build(lambda column: column.in_(bindparam("ids", expanding=True))),
    }
