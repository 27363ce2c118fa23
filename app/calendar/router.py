from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials

from app.calendar import service
from app.commitments import CommitmentFilters
from app.core.openapi import problem_responses
from app.core.security import Principal
from app.core.sessions import SessionDep
from app.core.validation import NulFree
from app.users import TokenScope, authenticate_request, authenticator, bearer, bearer_token

router = APIRouter(
    prefix="/api/v1", tags=["calendar"], responses=problem_responses(400, 401, 422, 429)
)


def calendar_principal(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    token: Annotated[
        NulFree | None,
        Query(max_length=100, description="A calendar feed token (see /api/v1/me/calendar-token)"),
    ] = None,
) -> Principal:
    """Calendar apps cannot send headers: a calendar token in the URL works here, and only here."""
    if credentials is None and token is not None:
        return authenticate_request(request, session, token, TokenScope.calendar)
    return authenticate_request(
        request, session, credentials.credentials if credentials else None, TokenScope.api
    )


def _calendar_token(request: Request) -> tuple[str | None, TokenScope]:
    token = bearer_token(request)
    if token is None and "token" in request.query_params:
        return request.query_params["token"], TokenScope.calendar
    return token, TokenScope.api


authenticator(calendar_principal, _calendar_token)


@router.get(
    "/calendar.ics",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}, "description": "An iCalendar feed"}},
)
def calendar_feed(
    request: Request,
    principal: Annotated[Principal, Depends(calendar_principal)],
    filters: Annotated[CommitmentFilters, Query()],
) -> Response:
    """Every open commitment and cycle with a due date, filtered like the list: an all-day
    event and a to-do each."""
    items = service.entries(
        database=request.app.state.database,
        principal=principal,
        filters=filters,
        link_base=request.app.state.settings.public_url,
    )
    body = service.calendar(items, "Commitment due dates")
    return Response(
        content=body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": 'inline; filename="commitments.ics"'},
    )
