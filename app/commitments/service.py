"""The register's use cases: filtered, keyset-paginated reads limited to what the caller may see,
and changes that bump the version and write their history in the same transaction."""

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from pydantic_core import to_json
from sqlmodel import Session, col, select

from app.commitments import deadlines
from app.commitments.creation import Source, check_new, insert_new
from app.commitments.export import export_row
from app.commitments.filters import CommitmentFilters
from app.commitments.models import (
    AssessmentIn,
    CommitmentCreate,
    CommitmentPage,
    CommitmentPublic,
    CommitmentUpdate,
    Locator,
)
from app.commitments.queries import (
    count_commitments,
    get_commitment,
    page_rows,
)
from app.commitments.rendering import PublicForm, public_forms_of, public_of
from app.commitments.rules import (
    check_may_edit,
    check_may_withdraw,
    check_transition,
    completion_change,
)
from app.commitments.state import CommitmentState, StoredCommitment
from app.commitments.visibility import history_horizon
from app.commitments.workflow import INITIAL
from app.commitments.writer import (
    apply_changes,
    current_state,
    derive_for_change,
    load_for_change,
    move_cycle,
    read_back,
    requested_state,
    stored_of,
    validate_state,
    write_change,
)
from app.core.db import Database
from app.core.errors import (
    NotFoundError,
    UnprocessableError,
)
from app.core.etags import IfMatch
from app.core.metadata import id_of
from app.core.security import Actor, Principal, Role, require_role
from app.core.time import today, utcnow
from app.deadlines import CommitmentCycle
from app.history import Change, HistoryEntry
from app.history import service as history
from app.progress import NoteCreate, NotePublic, ProgressNote
from app.progress import service as progress
from app.reference import Meeting, MemberCodes, SourceDocument, member_codes
from app.reference import readable as readable_documents
from app.vocabulary import CommitmentSort, CommitmentStatus


@dataclass(frozen=True)
class PublicPage:
    """A page of commitments in their public JSON form, ready to serialize."""

    items: list[PublicForm]
    total: int | None
    next_cursor: str | None

    def _content(self) -> dict[str, Any]:
        return {"items": self.items, "total": self.total, "next_cursor": self.next_cursor}

    def json(self) -> bytes:
        """The page as CommitmentPage's JSON, without building a model per item."""
        return to_json(self._content())

    def model(self) -> CommitmentPage:
        return CommitmentPage.model_validate(self._content())


def list_commitments(
    *,
    session: Session,
    filters: CommitmentFilters,
    principal: Principal | None,
    sort: CommitmentSort = CommitmentSort.ref,
    limit: int = 50,
    cursor: str | None = None,
    with_total: bool = False,
) -> PublicPage:
    total = (
        count_commitments(session=session, filters=filters, principal=principal)
        if with_total
        else None
    )
    rows, next_cursor = page_rows(
        session=session, filters=filters, principal=principal, sort=sort, limit=limit, cursor=cursor
    )
    return PublicPage(public_forms_of(session=session, rows=rows), total, next_cursor)


def _readable_past(session: Session, ref: str, principal: Principal) -> tuple[int, datetime | None]:
    """The id of a commitment the principal may see, and from when it may see its past."""
    commitment_id = id_of(get_commitment(session=session, ref=ref, principal=principal))
    return commitment_id, history_horizon(
        session=session, commitment_id=commitment_id, principal=principal
    )


def list_notes(*, session: Session, ref: str, principal: Principal) -> list[NotePublic]:
    """The notes of a commitment the principal may see, from when it may see its past."""
    commitment_id, since = _readable_past(session, ref, principal)
    return progress.list_notes(session=session, commitment_id=commitment_id, since=since)


def list_history(*, session: Session, ref: str, principal: Principal) -> list[HistoryEntry]:
    """The field-level history the principal may see, from when it may see the past."""
    commitment_id, since = _readable_past(session, ref, principal)
    return history.list_history(session=session, commitment_id=commitment_id, since=since)


def _to_change(
    session: Session, ref: str, principal: Principal, if_match: IfMatch
) -> tuple[StoredCommitment, CommitmentState, MemberCodes]:
    """A live commitment the principal may change, locked, at the version it read, its state,
    and the register's member parties."""
    stored, state = load_for_change(session=session, ref=ref, principal=principal)
    if_match.check(stored.version)
    members = member_codes(session=session)
    check_may_edit(principal, state, members)
    return stored, state, members


