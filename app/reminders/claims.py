"""Each mail is claimed before it is sent, so that any number of workers and overlapping runs
mail each reminder and each digest once.

A run claims a mail's rows (ReminderSent, PartyDigestSent) in a short transaction of its own:
it inserts those no run has claimed, and takes over those whose claim lapsed (its run died),
skipping on PostgreSQL the rows another transaction holds (FOR UPDATE SKIP LOCKED); SQLite
lets one writer in at a time. What another live run holds, or has sent, is left to it. The run
then sends the mail and marks its rows sent; a send that fails deletes them, and the mail is
due again at the next run.

The boundary: a run that dies after the server took a mail and before marking it sent leaves
its claim to lapse, and a later run mails it again (at least once, never lost). Any other way
a mail goes once (at most once per claim)."""

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from app.core.changes import UNCHANGED
from app.reminders.enums import Mailing
from app.reminders.models import PartyDigestSent, ReminderSent

Record = type[ReminderSent] | type[PartyDigestSent]
Key = tuple[Any, ...]


@dataclass(frozen=True)
class Hold:
    """One mail's claim: who holds it (a token of its own), from when and until when, by the
    wall clock (a run's `--at` may be any day)."""

    token: str
    now: datetime
    until: datetime

    @classmethod
    def taken(cls, now: datetime, seconds: float) -> "Hold":
        return cls(secrets.token_hex(16), now, now + timedelta(seconds=seconds))


def _keys(record: Record) -> tuple[str, ...]:
    return (
        ("contact_id", "commitment_id", "occasion")
        if record is ReminderSent
        else ("party_id", "week")
    )


def _insert(session: Session, record: Record) -> postgresql.Insert | sqlite.Insert:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(record)
    return sqlite.insert(record)


def claim(
    *, session: Session, record: Record, keys: Sequence[Key], at: datetime, hold: Hold
) -> set[Key]:
    """Claim the rows of `keys` (in the order of the table's unique key) for `hold`: those no
    run claimed, and those whose claim lapsed. The keys claimed."""
    names = _keys(record)
    columns = [getattr(record.__table__.c, name) for name in names]  # type: ignore[union-attr]
    held = {"sent_at": at, "state": Mailing.sending.value}
    held |= {"claimed_by": hold.token, "claimed_until": hold.until}
    # In one order everywhere: two runs inserting the same keys wait, never deadlock.
    rows = [dict(zip(names, key, strict=True)) | held for key in sorted(set(keys))]
    if not rows:
        return set()
    inserted = session.execute(
        _insert(session, record).values(rows).on_conflict_do_nothing().returning(*columns),
        execution_options={UNCHANGED: True},
    )
    claimed = {tuple(row) for row in inserted}
    rest = [key for key in sorted(set(keys)) if key not in claimed]
    if not rest:
        return claimed
    lapsed = (
        select(col(record.id))
        .where(
            tuple_(*columns).in_(rest),
            col(record.state) == Mailing.sending.value,
            col(record.claimed_until) < hold.now,
        )
        .with_for_update(skip_locked=True)
    )
    taken = session.execute(
        update(record)
        .where(col(record.id).in_(lapsed.scalar_subquery()))
        .values(held)
        .returning(*columns),
        execution_options={UNCHANGED: True},
    )
    return claimed | {tuple(row) for row in taken}


def mark_sent(*, session: Session, record: Record, hold: Hold) -> int:
    """The server took the mail: its rows are sent. How many were still held by `hold` (none
    when the claim lapsed and another run took it over)."""
    marked = session.execute(
        update(record)
        .where(col(record.claimed_by) == hold.token, col(record.state) == Mailing.sending.value)
        .values(state=Mailing.sent.value, claimed_by=None, claimed_until=None),
        execution_options={UNCHANGED: True},
    )
    return int(marked.rowcount or 0)  # type: ignore[attr-defined]


def release(*, session: Session, record: Record, hold: Hold) -> None:
    """The mail did not go: its rows are deleted, and it is due again at the next run."""
    session.execute(
        delete(record).where(
            col(record.claimed_by) == hold.token, col(record.state) == Mailing.sending.value
        ),
        execution_options={UNCHANGED: True},
    )
