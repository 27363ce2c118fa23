"""Writing commitments: a state checked against the register, links, the version bump and the
history; used alike by the API, the seeds and the meetings."""

import secrets
from collections.abc import Collection, Iterable, Set
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import orjson
from sqlalchemy import Update, bindparam, update
from sqlalchemy import select as sa_select
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from app.commitments import deadlines
from app.commitments.linked import Linked, links_grouped, links_of
from app.commitments.links import (
    check_framework_dates,
    check_organizations,
    ids_by_key,
    write_links,
)
from app.commitments.models import (
    Commitment,
    CommitmentCreate,
    CommitmentPublic,
    CommitmentUpdate,
    PartyRefIn,
    search_text_of,
)
from app.commitments.queries import hidden_from, not_found
from app.commitments.rendering import one_public_form
from app.commitments.rules import (
    check_kind,
    check_may_edit,
    check_releasability,
    default_kind,
    follow_obligors,
    released_by_default,
)
from app.commitments.state import LINK_FIELDS, CommitmentState, Deadline, StoredCommitment
from app.commitments.visibility import audience_of, visible_to
from app.core.db import AnySelect, BuiltStatements
from app.core.errors import (
    NotFoundError,
    PreconditionFailedError,
    UnprocessableError,
)
from app.core.metadata import id_of
from app.core.security import Actor, Principal
from app.core.time import utcnow
from app.deadlines import CommitmentCycle, DueRule, Recurrence
from app.history import Change, FieldChange, cycle_field, record_event
from app.history import service as history
from app.reference import Contact, DocumentParty, Party, PriorityArea, SourceDocument, Topic
from app.vocabulary import CommitmentStatus


def link_state(session: Session, commitment_id: int, state: CommitmentState) -> None:
    """Write every link of a new commitment's state."""
    record = state.record()
    for field in LINK_FIELDS:
        write_links(session, commitment_id, field, record[field])


def current_state(*, session: Session, commitment: Commitment) -> CommitmentState:
    """The commitment's editable state as the history records it."""
    linked = links_of(session, [id_of(commitment)])[id_of(commitment)]
    return _state_of(commitment, linked)


def _state_of(row: Any, linked: Linked) -> CommitmentState:
    """The state of a commitment's row (an entity, or a row of its columns) and its links."""
    return CommitmentState(
        title=row.title,
        kind=row.kind,
        description=row.description,
        status=row.status,
        due_date=row.due_date,
        completed_on=row.completed_on,
        due_rule=row.due_rule,
        recurrence=row.recurrence,
        parties=[o.party for o in linked.obligors],
        obligor_organizations={o.party: o.organization for o in linked.obligors if o.organization},
        counterparts=[c.party for c in linked.counterparts],
        counterpart_organizations={
            c.party: c.organization for c in linked.counterparts if c.organization
        },
        areas=sorted(linked.areas),
        brought_under_framework=row.brought_under_framework,
        topics=linked.topics,
        assessments=dict(row.assessments or {}),
        leads={lead.party: lead.contact.id for lead in linked.leads},
        supporting_contacts=sorted(contact.id for contact in linked.supporting),
        releasable_to=linked.releasable,
    )


_STORED = tuple(field.name for field in fields(StoredCommitment))
_STATE_COLUMNS = (
    "kind",
    "description",
    "status",
    "due_date",
    "due_rule",
    "recurrence",
    "brought_under_framework",
    "assessments",
)


def _for_change_statement(principal: Principal | None) -> AnySelect:
    """A commitment the principal may see, by reference, with its links, in one row; locked
    for the change on PostgreSQL (SQLite's write transaction holds the whole database)."""
    readable = [col(Commitment.ref) == bindparam("ref"), *visible_to(principal)]
    target = select(col(Commitment.id)).where(*readable).scalar_subquery()
    links = links_grouped(lambda column: column == target).subquery()
    commitment_id, linked = links.c
    columns: list[Any] = [getattr(Commitment, name) for name in (*_STORED, *_STATE_COLUMNS)]
    return (
        sa_select(*columns, linked)
        .outerjoin(links, commitment_id == col(Commitment.id))
        .where(*readable)
        .with_for_update(of=Commitment.__table__)  # type: ignore[attr-defined]
    )


# Built once per audience: building the statement costs more than running it.
_FOR_CHANGE: BuiltStatements[AnySelect] = BuiltStatements(64)


