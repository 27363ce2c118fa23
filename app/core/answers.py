"""Answers from memory before the framework: a GET whose answer is kept (app.core.cache) is
answered here, after one check of the caller's token (app.users.gate), without resolving
the route's dependencies, opening the request's session or visiting the thread pool.

Anything out of the ordinary goes on to the application, which answers it in full: no token
or one refused (the 401 and the failed-authentication limit live there), a token whose use
is due to be recorded, an Accept header that asks for anything but JSON, or an answer not
kept. The layers around this one (request ids, logs and metrics, security headers, CORS)
apply to both."""

from collections.abc import Callable
from dataclasses import dataclass

from fastapi.security.utils import get_authorization_scheme_param
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from app.core.cache import AnswerKey, ResponseCache, address_of
from app.core.errors import NotAcceptableError
from app.core.formats import Format, negotiate
from app.core.time import today


@dataclass(frozen=True)
class Reader:
    """Who a token stands for, as far as an answer from memory needs to know."""

    name: str
    audience: str
    register_changes: int


Identify = Callable[[str], Reader | None]
"""The reader a bearer token stands for; None when the application must answer in full."""


@dataclass(frozen=True)
class RouteLabel:
    """The route an answer from memory stands for, as the request metrics read it."""

    path: str


def _bearer(headers: Headers) -> str | None:
    scheme, token = get_authorization_scheme_param(headers.get("authorization"))
    return token if scheme.lower() == "bearer" and token else None


def _wants_json(accept: str | None) -> bool:
    try:
        return negotiate(accept, None) is Format.json
    except NotAcceptableError:  # the application answers it with its 406
        return False


class AnswerFromMemory:
    def __init__(self, app: ASGIApp, *, cache: ResponseCache | None, identify: Identify) -> None:
        self.app = app
        self.cache = cache
        self.identify = identify

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not await self._answered(scope, send):
            await self.app(scope, receive, send)

    async def _answered(self, scope: Scope, send: Send) -> bool:
        cache = self.cache
        if cache is None or scope["type"] != "http" or scope["method"] != "GET":
            return False
        address = address_of(scope)
        if not cache.holds_answers_for(*address):
            return False
        headers = Headers(scope=scope)
        token = _bearer(headers)
        if token is None or not _wants_json(headers.get("accept")):
            return False
        # On the event loop's own thread: the check costs less than a hop to a worker thread.
        reader = self.identify(token)
        if reader is None:
            return False
        found = cache.peek(AnswerKey(reader.audience, *address, reader.register_changes, today()))
        if found is None:
            return False
        scope.setdefault("state", {})["user"] = reader.name
        scope["route"] = RouteLabel(found.route)
        answer = found.answer(if_none_match=headers.get("if-none-match"))
        await send(
            {"type": "http.response.start", "status": answer.status, "headers": answer.headers}
        )
        await send({"type": "http.response.body", "body": answer.body})
        return True
