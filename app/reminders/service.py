"""Reminders to leads: what falls due within the reminder days, what is overdue (on the day,
then weekly) and what is stale, grouped into one mail per lead and run; each occasion is
mailed once (ReminderSent)."""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlmodel import Session, col

from app.commitments import Commitment, CommitmentLead, CommitmentReleasability
from app.contacts.models import Contact
from app.core.changes import UNCHANGED
from app.deadlines.conditions import is_open, stale_on
from app.jobs.service import JobContext
from app.parties.models import Party
from app.reminders.mail import Mailer, compose
from app.reminders.models import ReminderSent


@dataclass(frozen=True)
class Item:
    commitment_id: int
    ref: str
    title: str
    quote: str | None
    due_date: date | None
    occasion: str
    reason: str


@dataclass
class Reminder:
    """One mail: a lead and what they are reminded of."""

    contact_id: int
    name: str
    email: str
    party: str
    items: list[Item] = field(default_factory=list)


def _occasion(due: date | None, on: date, days: list[int]) -> tuple[str, str] | None:
    """The reminder a due date calls for on `on`: overdue (weekly from the day after), or due
    within the smallest reminder day that has come."""
    if due is None:
        return None
    left = (due - on).days
    if left < 0:
        week = (-left - 1) // 7
        return f"overdue:{due}:{week}", f"{-left} day(s) overdue (due {due})"
    reached = [n for n in sorted(days) if left <= n]
    if not reached:
        return None
    return f"due:{due}:{reached[0]}", f"due {due}, in {left} day(s)"


def _rows(session: Session, on: date, stale_days: int) -> list[Any]:
    """Open commitments with a lead who has an e-mail, each releasable to the lead's party
    (a lead is never told of what their party may not see)."""
    releasable = (
        select(col(CommitmentReleasability.commitment_id))
        .where(
            col(CommitmentReleasability.commitment_id) == col(Commitment.id),
            col(CommitmentReleasability.party_id) == col(CommitmentLead.party_id),
        )
        .exists()
    )
    statement = (
        select(
            col(Contact.id),
            col(Contact.name),
            col(Contact.email),
            col(Party.code),
            col(Commitment.id),
            col(Commitment.ref),
            col(Commitment.title),
            col(Commitment.quote),
            col(Commitment.due_date),
            stale_on(on, stale_days).label("stale"),
        )
        .join(CommitmentLead, col(CommitmentLead.commitment_id) == col(Commitment.id))
        .join(Contact, col(Contact.id) == col(CommitmentLead.contact_id))
        .join(Party, col(Party.id) == col(CommitmentLead.party_id))
        .where(
            is_open(),
            col(Commitment.archived_at).is_(None),
            col(Contact.archived_at).is_(None),
            col(Contact.email).is_not(None),
            releasable,
        )
        .order_by(col(Contact.id), col(Commitment.due_date), col(Commitment.ref))
    )
    return list(session.execute(statement))


def _sent(session: Session) -> set[tuple[int, int, str]]:
    rows = session.execute(
        select(
            col(ReminderSent.contact_id),
            col(ReminderSent.commitment_id),
            col(ReminderSent.occasion),
        )
    )
    return {(contact, commitment, occasion) for contact, commitment, occasion in rows}


def due_reminders(
    *, session: Session, on: date, days: list[int], stale_days: int
) -> list[Reminder]:
    """The mails a run on `on` sends: one per lead, each occasion not mailed before."""
    sent = _sent(session)
    week = on.isocalendar()
    reminders: dict[int, Reminder] = {}
    for contact, name, email, party, commitment, ref, title, quote, due, stale in _rows(
        session, on, stale_days
    ):
        occasion = _occasion(due, on, days)
        if occasion is None and stale:
            occasion = (f"stale:{week.year}-W{week.week:02}", f"no note for {stale_days} days")
        if occasion is None or (contact, commitment, occasion[0]) in sent:
            continue
        reminder = reminders.setdefault(contact, Reminder(contact, name, email, party))
        reminder.items.append(Item(commitment, ref, title, quote, due, *occasion))
    return list(reminders.values())


def _record(session: Session, reminder: Reminder, at: datetime) -> None:
    session.execute(
        insert(ReminderSent),
        [
            {
                "contact_id": reminder.contact_id,
                "commitment_id": item.commitment_id,
                "occasion": item.occasion,
                "sent_at": at,
            }
            for item in reminder.items
        ],
        execution_options={UNCHANGED: True},
    )


def send_reminders(context: JobContext) -> str:
    """The reminders job: mail each lead once for this run; a dry run prints the mails."""
    settings = context.settings
    on = context.now.astimezone(settings.zone).date()
    with context.database.transaction(write=False) as session:
        reminders = due_reminders(
            session=session, on=on, days=settings.reminder_days, stale_days=settings.stale_days
        )
    if context.dry_run:
        for reminder in reminders:
            context.echo(compose(reminder, settings).as_string())
        return f"would mail {len(reminders)} lead(s)"
    if settings.smtp_host is None:
        return f"{len(reminders)} lead(s) to remind; no SMTP host set, nothing sent"
    mailed = 0
    with Mailer(settings) as mailer:
        for reminder in reminders:
            mailer.send(compose(reminder, settings))
            # Recorded as soon as it is sent: a failure later in the run mails no one twice.
            with context.database.transaction() as session:
                _record(session, reminder, context.now)
            mailed += 1
    items = sum(len(reminder.items) for reminder in reminders)
    return f"mailed {mailed} lead(s) about {items} commitment(s)"
