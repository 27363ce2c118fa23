from sqlmodel import Session, col, select

from app.commitments import Commitment, CommitmentLead, is_open, visible_to
from app.core.errors import ConflictError, ForbiddenError, NotFoundError, UnprocessableError
from app.core.etags import IfMatch
from app.core.languages import Language
from app.core.metadata import id_of
from app.core.security import Principal, Role, require_role
from app.core.time import utcnow
from app.reference import (
    AreaLead,
    Contact,
    ContactCreate,
    ContactKind,
    ContactPublic,
    ContactUpdate,
    Organization,
    Party,
)


def _contacts(session: Session, contact_id: int | None = None) -> list[ContactPublic]:
    statement = (
        select(Contact, Party.code, Organization.code)
        .join(Party, col(Party.id) == col(Contact.party_id))
        .outerjoin(Organization, col(Organization.id) == col(Contact.organization_id))
        .where(col(Contact.archived_at).is_(None))
        .order_by(col(Party.code), col(Contact.name), col(Contact.id))
    )
    if contact_id is not None:
        statement = statement.where(col(Contact.id) == contact_id)
    return [
        ContactPublic(
            id=id_of(contact),
            name=contact.name,
            kind=ContactKind(contact.kind),
            party=party_code,
            organization=organization_code,
            position=contact.position,
            email=contact.email,
            language=Language(contact.language) if contact.language else None,
            version=contact.version,
        )
        for contact, party_code, organization_code in session.execute(statement)
    ]


def list_contacts(*, session: Session) -> list[ContactPublic]:
    return _contacts(session)


def get_contact(*, session: Session, contact_id: int) -> ContactPublic:
    found = _contacts(session, contact_id)
    if not found:
        raise NotFoundError(f"No contact {contact_id}.")
    return found[0]


def _check_side(principal: Principal, party_code: str) -> None:
    if not principal.is_admin and principal.party_code != party_code:
        raise ForbiddenError(
            f"Editors manage the contacts of their own party ({principal.party_code})."
        )


def _organization_id(session: Session, code: str | None, party: Party) -> int | None:
    if code is None:
        return None
    organization = session.exec(select(Organization).where(col(Organization.code) == code)).first()
    if organization is None or organization.party_id != party.id:
        raise UnprocessableError(f"No organization {code!r} on the {party.code} side.")
    return organization.id


def create_contact(
    *, session: Session, request: ContactCreate, principal: Principal
) -> ContactPublic:
    require_role(principal, Role.editor)
    party = session.exec(select(Party).where(col(Party.code) == request.party)).first()
    if party is None:
        raise UnprocessableError(f"Unknown party {request.party!r}.")
    _check_side(principal, party.code)
    contact = Contact(
        name=request.name,
        kind=request.kind.value,
        party_id=id_of(party),
        organization_id=_organization_id(session, request.organization, party),
        position=request.position,
        email=request.email,
        language=request.language.value if request.language else None,
    )
    session.add(contact)
    session.flush()
    return get_contact(session=session, contact_id=id_of(contact))


def _load(session: Session, contact_id: int, principal: Principal) -> tuple[Contact, Party]:
    """A live contact the principal may change (an editor: of its own party), locked."""
    require_role(principal, Role.editor)
    found = session.execute(
        select(Contact, Party)
        .join(Party, col(Party.id) == col(Contact.party_id))
        .where(col(Contact.id) == contact_id, col(Contact.archived_at).is_(None))
        .with_for_update()
    ).first()
    if found is None:
        raise NotFoundError(f"No contact {contact_id}.")
    contact, party = found
    _check_side(principal, party.code)
    return contact, party


def update_contact(
    *,
    session: Session,
    contact_id: int,
    request: ContactUpdate,
    principal: Principal,
    if_match: IfMatch,
) -> ContactPublic:
    contact, party = _load(session, contact_id, principal)
    if_match.check(contact.version)
    fields = request.model_fields_set
    if "name" in fields and request.name is None:
        raise UnprocessableError("A contact's name cannot be removed.")
    for field in fields & {"name", "position", "email"}:
        setattr(contact, field, getattr(request, field))
    if "language" in fields:
        contact.language = request.language.value if request.language else None
    if "kind" in fields:
        if request.kind is None:
            raise UnprocessableError("kind is person or office.")
        contact.kind = request.kind.value
    if "organization" in fields:
        contact.organization_id = _organization_id(session, request.organization, party)
    contact.version += 1
    contact.updated_at = utcnow()
    session.add(contact)
    session.flush()
    return get_contact(session=session, contact_id=contact_id)


def archive_contact(
    *, session: Session, contact_id: int, principal: Principal, if_match: IfMatch
) -> None:
    contact, _ = _load(session, contact_id, principal)
    if_match.check(contact.version)
    # Archived commitments block nothing; those the caller may not see block without being
    # named.
    leading = (
        select(Commitment.ref)
        .join(CommitmentLead, col(CommitmentLead.commitment_id) == col(Commitment.id))
        .where(
            col(CommitmentLead.contact_id) == contact_id,
            is_open(),
            col(Commitment.archived_at).is_(None),
        )
    )
    blocking = session.exec(leading.limit(1)).first() is not None
    areas = session.exec(
        select(AreaLead.area_id).where(col(AreaLead.contact_id) == contact_id)
    ).all()
    if blocking or areas:
        named = session.exec(leading.where(*visible_to(principal))).all()
        raise ConflictError(
            "This contact still leads open commitments or priority areas; name another lead first.",
            commitments=sorted(named),
        )
    contact.archived_at = utcnow()
    contact.version += 1
    session.add(contact)
    session.flush()
