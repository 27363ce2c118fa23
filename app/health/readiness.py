"""Whether this process can serve: the database answers, within the check's own deadline,
its schema is at the newest migration, and it can write."""

import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import anyio
import anyio.to_thread
from sqlalchemy import Connection, text
from sqlalchemy.exc import SQLAlchemyError

from app.core.db import Database
from app.core.errors import NotReadyError
from app.core.outages import OutageLog

# Room a SQLite database needs to take the next writes: free pages under its page limit, and
# free bytes on its file system.
SQLITE_FREE_PAGES = 16
SQLITE_FREE_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class Ready:
    dialect: str
    revision: str | None


class Readiness:
    """The readiness check. It runs on a thread of its own, one at a time: a check the
    database has not answered within `deadline` is answered 503 and left to end on its own
    (each exchange with the database has a deadline of its own, app.core.db), and until it
    ends every later check is answered 503 at once.

    The newest revision (`head`) and how to read a database's (`revision_of`) come from the
    app: they belong to the whole schema (app.database_schema), which stands above every
    package and is not imported by one."""

    def __init__(
        self,
        database: Database,
        *,
        head: str | None,
        revision_of: Callable[[Connection], str | None],
        outages: OutageLog,
        deadline: float,
    ) -> None:
        self._database, self._head, self._outages = database, head, outages
        self._revision_of = revision_of
        self._deadline = deadline
        self._running = threading.Lock()
        # Threads of their own: the requests' threads may all be waiting on the database.
        self._threads = anyio.CapacityLimiter(2)

    async def check(self) -> Ready:
        if self._outages.cannot_write:
            raise NotReadyError("The database cannot write (its disk is full, or it is read-only).")
        try:
            with anyio.fail_after(self._deadline):
                return await anyio.to_thread.run_sync(
                    self._probe, abandon_on_cancel=True, limiter=self._threads
                )
        except TimeoutError:
            raise NotReadyError(
                f"The database did not answer within {self._deadline:g} s."
            ) from None

    def _probe(self) -> Ready:
        if not self._running.acquire(blocking=False):
            raise NotReadyError("The database has not answered the previous check yet.")
        try:
            with self._database.reader.connect() as connection:
                current = self._revision_of(connection)
                if connection.dialect.name == "sqlite":
                    _sqlite_has_room(connection)
                _takes_writes(connection)
        except SQLAlchemyError as exc:
            raise NotReadyError("The database is unreachable.") from exc
        finally:
            self._running.release()
        if current != self._head:
            raise NotReadyError(
                f"The schema is at {current}, not {self._head}: run 'commitments db upgrade'."
            )
        return Ready(self._database.reader.dialect.name, current)


def _sqlite_has_room(connection: Connection) -> None:
    pages = connection.execute(text("PRAGMA page_count")).scalar_one()
    limit = connection.execute(text("PRAGMA max_page_count")).scalar_one()
    if limit - pages < SQLITE_FREE_PAGES:
        raise NotReadyError("The database file has reached its page limit: it cannot grow.")
    path = connection.engine.url.database
    if path and path != ":memory:":
        free = shutil.disk_usage(Path(path).resolve().parent).free
        if free < SQLITE_FREE_BYTES:
            raise NotReadyError(f"The database's disk has {free} bytes free: it cannot grow.")


_POSTGRESQL_READ_ONLY = text(
    "SELECT pg_is_in_recovery() OR current_setting('transaction_read_only') = 'on'"
)


def _takes_writes(connection: Connection) -> None:
    """A database set read-only (SQLite's query_only; a PostgreSQL standby, or one whose
    transactions are read-only by default) refuses every write: not ready, before one fails."""
    if connection.dialect.name == "sqlite":
        read_only = bool(connection.execute(text("PRAGMA query_only")).scalar_one())
    else:
        read_only = bool(connection.execute(_POSTGRESQL_READ_ONLY).scalar_one())
    if read_only:
        raise NotReadyError("The database is read-only: it cannot take writes.")
