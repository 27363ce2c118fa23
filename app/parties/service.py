from collections import defaultdict

from sqlmodel import Session, col, func, select

from app.commitments import CommitmentReleasability
from app.core.errors import ConflictError, NotFoundError, UnprocessableError
from app.core.languages import Language
from app.core.metadata import id_of
from app.core.security import Principal, Role
from app.reference import (
    Organization,
    OrganizationPublic,
    Party,
    PartyPublic,
    PartyUpdate,
    Standing,
)
from app.users import UserAccount


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
        standing=Standing(party.standing),
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
    """Set where a party's weekly digest goes, the language it is written in, and its
    standing."""
    party = session.execute(select(Party).where(col(Party.code) == code)).scalars().first()
    if party is None:
        raise NotFoundError(f"No party {code!r}.")
    fields = request.model_fields_set
    if "standing" in fields:
        if request.standing is None:
            raise UnprocessableError("A party's standing is member or outside; it cannot be null.")
        if request.standing is Standing.outside and party.standing != Standing.outside.value:
            _check_may_leave(session, party)
        party.standing = request.standing.value
    if "digest_email" in fields:
        party.digest_email = request.digest_email
    if "language" in fields:
        party.language = request.language.value if request.language else None
    if party.digest_email is not None and party.standing != Standing.member.value:
        raise UnprocessableError(
            f"{party.code} is an outside party: it owes nothing it may see, so it gets no "
            "digest (digest_email null)."
        )
    session.add(party)
    session.flush()
    party_id = id_of(party)
    return _public(party, _organizations(session, party_id)[party_id], principal)


def _check_may_leave(session: Session, party: Party) -> None:
    """A member becomes an outside party only once nothing of a member's is left to it: no
    enabled user (whose tokens would then be refused) and no commitment released to it.
    Withdrawing those is a decision taken one by one, not a side effect of this change."""
    party_id = id_of(party)
    users = session.execute(
        select(func.count()).where(
            col(UserAccount.party_id) == party_id, col(UserAccount.disabled_at).is_(None)
        )
    ).scalar_one()
    released = session.execute(
        select(func.count()).where(col(CommitmentReleasability.party_id) == party_id)
    ).scalar_one()
    if users or released:
        raise ConflictError(
            f"{party.code} still has {users} enabled user(s) and {released} commitment(s) "
            "released to it: disable those users and withdraw those releases before making it "
            "an outside party."
        )
