"""Reads answered before the framework.

A GET whose answer is kept (app.core.cache) is answered here after one check of the
caller's token (app.users.gate), without resolving the route's dependencies, opening a
session or visiting the thread pool. A GET of a route that registered a direct reader
(`DirectRead`: a commitment, a page of commitments) and whose parameters it fully
understands is rendered here on a miss, after the same token check: on the event loop's
own thread when it is one statement by a unique key, else in one hop to a worker thread that
reads in one read transaction; the answer is kept for the next caller of the same audience.
The token and the change counter are read before the read begins, so what is rendered is
never older than the counter it is kept under.

Anything out of the ordinary goes on to the application, which answers it in full: no token
or one refused (the 401 and the failed-authentication limit live there), a token whose use
is due to be recorded, an Accept header that asks for anything but JSON, an If-None-Match
longer than the routes take (they refuse it), parameters a direct reader does not take as
they are, any error while rendering (the application answers it with its problem
document), or an answer neither kept nor directly readable. The layers
around this one (request ids, logs and metrics, security headers, CORS) apply to both."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

import anyio
from fastapi.security.utils import get_authorization_scheme_param
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from app.core.cache import (
    AnswerKey,
    Query,
    Rendered,
    ResponseCache,
    address_of,
    parameters_of,
)
from app.core.errors import NotAcceptableError
from app.core.etags import PRECONDITION_MAX_LENGTH
from app.core.formats import Format, negotiate
from app.core.security import Principal
from app.core.time import today


@dataclass(frozen=True)
class Reader:
    """Who a token stands for, as far as a read answered here needs to know."""

    principal: Principal
    audience: str
    register_changes: int


Identify = Callable[[str], Reader | None]
"""The reader a bearer token stands for; None when the application must answer in full."""

Render = Callable[[Principal], Rendered]
"""Read and render an answer for this principal, in a transaction of its own."""


@dataclass(frozen=True)
class Direct:
    """A request a direct reader takes: the route it stands for and how to render it."""

    route: str
    render: Render
    # Rendered on the event loop's own thread: one statement bounded by the loop connection's
    # timeouts (app.core.db.LoopConnection), cheaper there than a hop to a worker thread.
    on_loop: bool = False


class DirectRead(Protocol):
    def serves(self, path: str) -> bool:
        """Whether this path is one the reader may answer (its parameters not yet read)."""

    def direct(self, path: str, query: Query) -> Direct | None:
        """How to answer this path and query (its parameters in the order given), or None
        for the application to answer."""


@dataclass(frozen=True)
class RouteLabel:
    """The route an answer given here stands for, as the request metrics read it."""

    path: str


def _bearer(headers: Headers) -> str | None:
    scheme, token = get_authorization_scheme_param(headers.get("authorization"))
    return token if scheme.lower() == "bearer" and token else None


def _wants_json(accept: str | None) -> bool:
    try:
        return negotiate(accept, None) is Format.json
    except NotAcceptableError:  # the application answers it with its 406
        return False


class AnswersBeforeRouting:
    def __init__(
        self,
        app: ASGIApp,
        *,
        cache: ResponseCache | None,
        identify: Identify,
        gate: anyio.CapacityLimiter,
        reads: Sequence[DirectRead] = (),
    ) -> None:
        self.app = app
        self.cache = cache
        self.identify = identify
        self.gate = gate
        self.reads = reads

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not await self._answered(scope, send):
            await self.app(scope, receive, send)

    def _direct(self, path: str, query: Query) -> Direct | None:
        for read in self.reads:
            direct = read.direct(path, query)
            if direct is not None:
                return direct
        return None

    async def _answered(self, scope: Scope, send: Send) -> bool:
        if scope["type"] != "http" or scope["method"] != "GET":
            return False
        address = address_of(scope)
        path = address[0]
        cache = self.cache
        kept = cache is not None and cache.holds_answers_for(*address)
        if not kept and not any(read.serves(path) for read in self.reads):
            return False
        headers = Headers(scope=scope)
        token = _bearer(headers)
        if_none_match = headers.get("if-none-match")
        if (
            token is None
            or not _wants_json(headers.get("accept"))
            or len(if_none_match or "") > PRECONDITION_MAX_LENGTH  # the route refuses it
        ):
            return False
        # On the event loop's own thread: the check costs less than a hop to a worker thread.
        reader = self.identify(token)
        if reader is None:
            return False
        key = AnswerKey(reader.audience, *address, reader.register_changes, today())
        found = cache.peek(key) if cache is not None and kept else None
        if found is None:
            # Only on a miss are the parameters read: a hit needs none of them.
            found = await self._rendered(self._direct(path, parameters_of(scope)), reader)
            if found is None:
                return False
            if cache is not None:
                cache.keep(key, found)
        scope.setdefault("state", {})["user"] = reader.principal.name
        scope["route"] = RouteLabel(found.route)
        answer = found.answer(if_none_match=if_none_match)
        start = {"type": "http.response.start", "status": answer.status, "headers": answer.headers}
        await send(start)
        await send({"type": "http.response.body", "body": answer.body})
        return True

    async def _rendered(self, direct: Direct | None, reader: Reader) -> Rendered | None:
        if direct is None:
            return None
        try:
            if direct.on_loop:
                rendered = direct.render(reader.principal)
            else:
                # A place at the gate before a connection, as every request that reads takes.
                async with self.gate:
                    rendered = await run_in_threadpool(direct.render, reader.principal)
        except Exception:  # the application answers it, with its problem document
            return None
        return replace(rendered, route=direct.route)
