"""The token check of an answer from memory (app.core.answers), straight through the driver.

An answer from memory costs the check of its caller's token and nothing else the database
does, so that check must cost what the statement costs. The statement is the one the full
path runs (service.TOKEN_STATEMENT), compiled once for the dialect; its row is read by the
same rule (service.authenticated), its dates converted by the columns' own types. It runs
on a connection of its own, outside any transaction (one statement sees one snapshot by
itself), from the event loop's thread: the statement takes microseconds, a hop to the
thread pool and back costs more than it. A failing connection is dropped and the request
answered in full; the next check opens a new one.
"""

import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import PoolProxiedConnection

from app.core.errors import UnauthorizedError
from app.users import service
from app.users.enums import TokenScope

# The gate's statement runs on the event loop's thread: it must never wait long on a lock.
_SQLITE_BUSY_MS = 200
_POSTGRES_TIMEOUT_MS = 2000

Processor = Callable[[Any], Any] | None


class _UnavailableError(Exception):
    """The gate's connection cannot answer now: the full path will."""


class TokenGate:
    """Who an API token stands for, for an answer from memory; None whenever the full path
    must answer: the token refused (its 401 and the failure limit are there), its use due
    to be recorded, or the database failing."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        dialect = engine.dialect
        compiled = service.TOKEN_STATEMENT.compile(dialect=dialect)
        self._sql = str(compiled)
        self._fixed: Mapping[str, Any] = compiled.construct_params({"digest": ""})
        self._order = compiled.positiontup if dialect.positional else None
        self._processors: list[Processor] = [
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in service.TOKEN_STATEMENT.selected_columns
        ]
        self._connection: PoolProxiedConnection | None = None
        self._lock = threading.Lock()
        # How many statements the gate ran: they pass beside the engine's events.
        self.statements = 0

    def caller(self, token: str) -> service.Authenticated | None:
        try:
            digest = service.digest_of_presented(token)
            row = self._row(digest)
            caller = service.authenticated(row, digest=digest, scope=TokenScope.api)
        except (UnauthorizedError, _UnavailableError):
            return None
        return None if caller.stale else caller

    def close(self) -> None:
        with self._lock:
            self._drop()

    def _row(self, digest: str) -> Sequence[Any] | None:
        parameters = {**self._fixed, "digest": digest}
        bound = parameters if self._order is None else [parameters[n] for n in self._order]
        with self._lock:
            try:
                cursor = self._open().cursor()
                self.statements += 1
                try:
                    cursor.execute(self._sql, bound)
                    found = cursor.fetchone()
                finally:
                    cursor.close()
            except self._engine.dialect.loaded_dbapi.Error:
                self._drop()
                raise _UnavailableError from None
        if found is None:
            return None
        pairs = zip(found, self._processors, strict=True)
        return [value if convert is None else convert(value) for value, convert in pairs]

    def _open(self) -> DBAPIConnection:
        if self._connection is None:
            try:
                connection = self._engine.raw_connection()
            except DBAPIError:
                raise _UnavailableError from None
            _outside_transactions(connection.driver_connection, self._engine.dialect.name)
            self._connection = connection
        return self._connection.driver_connection  # type: ignore[return-value]

    def _drop(self) -> None:
        if self._connection is not None:
            # Never back to the pool: it was set apart (autocommit, short timeouts).
            self._connection.invalidate()
            self._connection = None


def _outside_transactions(connection: Any, dialect: str) -> None:
    if dialect == "sqlite":
        connection.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_MS}")
    else:
        connection.autocommit = True
        connection.execute(f"SET statement_timeout = {_POSTGRES_TIMEOUT_MS}")
