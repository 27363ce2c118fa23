"""Due dates that follow meetings, and the cycles of recurring commitments.

A rule ``{"series": "SCM", "occurrence": "next", "offset_days": -30}`` is anchored to one
meeting (commitment.due_meeting_id); "next" means the first meeting of the series after the
commitment was made. While that meeting has no date, or is not entered yet, the due date is to
be determined. A recurring commitment has a cycle per meeting of its series after it was made
(or per year or quarter from its start), each with its own due date and status; the
commitment's own due date is its earliest open cycle's.
"""

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any, Protocol

from sqlmodel import Session, col, select

from app.commitments.conditions import open_status
from app.commitments.models import Commitment
from app.core.errors import UnprocessableError
from app.core.metadata import id_of
from app.core.time import today, utcnow
from app.deadlines import CommitmentCycle, Compliance, DueRule, DueState, Interval, Recurrence
from app.history import Change, cycle_created, cycle_field
from app.reference import Meeting, MeetingSeries, SourceDocument
from app.vocabulary import CommitmentStatus

# Interval cycles are kept this far ahead of today.
HORIZON = timedelta(days=366)


def _series(session: Session, code: str) -> MeetingSeries:
    series = session.exec(select(MeetingSeries).where(col(MeetingSeries.code) == code)).first()
    if series is None:
        raise UnprocessableError(f"Unknown meeting series {code!r}.")
    return series


def _meetings(session: Session, series_id: int) -> list[Meeting]:
    return list(session.exec(select(Meeting).where(col(Meeting.series_id) == series_id)).all())


def origin(session: Session, commitment: Commitment) -> tuple[date, Meeting | None]:
    """When (and at which meeting) the commitment was made."""
    meeting = session.get(Meeting, commitment.meeting_id) if commitment.meeting_id else None
    if meeting is not None and meeting.held_on is not None:
        return meeting.held_on, meeting
    if commitment.document_id is not None:
        document = session.get(SourceDocument, commitment.document_id)
        if document is not None:
            return document.issued_on, meeting
    return commitment.created_at.date(), meeting


def _after_origin(
    meetings: Iterable[Meeting], made_on: date, made_at: Meeting | None
) -> list[Meeting]:
    """The meetings of one series that come after the commitment was made, in order."""
    if (
        made_at is not None
        and made_at.number is not None
        and any(m.series_id == made_at.series_id for m in meetings)
    ):
        later = [m for m in meetings if m.number is not None and m.number > made_at.number]
        return sorted(later, key=lambda m: m.number or 0)
    dated = sorted(
        (m for m in meetings if m.held_on and m.held_on > made_on),
        key=lambda m: m.held_on or made_on,
    )
    undated = sorted(
        (m for m in meetings if m.held_on is None), key=lambda m: (m.number or 0, m.key)
    )
    return dated + undated


def resolve(session: Session, commitment: Commitment, rule: DueRule) -> Meeting | None:
    """The meeting a rule is anchored to, or None while it is not entered yet."""
    series = _series(session, rule.series)
    meetings = _meetings(session, id_of(series))
    if isinstance(rule.occurrence, int):
        return next((m for m in meetings if m.number == rule.occurrence), None)
    made_on, made_at = origin(session, commitment)
    following = _after_origin(meetings, made_on, made_at)
    return following[0] if following else None


def shifted(day: date | None, offset_days: int) -> date | None:
    return None if day is None else day + timedelta(days=offset_days)


def ruled_due_date(
    session: Session, commitment: Commitment, rule: DueRule
) -> tuple[int | None, date | None]:
    """(anchor meeting id, due date) for a rule."""
    anchor = resolve(session, commitment, rule)
    return (anchor.id if anchor else None), shifted(
        anchor.held_on if anchor else None, rule.offset_days
    )


