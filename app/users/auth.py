"""The authentication dependency: every endpoint but the probes and the docs requires it.

The token is looked up in the request's own session (one connection, one transaction per
request). Recording a token's last use, at most once a minute, is a write of its own, done after
the response, so a request never holds two connections at once.
"""

from collections.abc import Callable
from typing import Annotated

from fastapi import BackgroundTasks, Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.core.db import Database, SessionDep
from app.core.errors import ForbiddenError, TooManyRequestsError, UnauthorizedError
from app.core.ratelimit import FailureLimiter
from app.core.security import Principal
from app.users import service
from app.users.enums import Role, TokenScope

bearer = HTTPBearer(auto_error=False, description="An API token: `Authorization: Bearer ac_...`")


def _record_use(database: Database, token_id: int) -> None:
    with database.session() as session:
        service.record_use(session=session, token_id=token_id)
        session.commit()


def authenticate_request(
    request: Request,
    session: SessionDep,
    background: BackgroundTasks,
    token: str | None,
    scope: TokenScope,
) -> Principal:
    limiter: FailureLimiter = request.app.state.auth_failures
    address = request.client.host if request.client else "unknown"
    wait = limiter.retry_after(address)
    if wait is not None:
        raise TooManyRequestsError(
            "Too many failed authentication attempts from this address; try again later.",
            headers={"Retry-After": str(wait)},
        )
    if token is None:
        raise UnauthorizedError(
            "This endpoint needs an API token: 'Authorization: Bearer <token>'.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    try:
        principal, stale = service.authenticate(session=session, token=token, scope=scope)
    except UnauthorizedError:
        limiter.failed(address)
        raise
    if stale:
        background.add_task(_record_use, request.app.state.database, principal.token_id)
    return principal


def current_principal(
    request: Request,
    session: SessionDep,
    background: BackgroundTasks,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    token = credentials.credentials if credentials else None
    return authenticate_request(request, session, background, token, TokenScope.api)


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
