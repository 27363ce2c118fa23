from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import Response
from sqlmodel import SQLModel

from app.contacts import service
from app.core.conditional import IfMatchHeader, IfNoneMatchHeader, versioned_response
from app.core.etags import IfMatch
from app.core.openapi import problem_responses
from app.core.responses import json_response
from app.core.sessions import SessionDep
from app.core.validation import MAX_ID
from app.reference import ContactCreate, ContactPublic, ContactUpdate
from app.users import CurrentUser, EditorUser

router = APIRouter(
    prefix="/api/v1/contacts", tags=["contacts"], responses=problem_responses(400, 401, 422, 429)
)
ContactId = Annotated[int, Path(ge=1, le=MAX_ID)]


class ContactList(SQLModel):
    items: list[ContactPublic]


@router.get("", response_model=ContactList)
def list_contacts(_: CurrentUser, session: SessionDep) -> Response:
    return json_response(ContactList(items=service.list_contacts(session=session)))


@router.post("", response_model=ContactPublic, status_code=201, responses=problem_responses(403))
def create_contact(request: ContactCreate, principal: EditorUser, session: SessionDep) -> Response:
    contact = service.create_contact(session=session, request=request, principal=principal)
    response = versioned_response(contact, status_code=201)
    response.headers["Location"] = f"/api/v1/contacts/{contact.id}"
    return response


@router.get(
    "/{contact_id}",
    response_model=ContactPublic,
    responses={304: {"description": "Not modified"}, **problem_responses(404)},
)
def get_contact(
    contact_id: ContactId,
    _: CurrentUser,
    session: SessionDep,
    if_none_match: IfNoneMatchHeader = None,
) -> Response:
    contact = service.get_contact(session=session, contact_id=contact_id)
    return versioned_response(contact, if_none_match=if_none_match)


@router.patch(
    "/{contact_id}", response_model=ContactPublic, responses=problem_responses(403, 404, 412, 428)
)
def update_contact(
    contact_id: ContactId,
    request: ContactUpdate,
    principal: EditorUser,
    session: SessionDep,
    if_match: IfMatchHeader = None,
) -> Response:
    contact = service.update_contact(
        session=session,
        contact_id=contact_id,
        request=request,
        principal=principal,
        if_match=IfMatch(if_match),
    )
    return versioned_response(contact)


@router.delete(
    "/{contact_id}", status_code=204, responses=problem_responses(403, 404, 409, 412, 428)
)
def archive_contact(
    contact_id: ContactId,
    principal: EditorUser,
    session: SessionDep,
    if_match: IfMatchHeader = None,
) -> Response:
    """Archive a contact that no longer leads anything open."""
    service.archive_contact(
        session=session, contact_id=contact_id, principal=principal, if_match=IfMatch(if_match)
    )
    return Response(status_code=204)