def _periods(recurrence: Recurrence, until: date) -> list[tuple[str, date]]:
    """(key, last day) of each year or quarter from the one holding `start` to `until`."""
    if recurrence.start is None or recurrence.every is None:
        return []
    periods: list[tuple[str, date]] = []
    year, quarter = recurrence.start.year, (recurrence.start.month - 1) // 3
    while True:
        if recurrence.every is Interval.year:
            key, start, end = str(year), date(year, 1, 1), date(year, 12, 31)
            year += 1
        else:
            start = date(year, quarter * 3 + 1, 1)
            following = date(year + 1, 1, 1) if quarter == 3 else date(year, quarter * 3 + 4, 1)
            key, end = f"{year}-Q{quarter + 1}", following - timedelta(days=1)
            quarter = (quarter + 1) % 4
            year += quarter == 0
        if start > until:
            return periods
        periods.append((key, end))


def planned_cycles(
    session: Session, commitment: Commitment, recurrence: Recurrence
) -> list[tuple[str, int | None, date | None]]:
    """(key, meeting id, due date) of every cycle the recurrence implies today."""
    if recurrence.series is not None:
        series = _series(session, recurrence.series)
        made_on, made_at = origin(session, commitment)
        following = _after_origin(_meetings(session, id_of(series)), made_on, made_at)
        return [(m.key, m.id, shifted(m.held_on, recurrence.offset_days)) for m in following]
    return [
        (key, None, end + timedelta(days=recurrence.offset_days))
        for key, end in _periods(recurrence, today() + HORIZON)
    ]


def cycles_of(session: Session, commitment_ids: list[int]) -> dict[int, list[CommitmentCycle]]:
    return {
        key: [cycle for cycle, _ in cycles]
        for key, cycles in cycles_with_meetings(session, commitment_ids).items()
    }


def sync_cycles(
    *, session: Session, commitment: Commitment, recurrence: Recurrence | None
) -> Change:
    """Create the cycles the recurrence implies and move their due dates; return the changes
    for the commitment's history."""
    changes = Change()
    if recurrence is None:
        return changes
    existing = {
        cycle.key: cycle for cycle in cycles_of(session, [id_of(commitment)])[id_of(commitment)]
    }
    meeting_keys = {m.id: m.key for m in session.exec(select(Meeting)).all()}
    for key, meeting_id, due in planned_cycles(session, commitment, recurrence):
        cycle = existing.get(key)
        if cycle is None:
            session.add(
                CommitmentCycle(
                    commitment_id=id_of(commitment), key=key, meeting_id=meeting_id, due_date=due
                )
            )
            changes |= Change.of(
                cycle_created(key),
                None,
                {"due_date": due, "meeting": meeting_keys.get(meeting_id or 0)},
            )
        elif cycle.due_date != due:
            changes |= Change.of(cycle_field(key, "due_date"), cycle.due_date, due)
            cycle.due_date, cycle.updated_at = due, utcnow()
            session.add(cycle)
    session.flush()
    return changes


def earliest_open_due(session: Session, commitment: Commitment) -> date | None:
    open_dates = [
        cycle.due_date
        for cycle in cycles_of(session, [id_of(commitment)])[id_of(commitment)]
        if open_status(cycle.status) and cycle.due_date is not None
    ]
    return min(open_dates, default=None)


class DueFacts(Protocol):
    """What a due state reads of a commitment (a tracked one, or a row of plain columns)."""

    @property
    def recurrence(self) -> dict[str, Any] | None: ...
    @property
    def due_rule(self) -> dict[str, Any] | None: ...
    @property
    def due_date(self) -> date | None: ...


class CycleFacts(Protocol):
    """What the public form and the compliance record read of a cycle."""

    @property
    def key(self) -> str: ...
    @property
    def due_date(self) -> date | None: ...
    @property
    def status(self) -> str: ...
    @property
    def completed_on(self) -> date | None: ...


def due_state(commitment: DueFacts, cycles: Sequence[CycleFacts]) -> DueState:
    if commitment.recurrence is not None:
        open_cycles = [c for c in cycles if open_status(c.status)]
        if not open_cycles:
            return DueState.none
        return DueState.scheduled if commitment.due_date else DueState.to_be_determined
    if commitment.due_rule is not None:
        return DueState.scheduled if commitment.due_date else DueState.to_be_determined
    return DueState.fixed if commitment.due_date else DueState.none


