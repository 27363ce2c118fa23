"""The authentication dependency: every endpoint but the probes and the docs requires it.

It reads the token in the request's own transaction (one connection, one BEGIN and COMMIT a
request), and with it the register's change counter, which the response cache compares
against (app.core.cache). A token's last use is recorded after the request's transaction,
in a short one of its own, and only when the recorded one is stale.
"""

from collections.abc import Callable
from functools import partial
from typing import Annotated

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.core.cache import remember_changes
from app.core.db import Database
from app.core.errors import TooManyRequestsError, UnauthorizedError
from app.core.ratelimit import FailureLimiter
from app.core.security import Principal, Role, require_role
from app.core.sessions import SessionDep, after_transaction
from app.users import service
from app.users.enums import TokenScope

bearer = HTTPBearer(auto_error=False, description="An API token: `Authorization: Bearer ac_...`")


def authenticate_request(
    request: Request, session: Session, token: str | None, scope: TokenScope
) -> Principal:
    caller = verified_caller(request, session, token, scope)
    if caller.stale:
        after_transaction(request, partial(_record_use, caller.principal.token_id))
    remember_changes(request, caller.register_changes)
    request.state.user = caller.principal.name  # for the request's log line
    return caller.principal


def verified_caller(
    request: Request, session: Session, token: str | None, scope: TokenScope
) -> service.Authenticated:
    """Who the token stands for; 401 without one or with one refused, 429 past the limit of
    failed attempts from the client's address."""
    if token is None:
        raise UnauthorizedError(
            "This endpoint needs an API token: 'Authorization: Bearer <token>'.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    try:
        return _authenticate(session, token, scope)
    except UnauthorizedError:
        # Counted against the client's address (as the configured proxies report it); a
        # valid token from the same address is never refused for it.
        limiter: FailureLimiter = request.app.state.auth_failures
        wait = limiter.failed(request.client.host if request.client else "unknown")
        if wait is not None:
            raise TooManyRequestsError(
                "Too many failed authentication attempts from this address; try again later.",
                headers={"Retry-After": str(wait)},
                retry_after=wait,
            ) from None
        raise


def _authenticate(session: Session, token: str, scope: TokenScope) -> service.Authenticated:
    """The request's first statement. Connections are not pinged before use (a round trip
    every request); one the server dropped (a restart, an idle timeout) fails here, before
    anything was done, and the statement is tried once more on a fresh connection."""
    try:
        return service.authenticate(connection=session.connection(), token=token, scope=scope)
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
        session.rollback()
        return service.authenticate(connection=session.connection(), token=token, scope=scope)


def _record_use(token_id: int, database: Database) -> None:
    with database.transaction() as session:
        service.record_use(session=session, token_id=token_id)


def current_principal(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    return authenticate_request(
        request, session, credentials.credentials if credentials else None, TokenScope.api
    )


CurrentUser = Annotated[Principal, Depends(current_principal)]


Presented = Callable[[Request], tuple[str | None, TokenScope] | None]
"""The token a request presents to an authenticating dependency, and the scope it needs;
None when that dependency lets the request through without one."""


def bearer_token(request: Request) -> str | None:
    scheme, token = get_authorization_scheme_param(request.headers.get("authorization"))
    return token if scheme.lower() == "bearer" and token else None


# The dependencies that authenticate a request, each with how it reads the token.
_AUTHENTICATORS: dict[Callable[..., object], Presented] = {
    current_principal: lambda request: (bearer_token(request), TokenScope.api)
}


def authenticator(dependency: Callable[..., object], presented: Presented) -> None:
    """Register a dependency that authenticates a request, and how it reads the token, so
    that a request refused before the dependency ran is authenticated as it would have
    been (`authenticate_before_refusing`)."""
    _AUTHENTICATORS[dependency] = presented


def _presented_by(dependant: Dependant) -> Presented | None:
    for dependency in dependant.dependencies:
        if dependency.call in _AUTHENTICATORS:
            return _AUTHENTICATORS[dependency.call]
        found = _presented_by(dependency)
        if found is not None:
            return found
    return None


def _presented_to(request: Request, route: APIRoute) -> Presented | None:
    """How the route's authenticating dependency reads the token, read off once per route."""
    known: dict[str, Presented | None] | None = getattr(request.app.state, "token_reads", None)
    if known is None:
        known = request.app.state.token_reads = {}
    if route.unique_id not in known:
        known[route.unique_id] = _presented_by(route.dependant)
    return known[route.unique_id]


async def authenticate_before_refusing(request: Request) -> None:
    """Authenticate a request refused for its form (its body, a query parameter or a header)
    before its endpoint authenticated it: the framework reads the body, and some dependencies
    check the request, before the authenticating one runs. A caller without a valid token
    gets the 401 (or the 429 past the failure limit) and learns nothing of what the endpoint
    takes. Raises what authentication would."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or getattr(request.state, "user", None) is not None:
        return
    presented = _presented_to(request, route)
    wanted = presented(request) if presented is not None else None
    if wanted is None:
        return
    token, scope = wanted
    database: Database = request.app.state.database

    def verify() -> None:
        with database.transaction(write=False) as session:
            verified_caller(request, session, token, scope)

    async with request.app.state.request_gate:
        await run_in_threadpool(verify)


def require(role: Role) -> Callable[[Principal], Principal]:
    """A route's first check (before its body is read); the use case checks it again."""

    def dependency(principal: CurrentUser) -> Principal:
        require_role(principal, role)
        return principal

    return dependency


EditorUser = Annotated[Principal, Depends(require(Role.editor))]
AdminUser = Annotated[Principal, Depends(require(Role.admin))]
