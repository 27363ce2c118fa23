"""What "open", "overdue", "due soon" and "stale" mean on a given day: each rule as an SQL
condition for queries and, beside it, as a Python predicate for what is rebuilt in memory (a
past day's register); tests/deadlines/test_conditions.py holds them to the same answers."""

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, and_, or_
from sqlmodel import col

from app.commitments.models import Commitment
from app.vocabulary import OPEN_VALUES

DEFAULT_DUE_SOON_DAYS = 30
DEFAULT_STALE_DAYS = 90


def is_open() -> ColumnElement[bool]:
    return col(Commitment.status).in_(OPEN_VALUES)


def open_status(status: str) -> bool:
    return status in OPEN_VALUES


def overdue_on(day: date) -> ColumnElement[bool]:
    """Due before `day` and not completed, cancelled or superseded. Without a due date it is
    false, not unknown (NULL), so that its negation holds too: not overdue."""
    due = col(Commitment.due_date)
    return and_(is_open(), due.is_not(None), due < day)


def overdue(status: str, due_date: date | None, day: date) -> bool:
    return open_status(status) and due_date is not None and due_date < day


def due_soon_on(day: date, days: int = DEFAULT_DUE_SOON_DAYS) -> ColumnElement[bool]:
    """Open and due from `day` to `day + days`, both included."""
    return and_(
        is_open(),
        col(Commitment.due_date) >= day,
        col(Commitment.due_date) <= day + timedelta(days=days),
    )


def due_soon(status: str, due_date: date | None, day: date, days: int) -> bool:
    return (
        open_status(status)
        and due_date is not None
        and day <= due_date <= day + timedelta(days=days)
    )


def stale_on(day: date, days: int) -> ColumnElement[bool]:
    """Open, and no progress note nor creation in the `days` before `day` (a note dated
    before the commitment entered the register, such as a statement's own evidence, does not
    make a new entry stale)."""
    since = day - timedelta(days=days)
    return and_(
        is_open(),
        col(Commitment.created_at) < _start_of(since),
        or_(col(Commitment.last_note_on).is_(None), col(Commitment.last_note_on) < since),
    )


def stale(
    status: str, last_note_on: date | None, created_at: datetime, day: date, days: int
) -> bool:
    since = day - timedelta(days=days)
    if not open_status(status) or created_at >= _start_of(since):
        return False
    return last_note_on is None or last_note_on < since


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)
