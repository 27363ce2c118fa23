from sqlmodel import Session, col, select

from app.commitments import (
    Commitment,
    Deadline,
    anchored_to,
    apply_changes,
    derive_deadline,
    interval_recurring,
    meeting_change_reason,
)
from app.core.errors import ConflictError, NotFoundError, UnprocessableError
from app.core.etags import IfMatch
from app.core.metadata import id_of
from app.core.security import Actor, Principal, Role, require_role
from app.history import Change
from app.reference import Meeting, MeetingCreate, MeetingPublic, MeetingSeries, MeetingUpdate


def _meetings(session: Session, key: str | None = None) -> list[MeetingPublic]:
    statement = (
        select(Meeting, MeetingSeries)
        .join(MeetingSeries, col(MeetingSeries.id) == col(Meeting.series_id))
        .order_by(
            col(MeetingSeries.code), col(Meeting.number), col(Meeting.held_on), col(Meeting.key)
        )
    )
    if key is not None:
        statement = statement.where(col(Meeting.key) == key.upper())
    return [
        MeetingPublic(
            key=meeting.key,
            series=series.code,
            series_name=series.name,
            number=meeting.number,
            title=meeting.title,
            held_on=meeting.held_on,
            place=meeting.place,
            version=meeting.version,
        )
        for meeting, series in session.execute(statement)
    ]


def list_meetings(*, session: Session) -> list[MeetingPublic]:
    return _meetings(session)


def get_meeting(*, session: Session, key: str) -> MeetingPublic:
    found = _meetings(session, key)
    if not found:
        raise NotFoundError(f"No meeting {key!r}.")
    return found[0]


def create_meeting(
    *, session: Session, request: MeetingCreate, principal: Principal
) -> MeetingPublic:
    require_role(principal, Role.admin)
    series = session.exec(
        select(MeetingSeries).where(col(MeetingSeries.code) == request.series.upper())
    ).first()
    if series is None:
        raise UnprocessableError(f"Unknown meeting series {request.series!r}.")
    if request.key is None and request.number is None:
        raise UnprocessableError("Give the meeting's number, or a key.")
    key = (request.key or f"{series.code}-{request.number}").upper()
    clash = session.exec(
        select(Meeting).where(
            (col(Meeting.key) == key)
            | ((col(Meeting.series_id) == series.id) & (col(Meeting.number) == request.number))
        )
    ).first()
    if clash is not None:
        raise ConflictError(f"Meeting {clash.key} already exists.")
    meeting = Meeting(
        key=key,
        series_id=id_of(series),
        number=request.number,
        title=request.title,
        held_on=request.held_on,
        place=request.place,
    )
    session.add(meeting)
    session.flush()
    follow_meeting(session=session, meeting=meeting, actor=principal.actor(), reason=f"{key} added")
    return get_meeting(session=session, key=key)


def update_meeting(
    *, session: Session, key: str, request: MeetingUpdate, principal: Principal, if_match: IfMatch
) -> MeetingPublic:
    """Schedule or move a meeting; every due date that follows it is recomputed."""
    require_role(principal, Role.admin)
    meeting = session.exec(
        select(Meeting).where(col(Meeting.key) == key.upper()).with_for_update()
    ).first()
    if meeting is None:
        raise NotFoundError(f"No meeting {key!r}.")
    if_match.check(meeting.version)
    previous = meeting.held_on
    for field in request.model_fields_set & {"held_on", "place", "title"}:
        setattr(meeting, field, getattr(request, field))
    meeting.version += 1
    session.add(meeting)
    session.flush()
    if meeting.held_on != previous:
        reason = meeting_change_reason(meeting, previous)
        follow_meeting(session=session, meeting=meeting, actor=principal.actor(), reason=reason)
    return get_meeting(session=session, key=meeting.key)


def follow_meeting(*, session: Session, meeting: Meeting, actor: Actor, reason: str) -> int:
    """Recompute the due dates and cycles that follow the meeting's series; return how many
    commitments changed. Each change is in their history, with the reason."""
    return refresh_deadlines(
        session=session, commitments=anchored_to(session, meeting), actor=actor, reason=reason
    )


def extend_interval_cycles(*, session: Session, actor: Actor) -> int:
    """Add the cycles of yearly and quarterly commitments that time has brought into view."""
    return refresh_deadlines(
        session=session,
        commitments=interval_recurring(session),
        actor=actor,
        reason="a new period came into view",
    )


def refresh_deadlines(
    *, session: Session, commitments: list[Commitment], actor: Actor, reason: str
) -> int:
    changed = 0
    for commitment in commitments:
        derived = derive_deadline(
            session,
            commitment,
            Deadline(commitment.due_date, commitment.due_rule, commitment.recurrence),
        )
        changes = derived.cycle_changes
        if derived.due_date != commitment.due_date:
            changes |= Change.of("due_date", commitment.due_date, derived.due_date)
        if changes:
            apply_changes(
                session=session, commitment=commitment, changes=changes, actor=actor, reason=reason
            )
            changed += 1
    return changed
