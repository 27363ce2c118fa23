"""The register's change counter: one number, raised in the same transaction as every write,
so that any process can tell with one cheap read whether what it rendered earlier still
stands (see app.core.cache).

Every transaction of the app's engines that wrote a row raises it once, as it commits: the
statements are watched on the connection, and the counter is raised as the last statement of
the transaction. Raised last, its row lock is held only for the commit, so writers on
PostgreSQL never wait on one another for it in the middle of their work and cannot deadlock
on it. Statements that change nothing a reader is shown (a token's last use) opt out with
the execution option UNCHANGED.
"""

from typing import Any

from sqlalchemy import CheckConstraint, Column, Engine, Integer, ScalarSelect, event, select
from sqlmodel import Field, Session, col

from app.core.metadata import SQLModel

UNCHANGED = "register_unchanged"
"""Execution option: this statement changes nothing a reader of the register is shown."""

_WROTE = "register_wrote"
_RAISE = "UPDATE register_state SET changes = changes + 1 WHERE id = 1"
_WRITES = ("INSERT", "UPDATE", "DELETE")


class RegisterState(SQLModel, table=True):
    """The one row holding the change counter."""

    __tablename__ = "register_state"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: int = Field(default=1, primary_key=True)
    changes: int = Field(sa_column=Column(Integer, nullable=False, server_default="0"))


def unseen(session: Session) -> Session:
    """Mark what the session writes until its transaction ends as changing nothing a reader
    of the register is shown (the worker's own records): call before its first statement."""
    session.connection(execution_options={UNCHANGED: True})
    return session


def changes_now() -> ScalarSelect[int]:
    """The counter as a column, to ride along with another statement."""
    return select(col(RegisterState.changes)).where(col(RegisterState.id) == 1).scalar_subquery()


def changes_in(session: Session) -> int:
    """The counter as this session's snapshot sees it."""
    changes = session.scalar(select(col(RegisterState.changes)).where(col(RegisterState.id) == 1))
    return int(changes or 0)


def _is_write(statement: str, context: Any) -> bool:
    if context is not None and (context.isinsert or context.isupdate or context.isdelete):
        return True
    return statement.lstrip()[:6].upper() in _WRITES


def track_changes(engine: Engine) -> None:
    """Raise the counter as every transaction on `engine` that wrote commits."""

    @event.listens_for(engine, "before_cursor_execute")
    def _watch(
        connection: Any,
        _cursor: Any,
        statement: str,
        _parameters: Any,
        context: Any,
        _executemany: bool,
    ) -> None:
        if connection.info.get(_WROTE) or not _is_write(statement, context):
            return
        # A statement's options include its connection's.
        options = context.execution_options if context is not None else {}
        if not options.get(UNCHANGED, False):
            connection.info[_WROTE] = True

    @event.listens_for(engine, "commit")
    def _raise(connection: Any) -> None:
        if connection.info.pop(_WROTE, False):
            # Straight through the driver: a statement sent through the connection here would
            # be watched (and, on SQLite, would begin a transaction of its own).
            cursor = connection.connection.dbapi_connection.cursor()
            try:
                cursor.execute(_RAISE)
            finally:
                cursor.close()

    @event.listens_for(engine, "rollback")
    def _forget(connection: Any) -> None:
        # An invalidated connection's info is cleared with it (and cannot be read).
        if not connection.invalidated:
            connection.info.pop(_WROTE, None)
