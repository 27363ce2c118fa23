"""The token check of a read answered before routing (app.core.answers), straight through
the driver.

An answer from memory costs the check of its caller's token and nothing else the database
does, so that check must cost what the statement costs. The statement is the one the full
path runs (service.TOKEN_STATEMENT), compiled once for the dialect; its row is read by the
same rule (service.authenticated), its dates converted by the columns' own types. It runs
straight through the driver on the connection set apart for the event loop's thread
(app.core.db.LoopConnection: outside any transaction, short timeouts): the statement takes
microseconds, a hop to the thread pool and back costs more than it. A failing connection is
dropped and the request answered in full; the next check opens a new one.
"""

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from app.core.db import Database
from app.core.errors import UnauthorizedError
from app.users import service
from app.users.enums import TokenScope

Processor = Callable[[Any], Any] | None


class _UnavailableError(Exception):
    """The gate's connection cannot answer now: the full path will."""


class TokenGate:
    """Who an API token stands for, for a read answered before routing; None whenever the route
    must answer: the token refused (its 401 and the failure limit are there), its use due
    to be recorded, or the database failing."""

    def __init__(self, database: Database) -> None:
        self._loop = database.loop
        dialect = database.reader.dialect
        compiled = service.TOKEN_STATEMENT.compile(dialect=dialect)
        self._sql = str(compiled)
        self._fixed: Mapping[str, Any] = compiled.construct_params({"digest": ""})
        self._order = compiled.positiontup if dialect.positional else None
        self._processors: list[Processor] = [
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in service.TOKEN_STATEMENT.selected_columns
        ]
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

    def _row(self, digest: str) -> Sequence[Any] | None:
        parameters = {**self._fixed, "digest": digest}
        bound = parameters if self._order is None else [parameters[n] for n in self._order]
        try:
            with self._loop.use() as connection:
                cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
                self.statements += 1
                try:
                    cursor.execute(self._sql, bound)
                    found = cursor.fetchone()
                finally:
                    cursor.close()
        except self._loop.failures:
            raise _UnavailableError from None
        if found is None:
            return None
        pairs = zip(found, self._processors, strict=True)
        return [value if convert is None else convert(value) for value, convert in pairs]
