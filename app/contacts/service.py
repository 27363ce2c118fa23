from sqlmodel import Session, col, select

from app.contacts.enums import ContactKind
from app.contacts.models import Contact, ContactPublic
from app.core.errors import NotFoundError
from app.parties.models import Organization, Party


def _contacts(session: Session, contact_id: int | None = None) -> list[ContactPublic]:
    statement = (
        select(Contact, col(Party.code), col(Organization.code))
        .join(Party, col(Party.id) == col(Contact.party_id))
        .outerjoin(Organization, col(Organization.id) == col(Contact.organization_id))
        .order_by(col(Party.code), col(Contact.name), col(Contact.id))
    )
    if contact_id is not None:
        statement = statement.where(col(Contact.id) == contact_id)
    return [
        ContactPublic(
            id=contact.id or 0,
            name=contact.name,
            kind=ContactKind(contact.kind),
            party=party_code,
            organization=organization_code,
            position=contact.position,
            email=contact.email,
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
