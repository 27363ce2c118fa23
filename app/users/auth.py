"""The authentication dependency: every endpoint but the probes and the docs requires it.

It runs in short sessions of its own, finished before the endpoint opens the request's
session, so a request never holds two connections at once.
"""

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.core.db import Database
from app.core.errors import ForbiddenError, TooManyRequestsError, UnauthorizedError
from app.core.ratelimit import FailureLimiter
from app.core.security import Principal
from app.users import service
from app.users.enums import Role, TokenScope

bearer = HTTPBearer(auto_error=False, description="An API token: `Authorization: Bearer ac_...`")


def authenticate_request(request: Request, token: str | None, scope: TokenScope) -> Principal:
    if token is None:
        raise UnauthorizedError(
            "This endpoint needs an API token: 'Authorization: Bearer <token>'.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    database: Database = request.app.state.database
    try:
        with database.transaction(write=False) as session:
            principal, stale = service.authenticate(session=session, token=token, scope=scope)
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
    if stale:
        with database.transaction() as session:
            service.record_use(session=session, token_id=principal.token_id)
    request.state.user = principal.name  # for the request's log line
    return principal


def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    return authenticate_request(
        request, credentials.credentials if credentials else None, TokenScope.api
    )


CurrentUser = Annotated[Principal, Depends(current_principal)]


def require(role: Role) -> Callable[[Principal], Principal]:
    def dependency(principal: CurrentUser) -> Principal:
        if not principal.role.allows(role):
            raise ForbiddenError(
                f"This needs the {role.value} role; you are {principal.role.value}."
            )
        return principal

    return dependency


EditorUser = Annotated[Principal, Depends(require(Role.editor))]
AdminUser = Annotated[Principal, Depends(require(Role.admin))]
