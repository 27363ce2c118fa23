"""A psycopg connection whose every wait on the server has a deadline (app.core.db)."""

from typing import TypeVar

import psycopg
from psycopg import errors
from psycopg.abc import PQGen

RV = TypeVar("RV")


class DatabaseTimeoutError(psycopg.OperationalError):
    """The server did not answer within the connection's deadline; the connection is closed."""


class BoundedConnection(psycopg.Connection[tuple[object, ...]]):
    """Waits at most `deadline` seconds for each exchange with the server (None: unbounded)."""

    deadline: float | None = None

    def wait(self, gen: PQGen[RV], interval: float = 0.1, timeout: float | None = None) -> RV:
        try:
            return super().wait(gen, interval, timeout if timeout is not None else self.deadline)
        except errors._WaitTimeout:
            # Mid-exchange, the connection's state is unknown: it is closed, never reused.
            self.pgconn.finish()
            raise DatabaseTimeoutError(
                f"the database did not answer within {self.deadline} s"
            ) from None
