"""Database outages: which failures are one (the database down, unreachable, hung, out of
space or read-only, the pool exhausted) as opposed to a fault of the request or of the code,
their log: one line when an outage begins, a count while it lasts, one when it ends, and the
circuit that answers at once while an outage is known, one probe at a time excepted."""

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

logger = logging.getLogger(__name__)

# Seconds a caller is asked to wait before sending the request again.
RETRY_AFTER_SECONDS = 5
# While an outage lasts, how often the count of requests it failed is logged.
REPORT_EVERY_SECONDS = 60.0
# How long a write refused for want of space (or a read-only database) keeps the service
# unready after the last one: nothing else tells whether the next write would pass.
CANNOT_WRITE_SECONDS = 30.0
# While an outage is known, how often one request (a probe) may try the database; the others
# are answered 503 at once rather than each wait out a connection's deadline.
PROBE_EVERY_SECONDS = 1.0

# PostgreSQL's classes and codes of a server that cannot serve: connection exceptions,
# insufficient resources (a full disk, too many connections), a shutdown or crash, a
# statement cancelled by its timeout, an I/O error, a read-only (standby) server.
_SERVER_CLASSES = ("08", "53", "57P", "58")
_SERVER_STATES = frozenset({"57014", "25006"})
_CANNOT_WRITE_STATES = frozenset({"53100", "25006"})
# SQLite's primary result codes of the same: no memory, read-only, I/O error, full, cannot
# open the file.
_SQLITE_CODES = frozenset({7, 8, 10, 13, 14})
_SQLITE_CANNOT_WRITE = frozenset({8, 13})


@dataclass(frozen=True)
class Outage:
    """What a failure says about the database: `cause` for the log, whether it could write,
    whether it opens the circuit (a pool with no connection free is a load, not a database
    out: the next request may well find one)."""

    cause: str
    cannot_write: bool = False
    opens_circuit: bool = True


class CircuitOpenError(SQLAlchemyError):
    """The request was not let try the database: an outage is known and another request is
    probing it."""


def outage_of(error: BaseException) -> Outage | None:
    """The outage `error` reveals; None when it is a fault of the request or of the code."""
    if isinstance(error, PoolTimeoutError):
        return Outage("no database connection free in time", opens_circuit=False)
    if isinstance(error, CircuitOpenError):
        return Outage("the outage is known", opens_circuit=False)
    if not isinstance(error, DBAPIError):
        return None
    original = error.orig
    first_line = next(iter(str(original).strip().splitlines()), "")
    cause = f"{type(original).__name__}: {first_line}"
    if isinstance(original, sqlite3.Error):
        primary = (getattr(original, "sqlite_errorcode", None) or 0) & 0xFF
        if primary in _SQLITE_CODES:
            return Outage(cause, cannot_write=primary in _SQLITE_CANNOT_WRITE)
        return None
    state = getattr(original, "sqlstate", None)
    # Without a state, an operational error is the driver's own: refused, timed out, lost.
    if error.connection_invalidated or (state is None and isinstance(error, OperationalError)):
        return Outage(cause)
    if state is not None and (state in _SERVER_STATES or state.startswith(_SERVER_CLASSES)):
        return Outage(cause, cannot_write=state in _CANNOT_WRITE_STATES)
    return None


def commit_outcome_lost(error: BaseException) -> bool:
    """Whether a COMMIT that failed with `error` may have been applied: the connection to a
    server was lost, or went silent, once the COMMIT may have reached it. (SQLite, in the
    process, knows: a COMMIT that failed did nothing.)"""
    if not isinstance(error, DBAPIError):
        return False
    if isinstance(error.orig, sqlite3.Error):
        return False
    state = getattr(error.orig, "sqlstate", None)
    return error.connection_invalidated or (state is None and isinstance(error, OperationalError))


class OutageLog:
    """Failures of one process counted per outage. The first is logged with its cause; while
    the outage lasts they are counted, and the count logged every REPORT_EVERY_SECONDS; the
    first success after them logs the end and the total.

    It is also the circuit: while an outage is known, requests of the kind it fails (reads
    and writes, or writes alone when the database cannot write) are refused before they take
    a connection, but one at a time, at most every PROBE_EVERY_SECONDS, which tries the
    database; its success ends the outage."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._began: float | None = None
        self._reported = 0.0
        self._failed = 0
        self._cannot_write_at: float | None = None
        self._reads_refused = False
        self._writes_refused = False
        self._probing = False
        self._probed_at = 0.0

    def admit(self, *, write: bool) -> bool:
        """Whether a request may try the database: raises CircuitOpenError when it may not;
        True when it is the probe, which calls `probed` once it is done."""
        if not (self._writes_refused if write else self._reads_refused):
            return False  # the common case, read without the lock
        with self._lock:
            if not (self._writes_refused if write else self._reads_refused):
                return False
            now = self._clock()
            if self._probing or now - self._probed_at < PROBE_EVERY_SECONDS:
                raise CircuitOpenError("the database is unavailable: an outage is known")
            self._probing, self._probed_at = True, now
            return True

    @property
    def refuses_reads(self) -> bool:
        """Reads are refused but for a probe (the outage is not of writes alone)."""
        return self._reads_refused

    def probed(self) -> None:
        with self._lock:
            self._probing = False

    def failed(self, outage: Outage) -> None:
        with self._lock:
            now = self._clock()
            if outage.cannot_write:
                self._cannot_write_at = now
            if outage.opens_circuit:
                self._writes_refused = True
                self._reads_refused |= not outage.cannot_write
                if not self._probing:
                    # The next probe a full interval from the failure just seen.
                    self._probed_at = now
            if self._began is None:
                self._began, self._reported, self._failed = now, now, 1
                logger.error(
                    "database unavailable (%s): requests are answered 503 until it recovers",
                    outage.cause,
                )
                return
            self._failed += 1
            if now - self._reported >= REPORT_EVERY_SECONDS:
                self._reported = now
                logger.error(
                    "database still unavailable after %.0f s: %d requests answered 503",
                    now - self._began,
                    self._failed,
                )

    def recovered(self, *, wrote: bool) -> None:
        """A request reached the database and ended well (`wrote`: a write). An outage of
        writes alone (a full disk, a read-only database) ends with a write."""
        if self._began is None:  # the common case, read without the lock
            return
        with self._lock:
            self._reads_refused = False
            if self._began is None or (self._cannot_write_at is not None and not wrote):
                return
            logger.warning(
                "database available again after %.0f s: %d requests answered 503",
                self._clock() - self._began,
                self._failed,
            )
            self._began, self._failed, self._cannot_write_at = None, 0, None
            self._writes_refused = False

    @property
    def cannot_write(self) -> bool:
        """Writes failed for want of space or of write access, lately and since no success."""
        at = self._cannot_write_at
        return at is not None and self._clock() - at < CANNOT_WRITE_SECONDS
