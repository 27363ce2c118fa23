"""The request's session: one transaction per request (FastAPI-specific, kept apart from
app.core.db so commands that only need the database start without FastAPI)."""

import logging
from collections.abc import AsyncIterator, Callable, Generator, Iterable, Mapping
from contextlib import AbstractContextManager
from tempfile import SpooledTemporaryFile
from typing import Annotated

import anyio
from fastapi import Depends, Request
from fastapi.responses import Response, StreamingResponse
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.types import Receive, Scope, Send

from app.core.cache import AnswerKey, BodyTags, answer_key
from app.core.changes import changes_in
from app.core.db import Database
from app.core.errors import OutcomeUnknownError
from app.core.etags import body_hasher, matches_if_none_match, tag_of
from app.core.outages import OutageLog, commit_outcome_lost, outage_of
from app.core.responses import CHUNK_BYTES, in_chunks

logger = logging.getLogger(__name__)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

AfterTransaction = Callable[[Database], None]
_OUTCOME_UNKNOWN = (
    "The connection to the database was lost while the change was being committed: it may "
    "or may not have been saved. Read it back, or send the request again with the same "
    "Idempotency-Key."
)
_RETRY_LATER = {"Retry-After": "1"}


def after_transaction(request: Request, work: AfterTransaction) -> None:
    """Run `work` once the request's transaction has committed, in a transaction of its own
    (a safe request's transaction cannot write on SQLite)."""
    pending: list[AfterTransaction] | None = getattr(request.state, "after_transaction", None)
    if pending is None:
        pending = request.state.after_transaction = []
    pending.append(work)


def _finish(
    transaction: AbstractContextManager[Session],
    session: Session,
    request: Request,
    error: BaseException | None,
) -> None:
    """End the request's transaction (Database.transaction: commit, or roll back on `error`,
    then close), then run the work queued for after it: one thread-pool hop for all of it."""
    if error is not None:
        transaction.__exit__(type(error), error, error.__traceback__)
        return
    try:
        # The request's statements first, so that what fails from here on is the COMMIT.
        session.flush()
    except BaseException as failed:
        transaction.__exit__(type(failed), failed, failed.__traceback__)
        raise
    write = request.method not in SAFE_METHODS
    try:
        transaction.__exit__(None, None, None)
    except Exception as failed:
        if write and commit_outcome_lost(failed):
            logger.warning(
                "outcome of %s %s unknown: the connection was lost during its COMMIT",
                request.method,
                request.url.path,
            )
            raise OutcomeUnknownError(_OUTCOME_UNKNOWN, headers=_RETRY_LATER) from failed
        raise
    outages: OutageLog | None = getattr(request.app.state, "outages", None)
    if outages is not None:
        outages.recovered(wrote=write)
    for work in getattr(request.state, "after_transaction", ()):
        try:
            work(request.app.state.database)
        except Exception as failed:
            # The request's own work is committed: its answer stands.
            outage = outage_of(failed)
            if outage is None or outages is None:
                raise
            outages.failed(outage)


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
            await run_in_threadpool(_finish, transaction, session, request, error)
            raise
        await run_in_threadpool(_finish, transaction, session, request, None)


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


Produce = Callable[[Session], Iterable[bytes]]

# A body produced whole to learn its tag stays in memory up to this size, on disk beyond it.
SPOOLED_IN_MEMORY = 8 * 1024 * 1024


def tagged_stream(
    request: Request,
    produce: Produce,
    *,
    audience: str,
    if_none_match: str | None,
    headers: Mapping[str, str],
    media_type: str = "application/json",
) -> Response:
    """A body too large to keep, streamed as `streamed` does, with an entity tag that is the
    hash of its very bytes (app.core.cache.BodyTags): a write the caller cannot see leaves
    it as it was. While the tag of this key is known, If-None-Match is answered without
    reading the register."""
    tags: BodyTags = request.app.state.body_tags
    key = answer_key(request, audience)
    known = tags.get(key)
    if known is not None and matches_if_none_match(if_none_match, known):
        return Response(status_code=304, headers={**headers, "ETag": known})
    return TaggedStream(
        request,
        produce,
        key=key,
        if_none_match=if_none_match,
        headers=headers,
        media_type=media_type,
    )


class TaggedStream(StreamingResponse):
    """Produced in one read transaction that sees one snapshot, keyed by the change counter
    that snapshot holds. A key whose tag is known is streamed as it is read; otherwise the
    body is produced whole (spooled), its hash learnt, then sent."""

    def __init__(
        self,
        request: Request,
        produce: Produce,
        *,
        key: AnswerKey,
        if_none_match: str | None,
        headers: Mapping[str, str],
        media_type: str,
    ) -> None:
        super().__init__(iter(()), headers=headers, media_type=media_type)
        self.database: Database = request.app.state.database
        self.gate: anyio.CapacityLimiter = request.app.state.request_gate
        self.tags: BodyTags = request.app.state.body_tags
        self.produce, self.key, self.if_none_match = produce, key, if_none_match

    def _produced(self) -> Generator[bytes]:
        """The tag (as a header value), then the body in chunks."""
        with SpooledTemporaryFile(max_size=SPOOLED_IN_MEMORY) as spool:
            with self.database.transaction(write=False) as session:
                session.connection(execution_options=self.database.snapshot)
                key = self.key._replace(changes=changes_in(session))
                etag = self.tags.get(key)
                if etag is not None:
                    yield etag.encode("latin-1")
                    yield from in_chunks(self.produce(session))
                    return
                hasher = body_hasher()
                for piece in self.produce(session):
                    hasher.update(piece)
                    spool.write(piece)
                etag = tag_of(hasher)
                self.tags.learn(key, etag)
            yield etag.encode("latin-1")
            spool.seek(0)
            while chunk := spool.read(CHUNK_BYTES):
                yield chunk

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async with self.gate:
            pending = self._produced()
            try:
                etag = await run_in_threadpool(next, pending)
                headers = [*self.raw_headers, (b"etag", etag)]
                if matches_if_none_match(self.if_none_match, etag.decode("latin-1")):
                    headers = [(name, value) for name, value in headers if name != b"content-type"]
                    await send({"type": "http.response.start", "status": 304, "headers": headers})
                    await send({"type": "http.response.body", "body": b""})
                    return
                await send({"type": "http.response.start", "status": 200, "headers": headers})
                while (chunk := await run_in_threadpool(next, pending, None)) is not None:
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
                await send({"type": "http.response.body", "body": b""})
            finally:
                with anyio.CancelScope(shield=True):
                    await run_in_threadpool(pending.close)
