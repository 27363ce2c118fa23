from collections import defaultdict

from sqlmodel import Session, col, select

from app.parties.models import Organization, OrganizationPublic, Party, PartyPublic


def list_parties(*, session: Session) -> list[PartyPublic]:
    organizations: dict[int, list[OrganizationPublic]] = defaultdict(list)
    for organization in session.execute(
        select(Organization).order_by(col(Organization.code))
    ).scalars():
        organizations[organization.party_id].append(
            OrganizationPublic(code=organization.code, name=organization.name)
        )
    return [
        PartyPublic(code=party.code, name=party.name, organizations=organizations[party.id or 0])
        for party in session.execute(select(Party).order_by(col(Party.code))).scalars()
    ]
