"""The request's session: one transaction per request (FastAPI-specific, kept apart from
app.core.db so commands that only need the database start without FastAPI)."""

from collections.abc import AsyncIterator, Callable, Generator, Iterable
from contextlib import AbstractContextManager
from typing import Annotated

import anyio
from fastapi import Depends, Request
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.core.db import Database
from app.core.responses import in_chunks

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

AfterTransaction = Callable[[Database], None]


def after_transaction(request: Request, work: AfterTransaction) -> None:
    """Run `work` once the request's transaction has committed, in a transaction of its own
    (a safe request's transaction cannot write on SQLite)."""
    pending: list[AfterTransaction] | None = getattr(request.state, "after_transaction", None)
    if pending is None:
        pending = request.state.after_transaction = []
    pending.append(work)


def _finish(
    transaction: AbstractContextManager[Session], request: Request, error: BaseException | None
) -> None:
    """End the request's transaction (Database.transaction: commit, or roll back on `error`,
    then close), then run the work queued for after it: one thread-pool hop for all of it."""
    if error is not None:
        transaction.__exit__(type(error), error, error.__traceback__)
        return
    transaction.__exit__(None, None, None)
    for work in getattr(request.state, "after_transaction", ()):
        work(request.app.state.database)


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One transaction per request, authentication included: committed when the endpoint
    returns, rolled back on error.

    A session takes its connection at its first statement, so entering the transaction costs
    no trip to the thread pool; it is ended in one. Requests holding a session are bounded by
    the thread pool's size (the gate), and the connection pool is larger than that: a request
    can always get a connection, and one holding a connection always gets a thread to finish
    with.
    """
    database: Database = request.app.state.database
    async with request.app.state.request_gate:
        transaction = database.transaction(write=request.method not in SAFE_METHODS)
        session = transaction.__enter__()
        try:
            yield session
        except BaseException as error:
            await run_in_threadpool(_finish, transaction, request, error)
            raise
        await run_in_threadpool(_finish, transaction, request, None)


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def streamed(
    request: Request, produce: Callable[[Session], Iterable[bytes]]
) -> AsyncIterator[bytes]:
    """A response body produced, after the request's own transaction has ended, in a read
    transaction of its own that sees one snapshot of the register (every statement of the
    body agrees with the others), read as it is sent. It holds a place at the gate (a thread
    and a connection) while it streams, and ends its transaction when the client goes away."""
    database: Database = request.app.state.database
    gate: anyio.CapacityLimiter = request.app.state.request_gate

    def chunks() -> Generator[bytes]:
        with database.transaction(write=False) as session:
            session.connection(execution_options=database.snapshot)
            yield from in_chunks(produce(session))

    async def body() -> AsyncIterator[bytes]:
        async with gate:
            pending = chunks()
            try:
                while (chunk := await run_in_threadpool(next, pending, None)) is not None:
                    yield chunk
            finally:
                with anyio.CancelScope(shield=True):
                    await run_in_threadpool(pending.close)

    return body()
