from fastapi import APIRouter
from fastapi.responses import Response
from sqlmodel import SQLModel

from app.core.conditional import IfMatchHeader, versioned_response
from app.core.etags import IfMatch
from app.core.openapi import problem_responses
from app.core.responses import json_response
from app.core.sessions import SessionDep
from app.core.validation import Code
from app.meetings import service
from app.reference import MeetingCreate, MeetingPublic, MeetingUpdate
from app.users import AdminUser, CurrentUser

router = APIRouter(
    prefix="/api/v1/meetings", tags=["meetings"], responses=problem_responses(400, 401, 422, 429)
)


class MeetingList(SQLModel):
    items: list[MeetingPublic]


@router.get("", response_model=MeetingList)
def list_meetings(_: CurrentUser, session: SessionDep) -> Response:
    return json_response(MeetingList(items=service.list_meetings(session=session)))


@router.post(
    "", response_model=MeetingPublic, status_code=201, responses=problem_responses(403, 409)
)
def create_meeting(request: MeetingCreate, principal: AdminUser, session: SessionDep) -> Response:
    """Enter a meeting; commitments and cycles that follow its series pick it up."""
    meeting = service.create_meeting(session=session, request=request, principal=principal)
    return versioned_response(meeting, status_code=201)


@router.get("/{key}", response_model=MeetingPublic, responses=problem_responses(404))
def get_meeting(key: Code, _: CurrentUser, session: SessionDep) -> Response:
    return versioned_response(service.get_meeting(session=session, key=key))


@router.patch(
    "/{key}", response_model=MeetingPublic, responses=problem_responses(403, 404, 412, 428)
)
def update_meeting(
    key: Code,
    request: MeetingUpdate,
    principal: AdminUser,
    session: SessionDep,
    if_match: IfMatchHeader = None,
) -> Response:
    """Schedule or move a meeting (needs If-Match); due dates that follow it are recomputed."""
    meeting = service.update_meeting(
        session=session,
        key=key,
        request=request,
        principal=principal,
        if_match=IfMatch(if_match),
    )
    return versioned_response(meeting)
