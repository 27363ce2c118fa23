from fastapi import APIRouter, Depends
from fastapi.responses import Response
from sqlmodel import SQLModel

from app.core.openapi import problem_responses
from app.core.responses import json_response
from app.core.sessions import SessionDep
from app.core.validation import PartyCode
from app.parties import service
from app.reference import PartyPublic, PartyUpdate
from app.users import AdminUser, CurrentUser, current_principal

router = APIRouter(
    prefix="/api/v1/parties",
    tags=["parties"],
    dependencies=[Depends(current_principal)],
    responses=problem_responses(400, 401, 422, 429),
)


class PartyList(SQLModel):
    items: list[PartyPublic]


@router.get("", response_model=PartyList)
def list_parties(principal: CurrentUser, session: SessionDep) -> Response:
    """The parties; a party's digest address only to its own editors and administrators (and
    the register's administrators), null to everyone else."""
    return json_response(
        PartyList(items=service.list_parties(session=session, principal=principal))
    )


@router.patch("/{code}", response_model=PartyPublic, responses=problem_responses(403, 404))
def update_party(
    code: PartyCode, body: PartyUpdate, principal: AdminUser, session: SessionDep
) -> Response:
    """Where the party's weekly digest of its commitments is mailed (`digest_email`; null: no
    digest), the language it is written in (`language`: en, ko or ja), and its `standing`.

    A `member` holds accounts and commitments are released to it; an `outside` party is only
    named, as an obligor or a counterpart. An outside party may be made a member at any time
    (it holds nothing yet); a member becomes outside only once it has no enabled user and
    nothing is released to it (409 otherwise): disable its users and withdraw its releases
    first."""
    return json_response(
        service.update_party(session=session, code=code, request=body, principal=principal)
    )
