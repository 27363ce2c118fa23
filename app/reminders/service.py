"""Reminders to leads: what falls due within the reminder days, what is overdue (on the day,
then weekly) and what is stale, grouped into one mail per lead and run; each occasion is
mailed once (ReminderSent)."""

from dataclasses import dataclass, replace
from dataclasses import field as default
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ColumnElement, and_, case, delete, select, union, update
from sqlmodel import Session, col

from app.commitments import (
    Commitment,
    CommitmentArea,
    CommitmentLead,
    CommitmentParty,
    CommitmentReleasability,
    is_open,
    stale_on,
)
from app.core.changes import UNCHANGED
from app.core.errors import ConflictError
from app.reference import AreaLead, Contact, Party, readable_by_party
from app.reminders.claims import Hold, claim
from app.reminders.enums import Mailing, ReminderKind
from app.reminders.models import PartyDigestSent, ReminderSent
from app.reminders.wording import Occasion
from app.users import service as users


@dataclass(frozen=True)
class Item:
    commitment_id: int
    ref: str
    title: str
    quote: str | None
    due_date: date | None
    # The occasions this mail covers, the most pressing (the one it gives as the reason) first.
    occasions: tuple[Occasion, ...]

    @property
    def occasion(self) -> Occasion:
        return self.occasions[0]


@dataclass
class Reminder:
    """One mail: a lead and what they are reminded of."""

    contact_id: int
    name: str
    email: str
    party: str
    language: str | None
    items: list[Item] = default(default_factory=list)
    # Left out of this mail past ITEMS_PER_MAIL: mailed at later runs, as their occasions last.
    more: int = 0


ITEMS_PER_MAIL = 100
# The most pressing first: what a long mail lists before it is cut.
URGENCY = (ReminderKind.overdue, ReminderKind.due, ReminderKind.stale, ReminderKind.digest)


def _pressing_first(item: Item) -> tuple[int, date, str]:
    return (URGENCY.index(item.occasion.kind), item.due_date or date.max, item.ref)


def _cut(reminder: Reminder) -> Reminder:
    """At most ITEMS_PER_MAIL items, the most pressing; the rest only counted."""
    ordered = sorted(reminder.items, key=_pressing_first)
    reminder.items, reminder.more = ordered[:ITEMS_PER_MAIL], len(ordered[ITEMS_PER_MAIL:])
    return reminder


def week_of(on: date) -> str:
    """The ISO week of a day ("2027-W09"): what a weekly mail is sent once for."""
    week = on.isocalendar()
    return f"{week.year}-W{week.week:02}"


def _by_due_date(due: date | None, on: date, days: list[int]) -> Occasion | None:
    """The reminder a due date calls for on `on`: overdue (weekly from the day after), or due
    within the smallest reminder day that has come."""
    if due is None:
        return None
    left = (due - on).days
    if left < 0:
        week = (-left - 1) // 7
        return Occasion(ReminderKind.overdue, f"overdue:{due}:{week}", due, -left)
    reached = [n for n in sorted(days) if left <= n]
    if not reached:
        return None
    return Occasion(ReminderKind.due, f"due:{due}:{reached[0]}", due, left)


@dataclass(frozen=True)
class Calendar:
    """What a run on `on` reminds of, by the settings."""

    on: date
    days: list[int]
    stale_days: int
    digest_weekday: int

    def occasions(self, due: date | None, stale: bool) -> list[Occasion]:
        """Every reminder a commitment calls for, the most pressing first."""
        this_week = week_of(self.on)
        found = [_by_due_date(due, self.on, self.days)]
        if stale:
            found.append(Occasion(ReminderKind.stale, f"stale:{this_week}", due, self.stale_days))
        if self.on.weekday() == self.digest_weekday:
            found.append(Occasion(ReminderKind.digest, f"digest:{this_week}", due, 0))
        return [occasion for occasion in found if occasion is not None]