def update_commitment(
    *,
    session: Session,
    ref: str,
    request: CommitmentUpdate,
    principal: Principal,
    if_match: IfMatch,
) -> CommitmentPublic:
    require_role(principal, Role.editor)
    stored, old, members = _to_change(session, ref, principal, if_match)
    new = requested_state(old, request, members)
    check_may_withdraw(principal, old, new, members)
    validate_state(
        session,
        new,
        principal,
        members,
        changed=old.changes_to(new).names,
        document_id=stored.document_id,
    )
    derived, meeting = derive_for_change(session, stored, new.deadline)
    new = new.due_on(derived.due_date)
    check_transition(old.status, new.status)
    note = request.progress_note
    if note is not None and note.cycle is not None:
        raise UnprocessableError("A note about one cycle goes to POST .../updates.")
    if note is not None and note.status is not None and note.status.value != new.status:
        raise UnprocessableError("The note's status differs from the status being set.")
    completing = new.status == CommitmentStatus.completed and old.status != new.status
    if (
        completing
        and note is None
        and not progress.has_evidence(session=session, commitment_id=stored.id)
    ):
        raise UnprocessableError(
            "Completing a commitment needs a progress note in the same request "
            "or an earlier note with evidence.",
        )
    changes = (
        old.changes_to(new)
        | derived.cycle_changes
        | completion_change(stored.completed_on, new.status, note)
    )
    if note is not None:
        changes |= _note_effects(session, stored, note, old.status, new.status, principal)[1]
    write_change(
        session=session,
        commitment=stored,
        changes=changes,
        actor=principal.actor(),
        release_history=request.release_history,
        unrecorded=meeting,
    )
    return read_back(session=session, ref=stored.ref, writer=principal)


def _note_effects(
    session: Session,
    commitment: StoredCommitment,
    request: NoteCreate,
    old_status: str,
    new_status: str,
    principal: Principal,
    cycle: CommitmentCycle | None = None,
) -> tuple[ProgressNote, Change]:
    """Insert a note; return it and the changes it makes to the commitment's progress fields."""
    as_of = request.as_of or today()
    status_change = (old_status, new_status) if old_status != new_status else None
    # A note may correct only one its author's party may see.
    visible_since = (
        history_horizon(session=session, commitment_id=commitment.id, principal=principal)
        if request.corrects is not None
        else None
    )
    note = progress.insert_note(
        session=session,
        commitment_id=commitment.id,
        request=request,
        actor=principal.actor(),
        as_of=as_of,
        status_change=status_change,
        cycle_id=cycle.id if cycle else None,
        visible_since=visible_since,
    )
    # The note itself is a change to the record: in its history, and a new version.
    changes = Change.of("note", None, note.public_id)
    if commitment.last_note_on is None or as_of >= commitment.last_note_on:
        if as_of != commitment.last_note_on:
            changes |= Change.of("last_note_on", commitment.last_note_on, as_of)
        if (
            cycle is None
            and request.percent_complete is not None
            and request.percent_complete != commitment.percent_complete
        ):
            changes |= Change.of(
                "percent_complete", commitment.percent_complete, request.percent_complete
            )
    return note, changes


def add_progress_note(
    *,
    session: Session,
    ref: str,
    request: NoteCreate,
    principal: Principal,
    if_match: IfMatch,
) -> tuple[NotePublic, CommitmentPublic]:
    """Append a note; one that changes the status (of the commitment, or of the cycle it names)
    needs If-Match and follows the workflow."""
    require_role(principal, Role.editor)
    commitment = get_commitment(session=session, ref=ref, principal=principal, for_update=True)
    if commitment.archived_at is not None:
        raise NotFoundError(f"Commitment {ref!r} is archived; restore it first.")
    state = current_state(session=session, commitment=commitment)
    check_may_edit(principal, state, member_codes(session=session))
    cycle = deadlines.find_cycle(session, commitment, request.cycle) if request.cycle else None
    old_status = cycle.status if cycle else commitment.status
    new_status = request.status.value if request.status else old_status
    changes = Change()
    if new_status != old_status or if_match.header is not None:
        if_match.check(commitment.version)
    if new_status != old_status:
        check_transition(old_status, new_status)
        if cycle is None:
            changes = Change.of("status", old_status, new_status)
            changes |= completion_change(commitment.completed_on, new_status, request)
        else:
            changes |= move_cycle(session, commitment, cycle, new_status, request.as_of or today())
    note, effects = _note_effects(
        session, stored_of(commitment), request, old_status, new_status, principal, cycle
    )
    apply_changes(
        session=session, commitment=commitment, changes=changes | effects, actor=principal.actor()
    )
    return (
        progress.note_public(note, cycle.key if cycle else None, corrects=request.corrects),
        public_of(session=session, commitment=commitment, writer=principal),
    )


