"""The register's one way to create commitments, for the API, the board, ingest and the seeds.

It runs in two steps so that a batch (the seeds) checks every commitment, naming the one at
fault, before inserting them all in one statement: `check_new` makes a request a checked new
commitment, `insert_new` writes checked ones with their links, deadlines and history."""

from collections.abc import Sequence, Set
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlmodel import Session

from app.commitments.models import Commitment, CommitmentCreate, Locator, search_text_of
from app.commitments.state import CommitmentState
from app.commitments.writer import (
    derive_deadline,
    link_state,
    record_creation,
    state_of_new,
    unused_reference,
    validate_state,
    with_default_releasability,
)
from app.core.metadata import id_of
from app.core.security import Actor, Principal
from app.core.time import utcnow


@dataclass(frozen=True)
class Source:
    """Where a new commitment comes from: its statement and meeting, the sentence it quotes,
    and where that sits in the statement (a reviewed candidate knows; a request over the API
    does not)."""

    document_id: int | None = None
    meeting_id: int | None = None
    quote: str | None = None
    locator: Locator | None = None


@dataclass(frozen=True)
class CheckedCommitment:
    """A new commitment whose state the register's rules accepted."""

    state: CommitmentState
    source: Source
    ref: str | None


def check_new(
    *,
    session: Session,
    request: CommitmentCreate,
    source: Source,
    principal: Principal | None,
    members: Set[str],
    ref: str | None = None,
    completed_on: date | None = None,
) -> CheckedCommitment:
    """The request as a new commitment's state, released by default where it names no one,
    checked against the register's rules; `ref` and `completed_on` only the seeds give."""
    state = replace(state_of_new(request), completed_on=completed_on)
    if request.releasable_to is None:
        state = with_default_releasability(session, state, source.document_id, members)
    validate_state(session, state, principal, members, document_id=source.document_id)
    return CheckedCommitment(state=state, source=source, ref=ref)


def insert_new(
    *, session: Session, checked: Sequence[CheckedCommitment], actor: Actor
) -> list[Commitment]:
    """The commitments, inserted in one statement, then each one's deadline, links and the
    history of its creation."""
    now = utcnow()
    rows = [_row(new, new.ref or unused_reference(session), now) for new in checked]
    session.add_all(rows)
    session.flush()
    for row, new in zip(rows, checked, strict=True):
        derived = derive_deadline(session, row, new.state.deadline)
        row.due_date = derived.due_date
        link_state(session, id_of(row), new.state)
        session.add(row)
        record_creation(
            session=session,
            commitment=row,
            state=new.state.due_on(derived.due_date),
            cycle_changes=derived.cycle_changes,
            actor=actor,
        )
    session.flush()
    return rows


def _row(new: CheckedCommitment, ref: str, now: datetime) -> Commitment:
    state, source = new.state, new.source
    locator = source.locator
    return Commitment(
        ref=ref,
        title=state.title,
        description=state.description,
        status=state.status,
        kind=state.kind,
        brought_under_framework=state.brought_under_framework,
        due_date=state.due_date,
        completed_on=state.completed_on,
        document_id=source.document_id,
        meeting_id=source.meeting_id,
        quote=source.quote,
        paragraph=locator.paragraph if locator else None,
        context_before=locator.before if locator else None,
        context_after=locator.after if locator else None,
        search_text=search_text_of(ref=ref, title=state.title, quote=source.quote),
        due_rule=state.due_rule,
        recurrence=state.recurrence,
        created_at=now,
        updated_at=now,
    )