def load_for_change(
    *, session: Session, ref: str, principal: Principal | None
) -> tuple[StoredCommitment, CommitmentState]:
    """A live commitment the principal may see, locked, and its state: one statement on the
    session's connection, no entity loaded."""
    statement = _FOR_CHANGE.get(audience_of(principal), lambda: _for_change_statement(principal))
    row = session.connection().execute(statement, {"ref": ref}).first()
    if row is None or hidden_from(row.archived_at, principal, False):
        raise not_found(ref)
    if row.archived_at is not None:
        raise NotFoundError(f"Commitment {ref!r} is archived; restore it first.")
    linked = Linked()
    for link in orjson.loads(row[-1]) if row[-1] else ():
        linked.add(link)
    stored = StoredCommitment(*row[: len(_STORED)])
    return stored, _state_of(row, linked.sort())


def _contact_parties(session: Session, ids: Iterable[int]) -> dict[int, str]:
    wanted = set(ids)
    if not wanted:
        return {}
    rows = session.execute(
        select(col(Contact.id), col(Party.code))
        .join(Party, col(Party.id) == col(Contact.party_id))
        .where(col(Contact.id).in_(wanted), col(Contact.archived_at).is_(None))
    )
    found = dict(rows.all())
    missing = sorted(wanted - set(found))
    if missing:
        raise UnprocessableError(f"Unknown contact id(s): {', '.join(map(str, missing))}.")
    return found


def validate_state(
    session: Session,
    state: CommitmentState,
    principal: Principal | None,
    members: Set[str],
    changed: Collection[str] | None = None,
    document_id: int | None = None,
) -> None:
    """Check a commitment's new state; of an existing one, only what changes is looked up.
    `members`: the register's member parties; `document_id` names the commitment's statement,
    whose date the framework areas need."""

    def changes(*fields: str) -> bool:
        return changed is None or any(field in changed for field in fields)

    parties = set(state.parties)
    if changes("parties", "releasable_to", "counterparts"):
        codes = parties | set(state.releasable_to) | set(state.counterparts)
        ids_by_key(session, Party, "code", codes, "party code(s)")
    if changes("obligor_organizations", "counterpart_organizations", "parties", "counterparts"):
        check_organizations(session, state.obligor_organizations)
        check_organizations(session, state.counterpart_organizations)
    if changes("areas"):
        ids_by_key(session, PriorityArea, "slug", state.areas, "priority area(s)")
    if changes("topics"):
        ids_by_key(session, Topic, "slug", state.topics, "topic(s)")
    if changes("areas", "brought_under_framework"):
        check_framework_dates(session, state, statement_date(session, document_id))
    if changes("parties", "releasable_to"):
        check_releasability(state, members)
    stray = sorted(set(state.leads) - parties)
    if stray:
        raise UnprocessableError(
            f"Leads must be for the commitment's parties, not {', '.join(stray)}."
        )
    if changes("parties", "leads", "supporting_contacts"):
        _check_contacts(session, state)
    check_may_edit(principal, state, members)
    if changes("kind", "parties", "counterparts"):
        check_kind(state)


def _check_contacts(session: Session, state: CommitmentState) -> None:
    contact_parties = _contact_parties(session, [*state.leads.values(), *state.supporting_contacts])
    for party, contact_id in state.leads.items():
        if contact_parties[contact_id] != party:
            raise UnprocessableError(
                f"Contact {contact_id} is on the {contact_parties[contact_id]} side, not {party}."
            )


def record_change(
    *,
    session: Session,
    commitment_id: int,
    version: int,
    change: Change,
    actor: Actor,
    reason: str | None = None,
    at: datetime,
) -> None:
    """The change in the commitment's history and, as one event, in the webhooks' outbox:
    two statements, in the transaction that makes it."""
    history.record(
        session=session,
        commitment_id=commitment_id,
        version=version,
        change=change,
        actor=actor,
        reason=reason,
        at=at,
    )
    record_event(
        session=session,
        commitment_id=commitment_id,
        version=version,
        change=change,
        actor=actor,
        at=at,
    )


