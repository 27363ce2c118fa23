from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import Response
from sqlmodel import SQLModel

from app.contacts import service
from app.contacts.models import ContactPublic
from app.core.db import SessionDep
from app.core.openapi import problem_responses
from app.core.responses import json_response

router = APIRouter(prefix="/api/v1/contacts", tags=["contacts"])


class ContactList(SQLModel):
    items: list[ContactPublic]


@router.get("", response_model=ContactList)
def list_contacts(session: SessionDep) -> Response:
    return json_response(ContactList(items=service.list_contacts(session=session)))


@router.get("/{contact_id}", response_model=ContactPublic, responses=problem_responses(404))
def get_contact(
    contact_id: Annotated[int, Path(ge=1, le=2**31 - 1)], session: SessionDep
) -> Response:
    return json_response(service.get_contact(session=session, contact_id=contact_id))
