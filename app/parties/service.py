from collections import defaultdict

from sqlmodel import Session, col, select

from app.core.errors import NotFoundError
from app.core.languages import Language
from app.core.metadata import id_of
from app.core.security import Principal
from app.parties.models import Organization, OrganizationPublic, Party, PartyPublic, PartyUpdate
from app.users.enums import Role


def may_read_digest_address(principal: Principal, party_id: int | None) -> bool:
    """Where a party's digest goes is for its own editors and administrators, and for the
    register's administrators (of no party), who set it; every other caller reads null, as
    if none were set."""
    if principal.party_id is None:
        return principal.is_admin
    return principal.party_id == party_id and principal.role.allows(Role.editor)


def _public(
    party: Party, organizations: list[OrganizationPublic], reader: Principal
) -> PartyPublic:
    return PartyPublic(
        code=party.code,
        name=party.name,
        organizations=organizations,
        digest_email=party.digest_email if may_read_digest_address(reader, party.id) else None,
        language=Language(party.language) if party.language else None,
    )


def _organizations(
    session: Session, party_id: int | None = None
) -> dict[int, list[OrganizationPublic]]:
    """The organizations of every party, or of one."""
    statement = select(Organization).order_by(col(Organization.code))
    if party_id is not None:
        statement = statement.where(col(Organization.party_id) == party_id)
    organizations: dict[int, list[OrganizationPublic]] = defaultdict(list)
    for organization in session.execute(statement).scalars():
        organizations[organization.party_id].append(
            OrganizationPublic(code=organization.code, name=organization.name)
        )
    return organizations


def list_parties(*, session: Session, principal: Principal) -> list[PartyPublic]:
    organizations = _organizations(session)
    return [
        _public(party, organizations[party.id or 0], principal)
        for party in session.execute(select(Party).order_by(col(Party.code))).scalars()
    ]


def update_party(
    *, session: Session, code: str, request: PartyUpdate, principal: Principal
) -> PartyPublic:
    """Set where a party's weekly digest goes and the language it is written in."""
    party = session.execute(select(Party).where(col(Party.code) == code)).scalars().first()
    if party is None:
        raise NotFoundError(f"No party {code!r}.")
    fields = request.model_fields_set
    if "digest_email" in fields:
        party.digest_email = request.digest_email
    if "language" in fields:
        party.language = request.language.value if request.language else None
    session.add(party)
    session.flush()
    party_id = id_of(party)
    return _public(party, _organizations(session, party_id)[party_id], principal)
