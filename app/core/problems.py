"""RFC 9457 problem details: every error the API answers has this shape."""

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from app.core.errors import (
    PROBLEM_MEDIA_TYPE,
    DatabaseUnavailableError,
    InternalError,
    ProblemError,
    ServiceBusyError,
    problem_type,
)
from app.core.outages import RETRY_AFTER_SECONDS, Outage, OutageLog, outage_of
from app.core.responses import dump_json

logger = logging.getLogger(__name__)
# serialization_failure, deadlock_detected: PostgreSQL asks for the transaction to be retried.
_RETRYABLE_STATES = frozenset({"40001", "40P01"})


def problem_response(
    *,
    status: int,
    kind: str,
    title: str,
    detail: str,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> Response:
    body: dict[str, Any] = {
        "type": problem_type(kind),
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update(extensions)
    return Response(
        content=dump_json(body), status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers
    )


def error_response(error: ProblemError, *, instance: str | None = None) -> Response:
    """The problem document of one of the services' errors."""
    return problem_response(
        status=error.status,
        kind=error.kind,
        title=error.title,
        detail=error.detail,
        instance=instance,
        headers=error.headers,
        **error.extensions,
    )


_HTTP_KINDS = {
    400: ("bad-request", "Bad request"),
    401: ("unauthorized", "Authentication required"),
    403: ("forbidden", "Not allowed"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    413: ("payload-too-large", "Request body too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
}


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    return [
        {
            "loc": [str(part) for part in error.get("loc", ())],
            "msg": error.get("msg", ""),
            "type": error.get("type", ""),
        }
        for error in exc.errors()
    ]


def _allowed_methods(request: Request) -> list[str]:
    """Every method of every route on this path (each method is a route of its own)."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match is not Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return sorted(methods - {"HEAD"})


Authenticate = Callable[[Request], Awaitable[None]]
"""Raises the problem authentication would (401, 429) for a request it has not passed yet."""

# Refusals the framework and some dependencies reach before the endpoint authenticates the
# request: of its form (its body, query or headers), and of a place to do its work in (503:
# a caller without a valid token must not learn that others are busy).
_REFUSALS_OF_FORM = frozenset({400, 415, 422, 503})


async def _refused_authentication(
    request: Request, authenticate: Authenticate | None
) -> Response | None:
    """The answer of a failed authentication, to come before a refusal of the request's form
    (a caller that may not use an endpoint learns nothing of what it takes); None when the
    request is authenticated, needs no authentication, or cannot be checked now."""
    if authenticate is None:
        return None
    try:
        await authenticate(request)
    except ProblemError as refused:
        return error_response(refused, instance=request.url.path)
    except Exception as error:  # the database out of reach: the refusal stands
        outage = outage_of(error)
        if outage is not None:
            outages_of(request).failed(outage)
        else:
            logger.warning(
                "could not authenticate a refused %s %s", request.method, request.url.path
            )
    return None


def outages_of(request: Request) -> OutageLog:
    """The process's log of database outages (created with the app)."""
    outages: OutageLog = request.app.state.outages
    return outages


def install_problem_handlers(app: FastAPI, *, authenticate: Authenticate | None = None) -> None:
    """Problem documents for every error; with `authenticate`, a request refused for its form
    is answered 401 first when its authentication fails."""

    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> Response:
        if exc.status in _REFUSALS_OF_FORM:
            refused = await _refused_authentication(request, authenticate)
            if refused is not None:
                return refused
        return error_response(exc, instance=request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        refused = await _refused_authentication(request, authenticate)
        if refused is not None:
            return refused
        errors = _validation_errors(exc)
        fields = ", ".join(".".join(e["loc"]) for e in errors) or "request"
        return problem_response(
            status=422,
            kind="validation-error",
            title="Invalid request",
            detail=f"Invalid value for: {fields}",
            instance=request.url.path,
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code in _REFUSALS_OF_FORM:
            refused = await _refused_authentication(request, authenticate)
            if refused is not None:
                return refused
        kind, title = _HTTP_KINDS.get(exc.status_code, ("http-error", "HTTP error"))
        headers = dict(exc.headers) if exc.headers else {}
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(_allowed_methods(request))
        return problem_response(
            status=exc.status_code,
            kind=kind,
            title=title,
            detail=str(exc.detail),
            instance=request.url.path,
            headers=headers,
        )

    @app.exception_handler(SQLAlchemyError)
    async def _database_failed(request: Request, exc: SQLAlchemyError) -> Response:
        problem = database_problem(request, exc)
        if problem is None:
            return await _unexpected(request, exc)
        return error_response(problem, instance=request.url.path)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        logger.exception("unhandled error on %s %s", request.method, request.url.path)
        failed = InternalError("The server failed to handle this request; it has been logged.")
        return error_response(failed, instance=request.url.path)


def database_problem(request: Request, exc: SQLAlchemyError) -> ProblemError | None:
    """The answer to a database failure that is no fault of the request or of the code: the
    database down, unreachable, hung, full or read-only (one problem type, one log line per
    outage: app.core.outages), or busy. None for a real fault."""
    outage = _outage_in(exc)
    if outage is not None:
        outages_of(request).failed(outage)
        return DatabaseUnavailableError(
            "The database is unavailable; nothing was changed. Try again in a moment.",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    if not isinstance(exc, OperationalError):
        return None
    # SQLite's lock wait ran out, or PostgreSQL ended a transaction that met a concurrent
    # change of the same rows: a clean, retryable answer.
    retryable = getattr(exc.orig, "sqlstate", None) in _RETRYABLE_STATES
    if not retryable and "database is locked" not in str(exc.orig):
        return None
    logger.warning("database busy on %s %s", request.method, request.url.path)
    return ServiceBusyError(
        "The database is busy with other changes; try again in a moment.",
        headers={"Retry-After": "1"},
    )


def _outage_in(exc: BaseException) -> Outage | None:
    """The outage behind `exc` or behind the errors it arose from: SQLite ends the whole
    transaction when its disk is full, so the savepoint's rollback that follows fails with
    an error of its own."""
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return None
        outage = outage_of(seen)
        if outage is not None:
            return outage
        seen = seen.__context__
    return None