def write_change(
    *,
    session: Session,
    commitment: StoredCommitment,
    changes: Change,
    actor: Actor,
    reason: str | None = None,
    release_history: bool = False,
    unrecorded: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write changed fields, bump the version and record the history and the outbox, all or
    nothing, in core statements; returns the columns written. `unrecorded`: columns the
    change sets that its history does not name (the meeting a due date follows).

    A party newly released to sees the commitment's past only from now, unless
    `release_history` releases the past too.

    The version bump comes first and only matches the version that was read: a writer that
    committed in between makes it match no row, and this change is refused with 412.
    """
    if not changes:
        if unrecorded:  # no change to record, and no new version: the meeting moved alone
            session.connection().execute(
                update(Commitment.__table__)  # type: ignore[attr-defined]
                .where(Commitment.__table__.c.id == commitment.id)  # type: ignore[attr-defined]
                .values(**unrecorded)
            )
        return {}
    now = utcnow()
    columns = _own_columns(commitment, changes) | (unrecorded or {})
    written = columns | {"version": commitment.version + 1, "updated_at": now}
    # One statement bumps the version and writes the commitment's own columns, and only at
    # the version that was read.
    bumped = session.connection().execute(
        _bump(tuple(written)),
        {f"new_{name}": value for name, value in written.items()}
        | {"commitment_id": commitment.id, "read_version": commitment.version},
    )
    if bumped.rowcount != 1:
        raise PreconditionFailedError(
            "The commitment was changed by someone else at the same time; read it again."
        )
    for field in changes.fields:
        if field.field in LINK_FIELDS:
            write_links(
                session, commitment.id, field.field, field.new, None if release_history else now
            )
    # Others ("archived", "cycle KEY: ...") are set by the caller and only recorded here.
    record_change(
        session=session,
        commitment_id=commitment.id,
        version=commitment.version + 1,
        change=changes,
        actor=actor,
        reason=reason,
        at=now,
    )
    return written


@lru_cache(maxsize=256)
def _bump(names: tuple[str, ...]) -> Update:
    """The guarded UPDATE of these columns, built once for each set of them (building one
    cost more than running it): the same object, and its compiled form, every time."""
    table = Commitment.__table__  # type: ignore[attr-defined]
    return (
        update(table)
        .where(table.c.id == bindparam("commitment_id"))
        .where(table.c.version == bindparam("read_version"))
        .values({name: bindparam(f"new_{name}") for name in names})
    )


def stored_of(commitment: Commitment) -> StoredCommitment:
    return StoredCommitment(*(getattr(commitment, name) for name in _STORED))


def apply_changes(
    *,
    session: Session,
    commitment: Commitment,
    changes: Change,
    actor: Actor,
    reason: str | None = None,
    release_history: bool = False,
) -> None:
    """write_change for a loaded entity, which then holds what was written as its stored
    values (nothing left for the session to flush)."""
    written = write_change(
        session=session,
        commitment=stored_of(commitment),
        changes=changes,
        actor=actor,
        reason=reason,
        release_history=release_history,
    )
    for name, value in written.items():
        set_committed_value(commitment, name, value)


def read_back(*, session: Session, ref: str, writer: Principal | None) -> CommitmentPublic:
    """A commitment just written (archived or not), in its public form for its writer, in one
    statement."""
    session.flush()  # what the change wrote through the session (its notes, its cycles)
    document = one_public_form(
        connection=session.connection(),
        ref=ref,
        principal=None,
        include_archived=True,
        writer=writer,
    )
    return CommitmentPublic.model_validate(document)


def _own_columns(commitment: StoredCommitment, changes: Change) -> dict[str, Any]:
    """The new values of the commitment's own columns among `changes`, its search text with
    them when its title or quote changes."""
    columns = {
        field.field: field.new
        for field in changes.fields
        if field.field in Commitment.model_fields and field.field not in LINK_FIELDS
    }
    if "title" in columns or "quote" in columns:
        columns["search_text"] = search_text_of(
            ref=commitment.ref,
            title=columns.get("title", commitment.title),
            quote=columns.get("quote", commitment.quote),
        )
    return columns


def _requested_value(field: str, value: Any) -> Any:
    """A request's value in the form the state holds."""
    if field == "title" and value is None:
        raise UnprocessableError("A commitment's title cannot be removed.")
    if value is None and field in (
        *LINK_FIELDS,
        "obligors",
        "kind",
        "status",
        "brought_under_framework",
    ):
        raise UnprocessableError(f"{field} cannot be null.")
    if field in ("parties", "areas", "topics", "releasable_to"):
        return sorted(value)
    if field == "kind":
        return value.value
    if field == "leads":
        return {lead.party: lead.contact_id for lead in sorted(value, key=lambda lead: lead.party)}
    if field == "supporting_contacts":
        return sorted(set(value))
    if field == "status":
        return value.value
    if field in ("due_rule", "recurrence") and value is not None:
        return value.model_dump(mode="json")
    return value


def party_refs(refs: list[PartyRefIn]) -> tuple[list[str], dict[str, str]]:
    """Parties and the organizations named for some of them, in the state's form."""
    return (
        sorted(ref.party for ref in refs),
        {
            ref.party: ref.organization
            for ref in sorted(refs, key=lambda r: r.party)
            if ref.organization
        },
    )


def state_of_new(request: CommitmentCreate) -> CommitmentState:
    """The state a new commitment starts in, from its request: the API's and the seeds'."""
    if request.obligors is not None:
        parties, obligor_organizations = party_refs(request.obligors)
    else:
        parties, obligor_organizations = sorted(request.parties or []), {}
    counterparts, counterpart_organizations = party_refs(request.counterparts)
    kind = request.kind or default_kind(parties, recurring=request.recurrence is not None)
    return CommitmentState(
        title=request.title,
        kind=kind.value,
        description=request.description,
        status=request.status.value,
        due_date=request.due_date,
        due_rule=request.due_rule.model_dump(mode="json") if request.due_rule else None,
        recurrence=request.recurrence.model_dump(mode="json") if request.recurrence else None,
        parties=parties,
        obligor_organizations=obligor_organizations,
        counterparts=counterparts,
        counterpart_organizations=counterpart_organizations,
        areas=sorted(request.areas),
        brought_under_framework=request.brought_under_framework,
        topics=sorted(request.topics),
        leads={
            lead.party: lead.contact_id
            for lead in sorted(request.leads, key=lambda lead: lead.party)
        },
        supporting_contacts=sorted(set(request.supporting_contacts)),
        # None named: whom the register releases it to by default (with_default_releasability).
        releasable_to=sorted(request.releasable_to or []),
    )


def with_default_releasability(
    session: Session, state: CommitmentState, document_id: int | None, members: Set[str]
) -> CommitmentState:
    """A new commitment's state released to whom the register releases it by default."""
    issuers = session.execute(
        select(col(Party.code))
        .join(DocumentParty, col(DocumentParty.party_id) == col(Party.id))
        .where(col(DocumentParty.document_id) == document_id)
    ).scalars()
    released = released_by_default(
        obligors=state.parties,
        counterparts=state.counterparts,
        issuers=issuers,
        members=members,
    )
    return replace(state, releasable_to=released)


def _with_parties(
    old: CommitmentState, new: CommitmentState, request: CommitmentUpdate
) -> CommitmentState:
    """Obligors and counterparts: given whole, or (obligors) as party codes only, which keeps
    the organizations named for the parties that stay."""
    if request.obligors is not None:
        parties, organizations = party_refs(request.obligors)
        new = replace(new, parties=parties, obligor_organizations=organizations)
    elif request.parties is not None:
        kept = {p: o for p, o in old.obligor_organizations.items() if p in new.parties}
        new = replace(new, obligor_organizations=kept)
    if request.counterparts is not None:
        parties, organizations = party_refs(request.counterparts)
        new = replace(new, counterparts=parties, counterpart_organizations=organizations)
    return new


def requested_state(
    old: CommitmentState, request: CommitmentUpdate, members: Set[str]
) -> CommitmentState:
    fields = request.model_fields_set - {
        "progress_note",
        "release_history",
        "obligors",
        "counterparts",
    }
    new = replace(
        old, **{field: _requested_value(field, getattr(request, field)) for field in fields}
    )
    for field in ("obligors", "counterparts"):
        if field in request.model_fields_set and getattr(request, field) is None:
            raise UnprocessableError(f"{field} cannot be null.")
    new = _with_parties(old, new, request)
    if "kind" not in fields and new.parties != old.parties:
        new = replace(new, kind=follow_obligors(new.kind, new.parties))
    if request.obligors is not None:
        fields.add("parties")
    if "parties" in fields and "releasable_to" not in fields:
        # A new member obligor is released to; an outside one never is.
        added = set(new.parties) & members
        new = replace(new, releasable_to=sorted(set(old.releasable_to) | added))
    if "due_date" in fields and request.due_date is not None:
        if request.due_rule is not None:
            raise UnprocessableError("Give a due_date or a due_rule, not both.")
        new = replace(new, due_rule=None)
    if new.due_rule is not None and new.recurrence is not None:
        raise UnprocessableError("A recurring commitment's due dates come from its cycles.")
    if new.recurrence is not None and "due_date" in fields and request.due_date is not None:
        raise UnprocessableError("A recurring commitment's due dates come from its cycles.")
    return new


@dataclass(frozen=True)
class DerivedDeadline:
    due_date: date | None
    cycle_changes: Change


def derive_deadline(
    session: Session, commitment: Commitment, deadline: Deadline
) -> DerivedDeadline:
    """The due date a rule or a recurrence implies (else the one given), and the changes to
    the commitment's cycles; sets the meeting the date follows."""
    if deadline.recurrence is not None:
        recurrence = Recurrence.model_validate(deadline.recurrence)
        cycle_changes = deadlines.sync_cycles(
            session=session, commitment=commitment, recurrence=recurrence
        )
        commitment.due_meeting_id = None
        return DerivedDeadline(deadlines.earliest_open_due(session, commitment), cycle_changes)
    if deadline.due_rule is None:
        commitment.due_meeting_id = None
        return DerivedDeadline(deadline.due_date, Change())
    rule = DueRule.model_validate(deadline.due_rule)
    commitment.due_meeting_id, due_date = deadlines.ruled_due_date(session, commitment, rule)
    return DerivedDeadline(due_date, Change())


def derive_for_change(
    session: Session, commitment: StoredCommitment, deadline: Deadline
) -> tuple[DerivedDeadline, dict[str, Any]]:
    """derive_deadline for a change read without its entity, and the meeting its due date
    follows when that column changes (written with the change, unrecorded); the entity is
    loaded only to work out a rule or a recurrence."""
    if deadline.due_rule is None and deadline.recurrence is None:
        cleared = {"due_meeting_id": None} if commitment.due_meeting_id is not None else {}
        return DerivedDeadline(deadline.due_date, Change()), cleared
    entity = session.get_one(Commitment, commitment.id)
    derived = derive_deadline(session, entity, deadline)
    meeting = entity.due_meeting_id
    # Written with the change, not flushed from the entity.
    set_committed_value(entity, "due_meeting_id", commitment.due_meeting_id)
    return derived, {"due_meeting_id": meeting} if meeting != commitment.due_meeting_id else {}


def move_cycle(
    session: Session, commitment: Commitment, cycle: CommitmentCycle, status: str, on: date
) -> Change:
    """Set a cycle's status; the commitment's due date follows its earliest open cycle."""
    completed_on = on if status == CommitmentStatus.completed.value else None
    changes = Change.of(cycle_field(cycle.key, "status"), cycle.status, status)
    if completed_on != cycle.completed_on:
        changes |= Change.of(
            cycle_field(cycle.key, "completed_on"), cycle.completed_on, completed_on
        )
    cycle.status, cycle.completed_on, cycle.updated_at = status, completed_on, utcnow()
    session.add(cycle)
    session.flush()
    due = deadlines.earliest_open_due(session, commitment)
    if due != commitment.due_date:
        changes |= Change.of("due_date", commitment.due_date, due)
    return changes


# Crockford's base32: no I, L, O or U to misread when a reference is read out or typed.
_REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def unused_reference(session: Session) -> str:
    """A random reference (AC-7K3M-9QX2): a sequence would tell every reader how many
    commitments were created that it may not see."""
    while True:
        chars = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))
        ref = f"AC-{chars[:4]}-{chars[4:]}"
        taken = session.execute(select(col(Commitment.id)).where(col(Commitment.ref) == ref))
        if taken.first() is None:
            return ref


def record_creation(
    *,
    session: Session,
    commitment: Commitment,
    state: CommitmentState,
    cycle_changes: Change,
    actor: Actor,
) -> None:
    """History of a new commitment: each field it starts with, and its cycles, from nothing."""
    initial = Change.of("created", None, commitment.ref) | Change(
        tuple(
            FieldChange(field, None, value)
            for field, value in state.record().items()
            if value not in (None, [], {}, False)
        )
    )
    initial |= Change(tuple(FieldChange(f.field, None, f.new) for f in cycle_changes.fields))
    record_change(
        session=session,
        commitment_id=id_of(commitment),
        version=commitment.version,
        change=initial,
        actor=actor,
        at=commitment.updated_at,
    )


def statement_date(session: Session, document_id: int | None) -> date | None:
    if document_id is None:
        return None
    document = session.get(SourceDocument, document_id)
    return document.issued_on if document else None
