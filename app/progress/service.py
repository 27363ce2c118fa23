"""Progress notes: appended, never edited; a correction is a later note pointing at the first."""

from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from app.core.errors import UnprocessableError
from app.core.metadata import id_of
from app.core.security import Actor
from app.core.time import today
from app.deadlines import CommitmentCycle
from app.progress.models import NoteCreate, NotePublic, ProgressNote
from app.vocabulary import CommitmentStatus

# A note reports progress as of a day: not in the future (a day's grace for the time zones),
# nor further back than any statement the register tracks.
NOTE_DAYS_BACK = 20 * 366
NOTE_DAYS_AHEAD = 1


def _check_note_day(day: date) -> None:
    now = today()
    earliest, latest = now - timedelta(days=NOTE_DAYS_BACK), now + timedelta(days=NOTE_DAYS_AHEAD)
    if not earliest <= day <= latest:
        raise UnprocessableError(
            f"A note's as_of falls between {earliest.isoformat()} and {latest.isoformat()}."
        )


def insert_note(
    *,
    session: Session,
    commitment_id: int,
    request: NoteCreate,
    actor: Actor,
    as_of: date,
    status_change: tuple[str, str] | None = None,
    cycle_id: int | None = None,
    visible_since: datetime | None = None,
) -> ProgressNote:
    """Append a note; `visible_since` limits the notes it may correct to those its author's
    party may see."""
    _check_note_day(as_of)
    corrects_id = None
    if request.corrects is not None:
        corrected = session.exec(
            select(ProgressNote).where(col(ProgressNote.public_id) == request.corrects)
        ).first()
        if (
            corrected is None
            or corrected.commitment_id != commitment_id
            or (visible_since is not None and corrected.created_at < visible_since)
        ):
            raise UnprocessableError(f"Note {request.corrects} is not a note of this commitment.")
        corrects_id = corrected.id
    note = ProgressNote(
        commitment_id=commitment_id,
        author_id=actor.user_id,
        author_name=actor.name,
        text=request.text,
        evidence_url=str(request.evidence_url) if request.evidence_url else None,
        percent_complete=request.percent_complete,
        status_from=status_change[0] if status_change else None,
        status_to=status_change[1] if status_change else None,
        as_of=as_of,
        corrects_id=corrects_id,
        cycle_id=cycle_id,
    )
    session.add(note)
    session.flush()
    return note


def has_note(*, session: Session, commitment_id: int, author: Actor, text: str) -> bool:
    """Whether `author` already wrote this note on the commitment."""
    return (
        session.exec(
            select(ProgressNote.id).where(
                col(ProgressNote.commitment_id) == commitment_id,
                col(ProgressNote.author_id) == author.user_id
                if author.user_id is not None
                else col(ProgressNote.author_id).is_(None),
                col(ProgressNote.author_name) == author.name,
                col(ProgressNote.text) == text,
            )
        ).first()
        is not None
    )


def has_evidence(*, session: Session, commitment_id: int) -> bool:
    return (
        session.exec(
            select(ProgressNote.id).where(
                col(ProgressNote.commitment_id) == commitment_id,
                col(ProgressNote.evidence_url).is_not(None),
            )
        ).first()
        is not None
    )


def list_notes(
    *, session: Session, commitment_id: int, since: datetime | None = None
) -> list[NotePublic]:
    """The notes, by day; only those written from `since` on, when the reader may see the
    commitment's past only from then."""
    statement = (
        select(ProgressNote, CommitmentCycle.key)
        .outerjoin(CommitmentCycle, col(CommitmentCycle.id) == col(ProgressNote.cycle_id))
        .where(col(ProgressNote.commitment_id) == commitment_id)
    )
    if since is not None:
        statement = statement.where(col(ProgressNote.created_at) >= since)
    rows = session.execute(statement.order_by(col(ProgressNote.as_of), col(ProgressNote.id))).all()
    public_ids = {id_of(note): note.public_id for note, _ in rows}
    corrected_by: dict[int, list[str]] = defaultdict(list)
    for note, _ in rows:
        if note.corrects_id is not None:
            corrected_by[note.corrects_id].append(note.public_id)
    return [
        note_public(
            note,
            cycle_key,
            corrected_by[id_of(note)],
            public_ids.get(note.corrects_id) if note.corrects_id is not None else None,
        )
        for note, cycle_key in rows
    ]


def note_public(
    note: ProgressNote,
    cycle_key: str | None = None,
    corrected_by: list[str] | None = None,
    corrects: str | None = None,
) -> NotePublic:
    """A note in its public form; `corrects`: the public id of the note it corrects."""
    return NotePublic(
        id=note.public_id,
        text=note.text,
        evidence_url=note.evidence_url,
        percent_complete=note.percent_complete,
        status_from=CommitmentStatus(note.status_from) if note.status_from else None,
        status_to=CommitmentStatus(note.status_to) if note.status_to else None,
        as_of=note.as_of,
        author=note.author_name,
        cycle=cycle_key,
        corrects=corrects,
        corrected_by=corrected_by or [],
        created_at=note.created_at,
    )


def statement_evidence(*, quote: str, paragraph: int, document_title: str) -> str:
    """A note's text recording what a statement's sentence shows of a commitment."""
    return f"The statement shows it, paragraph {paragraph} of {document_title}: “{quote}”"
