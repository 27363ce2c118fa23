from typing import Annotated

from fastapi import APIRouter, Header, Path, Request
from fastapi.responses import Response
from sqlmodel import SQLModel

from app.contacts import service
from app.contacts.models import ContactCreate, ContactPublic, ContactUpdate
from app.core.db import SessionDep
from app.core.etags import IfMatch, etag_of, matches_if_none_match
from app.core.openapi import problem_responses
from app.core.responses import json_response
from app.users.auth import CurrentUser, EditorUser

router = APIRouter(
    prefix="/api/v1/contacts", tags=["contacts"], responses=problem_responses(401, 422)
)
ContactId = Annotated[int, Path(ge=1, le=2**31 - 1)]
IfMatchHeader = Annotated[str | None, Header(alias="If-Match", max_length=200)]


class ContactList(SQLModel):
    items: list[ContactPublic]


def _with_etag(contact: ContactPublic, status_code: int = 200) -> Response:
    return json_response(
        contact, status_code=status_code, headers={"ETag": etag_of(contact.version)}
    )


@router.get("", response_model=ContactList)
def list_contacts(_: CurrentUser, session: SessionDep) -> Response:
    return json_response(ContactList(items=service.list_contacts(session=session)))


@router.post("", response_model=ContactPublic, status_code=201, responses=problem_responses(403))
def create_contact(request: ContactCreate, principal: EditorUser, session: SessionDep) -> Response:
    contact = service.create_contact(session=session, request=request, principal=principal)
    response = _with_etag(contact, status_code=201)
    response.headers["Location"] = f"/api/v1/contacts/{contact.id}"
    return response


@router.get(
    "/{contact_id}",
    response_model=ContactPublic,
    responses={304: {"description": "Not modified"}, **problem_responses(404)},
)
def get_contact(
    contact_id: ContactId, request: Request, _: CurrentUser, session: SessionDep
) -> Response:
    contact = service.get_contact(session=session, contact_id=contact_id)
    etag = etag_of(contact.version)
    if matches_if_none_match(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers={"ETag": etag})
    return _with_etag(contact)


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
    return _with_etag(contact)


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