def _leads() -> Any:
    """Who is reminded of what, for which party: each commitment's lead for a party; where a
    party has no lead with an e-mail, the lead of the commitment's priority area for it."""
    reachable = (
        select(col(CommitmentLead.commitment_id))
        .join(Contact, col(Contact.id) == col(CommitmentLead.contact_id))
        .where(
            col(CommitmentLead.commitment_id) == col(CommitmentParty.commitment_id),
            col(CommitmentLead.party_id) == col(CommitmentParty.party_id),
            col(Contact.email).is_not(None),
            col(Contact.archived_at).is_(None),
        )
        .exists()
    )
    own = select(
        col(CommitmentLead.commitment_id),
        col(CommitmentLead.party_id),
        col(CommitmentLead.contact_id),
    )
    by_area = (
        select(
            col(CommitmentParty.commitment_id),
            col(CommitmentParty.party_id),
            col(AreaLead.contact_id),
        )
        .join(
            CommitmentArea, col(CommitmentArea.commitment_id) == col(CommitmentParty.commitment_id)
        )
        .join(
            AreaLead,
            and_(
                col(AreaLead.area_id) == col(CommitmentArea.area_id),
                col(AreaLead.party_id) == col(CommitmentParty.party_id),
            ),
        )
        .where(~reachable)
    )
    return union(own, by_area).subquery("reminded")


def _quote_for(party_id: ColumnElement[int]) -> ColumnElement[str | None]:
    """The commitment's source quote, for a party that reads its statement (none otherwise:
    the documents' rule of what of a source a party sees)."""
    return case(
        (col(Commitment.document_id).is_(None), col(Commitment.quote)),
        (readable_by_party(col(Commitment.document_id), party_id), col(Commitment.quote)),
        else_=None,
    ).label("quote")


