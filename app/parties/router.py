from fastapi import APIRouter, Depends
from fastapi.responses import Response
from sqlmodel import SQLModel

from app.core.openapi import problem_responses
from app.core.responses import json_response
from app.core.sessions import SessionDep
from app.parties import service
from app.parties.models import PartyPublic
from app.users.auth import current_principal

router = APIRouter(
    prefix="/api/v1/parties",
    tags=["parties"],
    dependencies=[Depends(current_principal)],
    responses=problem_responses(400, 401, 422, 429),
)


class PartyList(SQLModel):
    items: list[PartyPublic]


@router.get("", response_model=PartyList)
def list_parties(session: SessionDep) -> Response:
    return json_response(PartyList(items=service.list_parties(session=session)))