def cycle_document(cycle: CycleFacts, meeting_key: str | None) -> dict[str, Any]:
    """A cycle in CyclePublic's JSON form, ready to serialize."""
    on_time = None
    if cycle.completed_on is not None and cycle.due_date is not None:
        on_time = cycle.completed_on <= cycle.due_date
    return {
        "key": cycle.key,
        "meeting": meeting_key,
        "due_date": cycle.due_date,
        "due_state": (DueState.scheduled if cycle.due_date else DueState.to_be_determined).value,
        "status": cycle.status,
        "completed_on": cycle.completed_on,
        "on_time": on_time,
    }


def compliance(cycles: Sequence[CycleFacts], on: date) -> Compliance:
    due = [
        c for c in cycles if (c.due_date is not None and c.due_date < on) or c.status == "completed"
    ]
    completed = [c for c in due if c.status == CommitmentStatus.completed.value]
    on_time = [
        c for c in completed if c.completed_on and c.due_date and c.completed_on <= c.due_date
    ]
    missed = [c for c in due if open_status(c.status)]
    return Compliance(
        cycles_due=len(due),
        completed_on_time=len(on_time),
        completed_late=len(completed) - len(on_time),
        missed=len(missed),
        open=len([c for c in cycles if open_status(c.status)]),
    )


def find_cycle(session: Session, commitment: Commitment, key: str) -> CommitmentCycle:
    cycle = session.exec(
        select(CommitmentCycle).where(
            col(CommitmentCycle.commitment_id) == commitment.id,
            col(CommitmentCycle.key) == key.upper(),
        )
    ).first()
    if cycle is None:
        raise UnprocessableError(f"Commitment {commitment.ref} has no cycle {key!r}.")
    return cycle


def anchored_to(session: Session, meeting: Meeting) -> list[Commitment]:
    """Commitments whose due date or cycles may follow this meeting."""
    series = session.get(MeetingSeries, meeting.series_id)
    code = series.code if series else ""
    candidates = session.exec(
        select(Commitment).where(
            col(Commitment.archived_at).is_(None),
            (col(Commitment.due_rule).is_not(None)) | (col(Commitment.recurrence).is_not(None)),
        )
    ).all()
    return [
        c
        for c in candidates
        if (c.due_rule or {}).get("series") == code or (c.recurrence or {}).get("series") == code
    ]


def meeting_change_reason(meeting: Meeting, previous: date | None) -> str:
    if previous is None and meeting.held_on is not None:
        return f"{meeting.key} scheduled for {meeting.held_on.isoformat()}"
    was = previous.isoformat() if previous else "unset"
    if meeting.held_on is None:
        return f"{meeting.key} date withdrawn (was {was})"
    return f"{meeting.key} moved from {was} to {meeting.held_on.isoformat()}"


def cycles_with_meetings(
    session: Session, commitment_ids: list[int]
) -> dict[int, list[tuple[CommitmentCycle, str | None]]]:
    """Each commitment's cycles in due order (undated last), with their meetings' keys."""
    found: dict[int, list[tuple[CommitmentCycle, str | None]]] = {key: [] for key in commitment_ids}
    if not commitment_ids:
        return found
    for cycle, meeting_key in session.execute(
        select(CommitmentCycle, Meeting.key)
        .outerjoin(Meeting, col(Meeting.id) == col(CommitmentCycle.meeting_id))
        .where(col(CommitmentCycle.commitment_id).in_(commitment_ids))
        .order_by(
            col(CommitmentCycle.due_date).is_(None),
            col(CommitmentCycle.due_date),
            col(CommitmentCycle.id),
        )
    ):
        found[cycle.commitment_id].append((cycle, meeting_key))
    return found


def interval_recurring(session: Session) -> list[Commitment]:
    candidates = session.exec(
        select(Commitment).where(
            col(Commitment.archived_at).is_(None), col(Commitment.recurrence).is_not(None)
        )
    ).all()
    return [c for c in candidates if (c.recurrence or {}).get("every")]
