"""Commitments as they stood at a past moment, rebuilt by replaying their field-level history;
and one commitment's past in its public form."""

from collections.abc import Iterable
from dataclasses import fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from app.commitments.linked import ContactLink, CycleLink, LeadLink, Linked, PartyLink
from app.commitments.models import Commitment, CommitmentPublic
from app.commitments.past_state import PastCommitment, PastCycle
from app.commitments.queries import PublicRow, get_commitment, public_query
from app.commitments.rendering import public_form_of
from app.core.config import get_settings
from app.core.errors import NotFoundError
from app.core.metadata import id_of
from app.core.security import Principal
from app.history import CommitmentHistory, CycleField, parse_cycle_field
from app.reference import Contact

# The fields the history records by their own names (it stores days as ISO strings).
_RECORDED = frozenset(f.name for f in fields(PastCommitment)) - {
    "commitment_id",
    "created_at",
    "version",
    "changed_at",
    "created",
    "completed_at",
    "cycles",
}
_DAYS = frozenset({"due_date", "completed_on", "last_note_on"})


def end_of(day: date) -> datetime:
    """The first moment after `day` in the configured timezone, in UTC."""
    local = datetime.combine(day + timedelta(days=1), time.min, tzinfo=get_settings().zone)
    return local.astimezone(UTC)


def local_date(moment: datetime) -> date:
    return moment.astimezone(get_settings().zone).date()


def _day(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _apply_to_cycle(past: PastCommitment, cycle: CycleField, value: Any) -> None:
    if cycle.attribute is None:
        initial = value or {}
        past.cycles[cycle.key] = PastCycle(
            cycle.key, due_date=_day(initial.get("due_date")), meeting=initial.get("meeting")
        )
        return
    changed = past.cycles.setdefault(cycle.key, PastCycle(cycle.key))
    setattr(changed, cycle.attribute, _day(value) if cycle.attribute in _DAYS else value)


def _apply(past: PastCommitment, entry: CommitmentHistory) -> None:
    past.version = max(past.version, entry.version)
    past.changed_at = entry.changed_at
    name, value = entry.field, entry.new_value
    cycle = parse_cycle_field(name)
    if cycle is not None:
        _apply_to_cycle(past, cycle, value)
    elif name == "created":
        past.created = True
    elif name in _RECORDED:
        setattr(past, name, _day(value) if name in _DAYS else value)
    if name == "status":
        past.completed_at = entry.changed_at if value == "completed" else None


def past_commitments(
    *, session: Session, until: datetime, commitments: Iterable[Commitment]
) -> dict[int, PastCommitment]:
    """Each of `commitments` that was in the register before `until`, as it stood then."""
    pasts = {id_of(c): PastCommitment.before_history(c) for c in commitments}
    statement = select(CommitmentHistory).where(
        col(CommitmentHistory.changed_at) < until,
        col(CommitmentHistory.commitment_id).in_(pasts),
    )
    for entry in session.exec(statement.order_by(col(CommitmentHistory.id))):
        _apply(pasts[entry.commitment_id], entry)
    return {key: past for key, past in pasts.items() if past.created}


def get_commitment_as_of(
    *, session: Session, ref: str, principal: Principal, on: date
) -> CommitmentPublic:
    """The commitment as it stood at the end of `on`, rebuilt from its history."""
    until = end_of(on)
    commitment = get_commitment(session=session, ref=ref, principal=principal, past_at=until)
    past = past_commitments(session=session, until=until, commitments=[commitment]).get(
        id_of(commitment)
    )
    if past is None or (past.archived and not principal.is_admin):
        raise NotFoundError(f"Commitment {ref!r} was not in the register on {on.isoformat()}.")
    current = (
        session.connection()
        .execute(public_query(principal).where(col(Commitment.id) == commitment.id))
        .one()
    )
    row = PublicRow(*current)._replace(
        title=past.title,
        description=past.description,
        status=past.status,
        kind=past.kind,
        assessments=past.assessments,
        brought_under_framework=past.brought_under_framework,
        due_date=past.due_date,
        due_rule=past.due_rule,
        recurrence=past.recurrence,
        percent_complete=past.percent_complete,
        last_note_on=past.last_note_on,
        completed_on=past.completed_on,
        version=past.version,
        updated_at=past.changed_at or commitment.updated_at,
        archived_at=past.changed_at if past.archived else None,
    )
    return CommitmentPublic.model_validate(public_form_of(row, _past_links(session, past), on))


def _past_links(session: Session, past: PastCommitment) -> Linked:
    contact_ids = [*past.leads.values(), *past.supporting_contacts]
    contacts = {
        contact.id: contact
        for contact in session.connection().execute(
            sa_select(col(Contact.id), col(Contact.name), col(Contact.kind)).where(
                col(Contact.id).in_(contact_ids)
            )
        )
    }
    return Linked(
        obligors=_party_links(past.parties, past.obligor_organizations),
        counterparts=_party_links(past.counterparts, past.counterpart_organizations),
        areas=past.areas,
        topics=past.topics,
        leads=[
            LeadLink(party, ContactLink._make(contacts[contact_id]))
            for party, contact_id in sorted(past.leads.items())
            if contact_id in contacts
        ],
        supporting=[
            ContactLink._make(contacts[i]) for i in past.supporting_contacts if i in contacts
        ],
        releasable=past.releasable_to,
        cycles=[
            CycleLink(c.key, c.meeting, c.due_date, c.status, c.completed_on, order)
            for order, c in enumerate(past.cycles_in_due_order())
        ],
    )


def _party_links(codes: list[str], organizations: dict[str, str]) -> list[PartyLink]:
    return [PartyLink(code, organizations.get(code)) for code in sorted(codes)]
