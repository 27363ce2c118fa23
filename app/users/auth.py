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
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from app.core.cache import remember_changes
from app.core.db import Database
from app.core.errors import TooManyRequestsError, UnauthorizedError
from app.core.ratelimit import FailureLimiter
from app.core.security import Principal, require_role
from app.core.sessions import SessionDep, after_transaction
from app.users import service
from app.users.enums import Role, TokenScope

bearer = HTTPBearer(auto_error=False, description="An API token: `Authorization: Bearer ac_...`")


def authenticate_request(
    request: Request, session: Session, token: str | None, scope: TokenScope
) -> Principal:
    if token is None:
        raise UnauthorizedError(
            "This endpoint needs an API token: 'Authorization: Bearer <token>'.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    try:
        caller = _authenticate(session, token, scope)
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
    if caller.stale:
        after_transaction(request, partial(_record_use, caller.principal.token_id))
    remember_changes(request, caller.register_changes)
    request.state.user = caller.principal.name  # for the request's log line
    return caller.principal


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


def require(role: Role) -> Callable[[Principal], Principal]:
    """A route's first check (before its body is read); the use case checks it again."""

    def dependency(principal: CurrentUser) -> Principal:
        require_role(principal, role)
        return principal

    return dependency


EditorUser = Annotated[Principal, Depends(require(Role.editor))]
AdminUser = Annotated[Principal, Depends(require(Role.admin))]
