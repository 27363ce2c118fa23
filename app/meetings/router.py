from fastapi import APIRouter, Depends
from fastapi.responses import Response
from sqlmodel import SQLModel

from app.core.db import SessionDep
from app.core.openapi import problem_responses
from app.core.responses import json_response
from app.core.validation import Code
from app.meetings import service
from app.meetings.models import MeetingPublic
from app.users.auth import current_principal

router = APIRouter(
    prefix="/api/v1/meetings",
    tags=["meetings"],
    dependencies=[Depends(current_principal)],
    responses=problem_responses(401, 422),
)


class MeetingList(SQLModel):
    items: list[MeetingPublic]


@router.get("", response_model=MeetingList)
def list_meetings(session: SessionDep) -> Response:
    return json_response(MeetingList(items=service.list_meetings(session=session)))


@router.get("/{key}", response_model=MeetingPublic, responses=problem_responses(404))
def get_meeting(key: Code, session: SessionDep) -> Response:
    return json_response(service.get_meeting(session=session, key=key))
