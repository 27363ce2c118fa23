"""The request's session: one transaction per request (FastAPI-specific, kept apart from
app.core.db so commands that only need the database start without FastAPI)."""

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from app.core.db import Database

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

AfterTransaction = Callable[[Database], None]


def after_transaction(request: Request, work: AfterTransaction) -> None:
    """Run `work` once the request's transaction has committed, in a transaction of its own
    (a safe request's transaction cannot write on SQLite)."""
    pending: list[AfterTransaction] | None = getattr(request.state, "after_transaction", None)
    if pending is None:
        pending = request.state.after_transaction = []
    pending.append(work)


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request, authentication included: committed when the endpoint
    returns, rolled back on error.

    Endpoints render their response themselves (see app.core.responses), so nothing waits for
    a thread-pool slot while this session holds a connection.
    """
    database: Database = request.app.state.database
    with database.transaction(write=request.method not in SAFE_METHODS) as session:
        yield session
    for work in getattr(request.state, "after_transaction", ()):
        work(database)


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
