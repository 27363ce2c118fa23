from sqlmodel import Session, col, select

from app.core.errors import NotFoundError
from app.meetings.models import Meeting, MeetingPublic, MeetingSeries


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