def _rows(session: Session, on: date, stale_days: int) -> list[Any]:
    """Open commitments with a lead who has an e-mail, each releasable to the lead's party
    (a lead is never told of what their party may not see)."""
    leads = _leads()
    releasable = (
        select(col(CommitmentReleasability.commitment_id))
        .where(
            col(CommitmentReleasability.commitment_id) == col(Commitment.id),
            col(CommitmentReleasability.party_id) == leads.c.party_id,
        )
        .exists()
    )
    statement = (
        select(
            col(Contact.id),
            col(Contact.name),
            col(Contact.email),
            col(Party.code),
            col(Contact.language),
            col(Contact.reminders_opt_out),
            col(Commitment.id),
            col(Commitment.ref),
            col(Commitment.title),
            _quote_for(leads.c.party_id),
            col(Commitment.due_date),
            stale_on(on, stale_days).label("stale"),
        )
        .join(leads, leads.c.commitment_id == col(Commitment.id))
        .join(Contact, col(Contact.id) == leads.c.contact_id)
        .join(Party, col(Party.id) == leads.c.party_id)
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


def remembered_days(reminder_days: list[int]) -> int:
    """How far back a record of a mailed reminder can still matter: a reminder due within n
    days was mailed at most n days before, an overdue, stale or digest one within the week."""
    return max(reminder_days) + 8


def _sent(session: Session, calendar: Calendar) -> set[tuple[int, int, str]]:
    since = datetime.combine(calendar.on, time.min, tzinfo=UTC) - timedelta(
        days=remembered_days(calendar.days)
    )
    rows = session.execute(
        select(
            col(ReminderSent.contact_id),
            col(ReminderSent.commitment_id),
            col(ReminderSent.occasion),
        ).where(col(ReminderSent.sent_at) >= since, col(ReminderSent.state) == Mailing.sent.value)
    )
    return {(contact, commitment, occasion) for contact, commitment, occasion in rows}


def due_reminders(*, session: Session, calendar: Calendar) -> list[Reminder]:
    """The mails a run sends: one per lead, with each commitment once, for the most pressing
    occasion the lead has not opted out of and was not mailed before (the mail covers the
    commitment's other occasions of the day too); at most ITEMS_PER_MAIL a mail. What another
    run is sending is listed too: claiming it (claim_reminder) tells it apart."""
    sent = _sent(session, calendar)
    reminders: dict[int, Reminder] = {}
    for row in _rows(session, calendar.on, calendar.stale_days):
        contact, name, email, party, language, opted_out = row[:6]
        commitment, ref, title, quote, due, stale = row[6:]
        wanted = [
            occasion
            for occasion in calendar.occasions(due, stale)
            if occasion.kind.value not in (opted_out or [])
        ]
        unsent = [o for o in wanted if (contact, commitment, o.key) not in sent]
        if not unsent:
            continue
        reminder = reminders.setdefault(contact, Reminder(contact, name, email, party, language))
        reminder.items.append(Item(commitment, ref, title, quote, due, tuple(unsent)))
    return [_cut(reminder) for reminder in reminders.values()]


def prune_reminders_sent(
    *, session: Session, now: datetime, retention_days: int, reminder_days: list[int]
) -> int:
    """Delete the records of reminders and party digests mailed more than `retention_days`
    ago, keeping those that can still stop a second mail however short the retention."""
    before = now - timedelta(days=max(retention_days, remembered_days(reminder_days)))
    reminders = session.execute(
        delete(ReminderSent).where(col(ReminderSent.sent_at) < before),
        execution_options={UNCHANGED: True},
    )
    digests = session.execute(
        delete(PartyDigestSent).where(col(PartyDigestSent.sent_at) < before),
        execution_options={UNCHANGED: True},
    )
    return int(reminders.rowcount or 0) + int(digests.rowcount or 0)  # type: ignore[attr-defined]


def claim_reminder(
    *, session: Session, reminder: Reminder, at: datetime, hold: Hold
) -> Reminder | None:
    """The reminder narrowed to the occasions `hold` claimed (app.reminders.claims); None when
    another run holds or has sent every one."""
    keys = [
        (reminder.contact_id, item.commitment_id, occasion.key)
        for item in reminder.items
        for occasion in item.occasions
    ]
    claimed = claim(session=session, record=ReminderSent, keys=keys, at=at, hold=hold)
    items = [
        replace(item, occasions=kept)
        for item in reminder.items
        if (
            kept := tuple(
                occasion
                for occasion in item.occasions
                if (reminder.contact_id, item.commitment_id, occasion.key) in claimed
            )
        )
    ]
    return replace(reminder, items=items) if items else None


class ReminderPreferences(BaseModel):
    model_config = ConfigDict(extra="forbid")

    opt_out: list[ReminderKind] = Field(
        default_factory=list, max_length=len(ReminderKind), description="Kinds not to be mailed"
    )


def _own_contact(session: Session, user_id: int) -> int:
    contact = users.contact_of(session=session, user_id=user_id)
    if contact is None:
        raise ConflictError(
            "Your user is not linked to a point of contact; an administrator links it "
            "(PATCH /api/v1/users/{id} with contact_id)."
        )
    return contact


def preferences_of(*, session: Session, user_id: int) -> ReminderPreferences:
    contact = _own_contact(session, user_id)
    stored = session.execute(
        select(col(Contact.reminders_opt_out)).where(col(Contact.id) == contact)
    ).scalar()
    return ReminderPreferences(opt_out=[ReminderKind(kind) for kind in stored or []])


def set_preferences(
    *, session: Session, user_id: int, preferences: ReminderPreferences
) -> ReminderPreferences:
    """The reminders a user, as the point of contact they are, does not want."""
    contact = _own_contact(session, user_id)
    kinds = sorted({kind.value for kind in preferences.opt_out})
    session.execute(
        update(Contact).where(col(Contact.id) == contact).values(reminders_opt_out=kinds),
        execution_options={UNCHANGED: True},
    )
    return preferences_of(session=session, user_id=user_id)
