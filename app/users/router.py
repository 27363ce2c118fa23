from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from sqlmodel import SQLModel

from app.core.openapi import problem_responses
from app.core.responses import json_response
from app.core.sessions import SessionDep
from app.core.validation import MAX_ID
from app.users import service
from app.users.auth import AdminUser, CurrentUser
from app.users.models import (
    IssuedToken,
    TokenCreate,
    TokenPublic,
    UserCreate,
    UserPublic,
    UserUpdate,
)

router = APIRouter(
    prefix="/api/v1", tags=["users"], responses=problem_responses(400, 401, 422, 429)
)
admin_errors = problem_responses(403, 404)
Id = Annotated[int, Path(ge=1, le=MAX_ID)]


class UserList(SQLModel):
    items: list[UserPublic]


@router.get("/me", response_model=UserPublic)
def who_am_i(principal: CurrentUser, session: SessionDep) -> Response:
    return json_response(service.get_user(session=session, user_id=principal.user_id))


class CalendarFeed(SQLModel):
    url: str
    token: IssuedToken


@router.post("/me/calendar-token", response_model=CalendarFeed, status_code=201)
def create_calendar_token(
    request: Request, principal: CurrentUser, session: SessionDep
) -> Response:
    """A read-only token for your calendar app's feed URL, shown once; it works only on
    /api/v1/calendar.ics, and replaces your earlier one."""
    issued = service.issue_calendar_token(session=session, user_id=principal.user_id)
    # The configured public URL, never the request's Host header, which the caller controls.
    url = f"{request.app.state.settings.public_url}/api/v1/calendar.ics?token={issued.token}"
    return json_response(CalendarFeed(url=url, token=issued), status_code=201)


@router.delete("/me/calendar-token", status_code=204)
def revoke_calendar_token(principal: CurrentUser, session: SessionDep) -> Response:
    """Stop your calendar feed URL from working."""
    service.revoke_calendar_tokens(session=session, user_id=principal.user_id)
    return Response(status_code=204)


@router.get("/users", response_model=UserList, responses=admin_errors)
def list_users(_: AdminUser, session: SessionDep) -> Response:
    return json_response(UserList(items=service.list_users(session=session)))


@router.post(
    "/users", response_model=IssuedToken, status_code=201, responses=problem_responses(403, 409)
)
def create_user(request: UserCreate, _: AdminUser, session: SessionDep) -> Response:
    """Create a user and its first token. The token is in this response only."""
    issued = service.create_user(session=session, request=request)
    return json_response(issued, status_code=201)


@router.get("/users/{user_id}", response_model=UserPublic, responses=admin_errors)
def get_user(user_id: Id, _: AdminUser, session: SessionDep) -> Response:
    return json_response(service.get_user(session=session, user_id=user_id))


@router.patch(
    "/users/{user_id}", response_model=UserPublic, responses=problem_responses(403, 404, 422)
)
def update_user(user_id: Id, request: UserUpdate, _: AdminUser, session: SessionDep) -> Response:
    """Link a user to the point of contact they are (what they lead shows on their board)."""
    return json_response(service.update_user(session=session, user_id=user_id, request=request))


@router.delete(
    "/users/{user_id}", response_model=UserPublic, responses=problem_responses(403, 404, 409)
)
def disable_user(user_id: Id, principal: AdminUser, session: SessionDep) -> Response:
    """Disable a user: their tokens stop working. Nothing is deleted. No administrator
    disables themself, and the last administrator stays enabled (409)."""
    return json_response(
        service.disable_user(session=session, user_id=user_id, actor_id=principal.user_id)
    )


@router.post(
    "/users/{user_id}/tokens", response_model=IssuedToken, status_code=201, responses=admin_errors
)
def issue_token(user_id: Id, request: TokenCreate, _: AdminUser, session: SessionDep) -> Response:
    """Issue another token for a user. The token is in this response only."""
    issued = service.issue_token(session=session, user_id=user_id, request=request)
    return json_response(issued, status_code=201)


@router.delete("/tokens/{token_id}", response_model=TokenPublic, responses=admin_errors)
def revoke_token(token_id: Id, principal: CurrentUser, session: SessionDep) -> Response:
    """Revoke a token: admins any, others only their own."""
    owner = None if principal.is_admin else principal.user_id
    return json_response(service.revoke_token(session=session, token_id=token_id, owner_id=owner))
