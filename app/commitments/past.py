"""A commitment as it stood on a past day, rebuilt from its history."""

from datetime import date

from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from app.commitments.linked import ContactLink, CycleLink, LeadLink, Linked, PartyLink, as_date
from app.commitments.models import Commitment, CommitmentPublic
from app.commitments.queries import PublicRow, get_commitment, public_query
from app.commitments.rendering import public_form_of
from app.contacts.models import Contact
from app.core.errors import NotFoundError
from app.core.metadata import id_of
from app.core.security import Principal
from app.deadlines.models import CommitmentCycle
from app.history.replay import PastState, end_of, states_as_of


def past_cycles(state: PastState) -> list[CommitmentCycle]:
    """The cycles as they stood, as (unsaved) rows, in due order."""
    cycles = [
        CommitmentCycle(
            commitment_id=state.commitment_id,
            key=key,
            due_date=as_date(cycle["due_date"]),
            status=cycle["status"],
            completed_on=as_date(cycle["completed_on"]),
        )
        for key, cycle in state.cycles.items()
    ]
    return sorted(cycles, key=lambda c: (c.due_date is None, c.due_date or date.min, c.key))


def get_commitment_as_of(
    *, session: Session, ref: str, principal: Principal, on: date
) -> CommitmentPublic:
    """The commitment as it stood at the end of `on`, rebuilt from its history."""
    until = end_of(on)
    commitment = get_commitment(session=session, ref=ref, principal=principal, past_at=until)
    state = states_as_of(session=session, until=until, commitment_ids=[id_of(commitment)]).get(
        id_of(commitment)
    )
    if state is None or (state.get("archived", False) and not principal.is_admin):
        raise NotFoundError(f"Commitment {ref!r} was not in the register on {on.isoformat()}.")
    current = (
        session.connection()
        .execute(public_query(principal).where(col(Commitment.id) == commitment.id))
        .one()
    )
    row = PublicRow(*current)._replace(
        title=state.get("title", commitment.title),
        description=state.get("description"),
        status=state.get("status", commitment.status),
        kind=state.get("kind", commitment.kind),
        assessments=state.get("assessments"),
        brought_under_framework=state.get("brought_under_framework", False),
        due_date=as_date(state.get("due_date")),
        due_rule=state.get("due_rule"),
        recurrence=state.get("recurrence"),
        percent_complete=state.get("percent_complete"),
        last_note_on=as_date(state.get("last_note_on")),
        completed_on=as_date(state.get("completed_on")),
        version=state.version,
        updated_at=state.changed_at or commitment.updated_at,
        archived_at=state.changed_at if state.get("archived", False) else None,
    )
    return CommitmentPublic.model_validate(public_form_of(row, _past_links(session, state), on))


def _past_links(session: Session, state: PastState) -> Linked:
    contact_ids = [*state.get("leads", {}).values(), *state.get("supporting_contacts", [])]
    contacts = {
        contact.id: contact
        for contact in session.connection().execute(
            sa_select(col(Contact.id), col(Contact.name), col(Contact.kind)).where(
                col(Contact.id).in_(contact_ids)
            )
        )
    }
    return Linked(
        obligors=_party_links(state.get("parties", []), state.get("obligor_organizations", {})),
        counterparts=_party_links(
            state.get("counterparts", []), state.get("counterpart_organizations", {})
        ),
        areas=state.get("areas", []),
        topics=state.get("topics", []),
        leads=[
            LeadLink(party, ContactLink._make(contacts[contact_id]))
            for party, contact_id in sorted(state.get("leads", {}).items())
            if contact_id in contacts
        ],
        supporting=[
            ContactLink._make(contacts[i])
            for i in state.get("supporting_contacts", [])
            if i in contacts
        ],
        releasable=state.get("releasable_to", []),
        cycles=[
            CycleLink(
                c.key,
                state.cycles[c.key].get("meeting"),
                c.due_date,
                c.status,
                c.completed_on,
                order,
            )
            for order, c in enumerate(past_cycles(state))
        ],
    )


def _party_links(codes: list[str], organizations: dict[str, str]) -> list[PartyLink]:
    return [PartyLink(code, organizations.get(code)) for code in sorted(codes)]
