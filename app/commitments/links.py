"""Writing a commitment's links (obligors, counterparts, areas, topics, leads, contacts,
releasability) from the state's form of them: codes, slugs and contact ids."""

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from app.commitments.models import (
    CommitmentArea,
    CommitmentContact,
    CommitmentCounterpart,
    CommitmentLead,
    CommitmentParty,
    CommitmentReleasability,
    CommitmentTopic,
)
from app.commitments.state import CommitmentState
from app.core.errors import UnprocessableError
from app.reference import Framework, Organization, Party, PriorityArea, Topic

PartyLink = type[CommitmentParty] | type[CommitmentCounterpart]


def ids_by_key(
    session: Session,
    model: type[Party] | type[PriorityArea] | type[Topic] | type[Organization],
    key: str,
    wanted: Iterable[str],
    what: str,
) -> dict[str, int]:
    wanted = set(wanted)
    if not wanted:
        return {}
    column = col(getattr(model, key))
    found = {
        value: id_
        for id_, value in session.execute(select(col(model.id), column).where(column.in_(wanted)))
    }
    missing = sorted(wanted - set(found))
    if missing:
        raise UnprocessableError(f"Unknown {what}: {', '.join(missing)}.")
    return found


def check_organizations(session: Session, organizations: Mapping[str, str]) -> None:
    """Each organization exists and belongs to the party it narrows."""
    if not organizations:
        return
    owners = dict(
        session.execute(
            select(col(Organization.code), col(Party.code))
            .join(Party, col(Party.id) == col(Organization.party_id))
            .where(col(Organization.code).in_(set(organizations.values())))
        ).all()
    )
    for party, organization in sorted(organizations.items()):
        if organization not in owners:
            raise UnprocessableError(f"Unknown organization: {organization}.")
        if owners[organization] != party:
            raise UnprocessableError(
                f"{organization} is an organization of {owners[organization]}, not {party}."
            )


def check_framework_dates(session: Session, state: CommitmentState, issued_on: date | None) -> None:
    """A framework's areas reach commitments made once it exists; an older commitment is
    placed under it only deliberately, flagged brought_under_framework."""
    if issued_on is None or state.brought_under_framework or not state.areas:
        return
    too_old = session.execute(
        select(col(PriorityArea.slug), col(Framework.name), col(Framework.adopted_on))
        .join(Framework, col(Framework.id) == col(PriorityArea.framework_id))
        .where(col(PriorityArea.slug).in_(state.areas), col(Framework.adopted_on) > issued_on)
        .order_by(col(PriorityArea.slug))
    ).first()
    if too_old is not None:
        area, framework, adopted_on = too_old
        raise UnprocessableError(
            f"{area} is an area of the {framework}, adopted on {adopted_on}, after this "
            f"commitment's statement ({issued_on}): set brought_under_framework to place it "
            "there deliberately."
        )


def _write_parties(session: Session, link: PartyLink, commitment_id: int, codes: Any) -> None:
    """Keep the rows of parties that stay (with their organization), add and remove others."""
    wanted = ids_by_key(session, Party, "code", codes, "party code(s)")
    current = set(
        session.execute(
            select(col(link.party_id)).where(col(link.commitment_id) == commitment_id)
        ).scalars()
    )
    if current - set(wanted.values()):
        session.execute(
            delete(link).where(
                col(link.commitment_id) == commitment_id,
                col(link.party_id).in_(current - set(wanted.values())),
            )
        )
    for party_id in sorted(set(wanted.values()) - current):
        session.add(link(commitment_id=commitment_id, party_id=party_id))
    session.flush()


def _write_organizations(
    session: Session, link: PartyLink, commitment_id: int, organizations: Mapping[str, str]
) -> None:
    party_ids = ids_by_key(session, Party, "code", organizations, "party code(s)")
    organization_ids = ids_by_key(
        session, Organization, "code", organizations.values(), "organization(s)"
    )
    session.flush()
    session.execute(
        update(link)
        .where(col(link.commitment_id) == commitment_id)
        .values(organization_id=None)
        .execution_options(synchronize_session=False)
    )
    for party, organization in organizations.items():
        session.execute(
            update(link)
            .where(col(link.commitment_id) == commitment_id, col(link.party_id) == party_ids[party])
            .values(organization_id=organization_ids[organization])
            .execution_options(synchronize_session=False)
        )


def _write_releasability(
    session: Session, commitment_id: int, codes: Iterable[str], history_from: datetime | None
) -> None:
    """Release to `codes`: parties that keep access keep the past they could see; parties
    that gain it see the past from `history_from` on (None: all of it)."""
    wanted = set(ids_by_key(session, Party, "code", codes, "party code(s)").values())
    current = set(
        session.execute(
            select(col(CommitmentReleasability.party_id)).where(
                col(CommitmentReleasability.commitment_id) == commitment_id
            )
        ).scalars()
    )
    if current - wanted:
        session.execute(
            delete(CommitmentReleasability).where(
                col(CommitmentReleasability.commitment_id) == commitment_id,
                col(CommitmentReleasability.party_id).in_(current - wanted),
            )
        )
    for party_id in sorted(wanted - current):
        session.add(
            CommitmentReleasability(
                commitment_id=commitment_id, party_id=party_id, history_from=history_from
            )
        )


def _replace_tags(
    session: Session,
    link: type[CommitmentArea] | type[CommitmentTopic],
    commitment_id: int,
    ids: Iterable[int],
) -> None:
    session.execute(delete(link).where(col(link.commitment_id) == commitment_id))
    for tag_id in ids:
        if link is CommitmentArea:
            session.add(CommitmentArea(commitment_id=commitment_id, area_id=tag_id))
        else:
            session.add(CommitmentTopic(commitment_id=commitment_id, topic_id=tag_id))


def _write_leads(session: Session, commitment_id: int, leads: Mapping[str, int]) -> None:
    session.execute(
        delete(CommitmentLead).where(col(CommitmentLead.commitment_id) == commitment_id)
    )
    party_ids = ids_by_key(session, Party, "code", leads, "party code(s)")
    for party, contact_id in leads.items():
        session.add(
            CommitmentLead(
                commitment_id=commitment_id, party_id=party_ids[party], contact_id=contact_id
            )
        )


def write_links(
    session: Session,
    commitment_id: int,
    field: str,
    value: Any,
    history_from: datetime | None = None,
) -> None:
    match field:
        case "releasable_to":
            _write_releasability(session, commitment_id, value, history_from)
        case "parties":
            _write_parties(session, CommitmentParty, commitment_id, value)
        case "obligor_organizations":
            _write_organizations(session, CommitmentParty, commitment_id, value)
        case "counterparts":
            _write_parties(session, CommitmentCounterpart, commitment_id, value)
        case "counterpart_organizations":
            _write_organizations(session, CommitmentCounterpart, commitment_id, value)
        case "areas":
            areas = ids_by_key(session, PriorityArea, "slug", value, "priority area(s)")
            _replace_tags(session, CommitmentArea, commitment_id, areas.values())
        case "topics":
            topics = ids_by_key(session, Topic, "slug", value, "topic(s)")
            _replace_tags(session, CommitmentTopic, commitment_id, topics.values())
        case "leads":
            _write_leads(session, commitment_id, value)
        case "supporting_contacts":
            session.execute(
                delete(CommitmentContact).where(
                    col(CommitmentContact.commitment_id) == commitment_id
                )
            )
            for contact_id in value:
                session.add(CommitmentContact(commitment_id=commitment_id, contact_id=contact_id))