def _check_new(request: CommitmentCreate) -> None:
    """What a new commitment over the API may not be (seeds may start completed)."""
    if request.status not in INITIAL:
        raise UnprocessableError(
            f"A new commitment starts as one of: {', '.join(sorted(s.value for s in INITIAL))}."
        )
    if request.due_date is not None and (request.due_rule or request.recurrence):
        raise UnprocessableError("Give a due_date, a due_rule or a recurrence, not several.")
    if request.due_rule is not None and request.recurrence is not None:
        raise UnprocessableError("A recurring commitment's due dates come from its cycles.")


def _source_ids(
    session: Session, request: CommitmentCreate, principal: Principal | None
) -> tuple[int | None, int | None]:
    """The ids of the document and the meeting a new commitment names; a statement the
    caller may not read is one that does not exist."""
    document_id = meeting_id = None
    if request.document:
        document = session.exec(
            select(SourceDocument).where(
                col(SourceDocument.slug) == request.document, *readable_documents(principal)
            )
        ).first()
        if document is None:
            raise UnprocessableError(f"Unknown document {request.document!r}.")
        document_id = document.id
    if request.meeting:
        meeting = session.exec(
            select(Meeting).where(col(Meeting.key) == request.meeting.upper())
        ).first()
        if meeting is None:
            raise UnprocessableError(f"Unknown meeting {request.meeting!r}.")
        meeting_id = meeting.id
    return document_id, meeting_id


def create_commitment(
    *,
    session: Session,
    request: CommitmentCreate,
    principal: Principal | None,
    actor: Actor,
    locator: Locator | None = None,
) -> CommitmentPublic:
    """A new commitment; `locator` places its quote in its statement (a reviewed candidate
    knows where it is, a request over the API does not)."""
    require_role(principal, Role.editor)
    _check_new(request)
    document_id, meeting_id = _source_ids(session, request, principal)
    source = Source(
        document_id=document_id, meeting_id=meeting_id, quote=request.quote, locator=locator
    )
    checked = check_new(
        session=session,
        request=request,
        source=source,
        principal=principal,
        members=member_codes(session=session),
    )
    (commitment,) = insert_new(session=session, checked=[checked], actor=actor)
    return public_of(session=session, commitment=commitment, writer=principal)


def set_archived(
    *,
    session: Session,
    ref: str,
    archived: bool,
    principal: Principal,
    if_match: IfMatch,
) -> CommitmentPublic:
    """Archive (never delete) or restore a commitment."""
    require_role(principal, Role.admin)
    commitment = get_commitment(
        session=session, ref=ref, principal=principal, for_update=True, include_archived=True
    )
    if archived or if_match.header is not None:
        if_match.check(commitment.version)
    was_archived = commitment.archived_at is not None
    if was_archived != archived:
        commitment.archived_at = utcnow() if archived else None
        apply_changes(
            session=session,
            commitment=commitment,
            changes=Change.of("archived", was_archived, archived),
            actor=principal.actor(),
        )
    return public_of(session=session, commitment=commitment, writer=principal)


EXPORT_PAGE = 500


def iter_all(
    *,
    database: Database,
    filters: CommitmentFilters,
    principal: Principal,
    sort: CommitmentSort = CommitmentSort.ref,
) -> Iterator[CommitmentPublic]:
    """Every matching commitment, a page at a time, each page in a session of its own:
    nothing holds a connection while the caller (a streamed response) waits."""
    cursor = None
    while True:
        with database.transaction(write=False) as session:
            page = list_commitments(
                session=session,
                filters=filters,
                principal=principal,
                sort=sort,
                limit=EXPORT_PAGE,
                cursor=cursor,
            )
        yield from page.model().items
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def export_rows(
    *, database: Database, filters: CommitmentFilters, principal: Principal, sort: CommitmentSort
) -> Iterator[list[Any]]:
    """Every matching commitment as a row of EXPORT_COLUMNS."""
    for commitment in iter_all(database=database, filters=filters, principal=principal, sort=sort):
        yield export_row(commitment)


def assess_obligor(
    *,
    session: Session,
    ref: str,
    party: str,
    request: AssessmentIn,
    principal: Principal,
    if_match: IfMatch,
) -> CommitmentPublic:
    """Record one obligor's assessment; the one it replaces stays in the history."""
    require_role(principal, Role.editor)
    stored, old, _ = _to_change(session, ref, principal, if_match)
    if party not in old.parties:
        raise UnprocessableError(
            f"{party} is not an obligor of {ref}; obligors: {', '.join(old.parties)}."
        )
    assessment = {
        "compliance": request.compliance,
        "completion": request.completion.value if request.completion else None,
        "assessed_on": (request.assessed_on or today()).isoformat(),
        "assessed_by": principal.name,
        "evidence": request.evidence,
    }
    new = replace(old, assessments={**old.assessments, party: assessment})
    write_change(
        session=session, commitment=stored, changes=old.changes_to(new), actor=principal.actor()
    )
    return read_back(session=session, ref=stored.ref, writer=principal)
