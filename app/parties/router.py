from fastapi import APIRouter
from fastapi.responses import Response
from sqlmodel import SQLModel

from app.core.db import SessionDep
from app.core.responses import json_response
from app.parties import service
from app.parties.models import PartyPublic

router = APIRouter(prefix="/api/v1/parties", tags=["parties"])


class PartyList(SQLModel):
    items: list[PartyPublic]


@router.get("", response_model=PartyList)
def list_parties(session: SessionDep) -> Response:
    return json_response(PartyList(items=service.list_parties(session=session)))
