"""The register's rules: filtered, keyset-paginated reads limited to what the caller may see,
and changes that bump the version and write their history in the same transaction."""

import secrets
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Integer,
    Select,
    String,
    any_,
    bindparam,
    case,
    cast,
    delete,
    func,
    literal_column,
    null,
    union_all,
    update,
)
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, aliased
from sqlmodel import Session, col, select

from app.areas.models import PriorityArea
from app.commitments.enums import CommitmentSort, CommitmentStatus
from app.commitments.filters import CommitmentFilters, filter_conditions
from app.commitments.models import (
    Commitment,
    CommitmentArea,
    CommitmentContact,
    CommitmentCreate,
    CommitmentLead,
    CommitmentPage,
    CommitmentParty,
    CommitmentPublic,
    CommitmentReleasability,
    CommitmentUpdate,
    LeadPublic,
    Locator,
    SourcePublic,
    search_text_of,
)
from app.commitments.visibility import history_horizon, visible_to
from app.commitments.workflow import INITIAL, allowed_next, can_move
from app.contacts.enums import ContactKind
from app.contacts.models import Contact, ContactRef
from app.core.db import Database
from app.core.errors import (
    ForbiddenError,
    InvalidTransitionError,
    NotFoundError,
    PreconditionFailedError,
    UnprocessableError,
)
from app.core.etags import IfMatch
from app.core.metadata import id_of
from app.core.pagination import (
    SortKey,
    after_cursor,
    cursor_day,
    cursor_flag,
    cursor_instant,
    cursor_text,
    decode_cursor,
    encode_cursor,
)
from app.core.security import Actor, Principal
from app.core.time import today, utcnow
from app.core.validation import REF_MAX_LENGTH
from app.deadlines import service as deadlines
from app.deadlines.models import CommitmentCycle, DueRule, Recurrence
from app.documents.models import SourceDocument
from app.history import service as history
from app.history.models import HistoryEntry
from app.history.replay import PastState, end_of, states_as_of
from app.meetings.models import Meeting
from app.parties.models import Party
from app.progress import service as progress
from app.progress.models import NoteCreate, NotePublic, ProgressNote

_due_missing = case((col(Commitment.due_date).is_(None), 1), else_=0)


class PageRow(NamedTuple):
    commitment: Commitment
    document_slug: str | None
    document_title: str | None
    meeting_key: str | None
    due_meeting_key: str | None = None


_due_meeting = aliased(Meeting)


# ----------------------------------------------------------------------------------- reads


def _sort_keys(sort: CommitmentSort) -> list[SortKey]:
    """The ordering of a sort, ending with the unique reference: the tie-breaker the caller
    sees, where a row id would let a cursor count the commitments it may not see."""
    descending = sort.value.startswith("-")
    ref = SortKey(col(Commitment.ref), cursor_text(REF_MAX_LENGTH), descending)
    match sort:
        case CommitmentSort.due_date | CommitmentSort.due_date_desc:
            # Commitments without a due date come last in both directions.
            return [
                SortKey(_due_missing, cursor_flag),
                SortKey(col(Commitment.due_date), cursor_day, descending),
                ref,
            ]
        case CommitmentSort.ref | CommitmentSort.ref_desc:
            return [ref]
        case CommitmentSort.updated_at | CommitmentSort.updated_at_desc:
            return [SortKey(col(Commitment.updated_at), cursor_instant, descending), ref]


def _cursor_values(sort: CommitmentSort, row: Commitment) -> list[Any]:
    match sort:
        case CommitmentSort.due_date | CommitmentSort.due_date_desc:
            return [1 if row.due_date is None else 0, row.due_date, row.ref]
        case CommitmentSort.ref | CommitmentSort.ref_desc:
            return [row.ref]
        case CommitmentSort.updated_at | CommitmentSort.updated_at_desc:
            return [row.updated_at.isoformat(), row.ref]


def page_query() -> Select[Commitment, str, str, str, str]:
    return (
        sa_select(
            Commitment,
            col(SourceDocument.slug),
            col(SourceDocument.title),
            col(Meeting.key),
            col(_due_meeting.key),
        )
        .outerjoin(SourceDocument, col(SourceDocument.id) == col(Commitment.document_id))
        .outerjoin(Meeting, col(Meeting.id) == col(Commitment.meeting_id))
        .outerjoin(_due_meeting, col(_due_meeting.id) == col(Commitment.due_meeting_id))
    )


def count_commitments(
    *, session: Session, filters: CommitmentFilters, principal: Principal | None
) -> int:
    conditions = filter_conditions(filters) + visible_to(principal)
    return session.exec(select(func.count()).select_from(Commitment).where(*conditions)).one()


def list_commitments(
    *,
    session: Session,
    filters: CommitmentFilters,
    principal: Principal | None,
    sort: CommitmentSort = CommitmentSort.ref,
    limit: int = 50,
    cursor: str | None = None,
    with_total: bool = False,
) -> CommitmentPage:
    keys = _sort_keys(sort)
    total = (
        count_commitments(session=session, filters=filters, principal=principal)
        if with_total
        else None
    )
    statement = page_query().where(*filter_conditions(filters), *visible_to(principal))
    if cursor:
        statement = statement.where(after_cursor(keys, decode_cursor(cursor, sort.value, keys)))
    statement = statement.order_by(*(key.order_by() for key in keys)).limit(limit + 1)
    rows = [PageRow(*row) for row in session.execute(statement)]
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = (
        encode_cursor(sort.value, _cursor_values(sort, rows[-1].commitment))
        if has_more and rows
        else None
    )
    return CommitmentPage(
        items=to_public(session=session, rows=rows), total=total, next_cursor=next_cursor
    )


def _not_found(ref: str) -> NotFoundError:
    return NotFoundError(f"No commitment with reference {ref!r}.")


def _hidden(archived_at: datetime | None, principal: Principal | None, include: bool) -> bool:
    """Archived commitments exist only for admins and for callers that ask for them."""
    admin = principal is not None and principal.is_admin
    return archived_at is not None and not (include or admin)


def get_commitment(
    *,
    session: Session,
    ref: str,
    principal: Principal | None,
    for_update: bool = False,
    include_archived: bool = False,
    past_at: datetime | None = None,
) -> Commitment:
    """A commitment the principal may see (with `past_at`, as it stood then); one that is not
    releasable to them does not exist."""
    statement = select(Commitment).where(
        col(Commitment.ref) == ref, *visible_to(principal, past_at=past_at)
    )
    if for_update:
        statement = statement.with_for_update()
    commitment = session.exec(statement).first()
    if commitment is None or _hidden(commitment.archived_at, principal, include_archived):
        raise _not_found(ref)
    return commitment


_BY_REF = page_query().where(col(Commitment.ref) == bindparam("ref"))


def get_commitment_public(
    *, session: Session, ref: str, principal: Principal | None
) -> CommitmentPublic:
    row = session.execute(_BY_REF.where(*visible_to(principal)), {"ref": ref}).first()
    if row is None or _hidden(row[0].archived_at, principal, False):
        raise _not_found(ref)
    return to_public(session=session, rows=[PageRow(*row)])[0]


_BY_ID = page_query().where(col(Commitment.id) == bindparam("id"))


def public_of(*, session: Session, commitment: Commitment) -> CommitmentPublic:
    rows = session.execute(_BY_ID, {"id": commitment.id})
    return to_public(session=session, rows=[PageRow(*row) for row in rows])[0]


class Links(NamedTuple):
    """What a page of commitments links to, per commitment id."""

    parties: dict[int, list[str]]
    releasable: dict[int, list[str]]
    areas: dict[int, list[str]]
    leads: dict[int, list[LeadPublic]]
    supporting: dict[int, list[ContactRef]]


def _no(kind: type[Integer] | type[String]) -> ColumnElement[Any]:
    return cast(null(), kind())


IdsIn = Callable[[Mapped[int]], ColumnElement[bool]]


def _links_statement(in_ids: IdsIn) -> CompoundSelect[Any]:
    """Every link of the commitments `:ids` in one statement: a row per link, tagged by kind."""

    def tagged(kind: str) -> ColumnElement[str]:
        return literal_column(f"'{kind}'", String)

    def by_party(
        link: type[CommitmentParty] | type[CommitmentReleasability], kind: str
    ) -> Select[Any]:
        return (
            sa_select(
                col(link.commitment_id),
                tagged(kind),
                col(Party.code),
                _no(Integer),
                _no(String),
                _no(String),
            )
            .join(Party, col(Party.id) == col(link.party_id))
            .where(in_ids(col(link.commitment_id)))
        )

    areas = (
        sa_select(
            col(CommitmentArea.commitment_id),
            tagged("area"),
            col(PriorityArea.slug),
            col(PriorityArea.position),
            _no(String),
            _no(String),
        )
        .join(PriorityArea, col(PriorityArea.id) == col(CommitmentArea.area_id))
        .where(in_ids(col(CommitmentArea.commitment_id)))
    )
    leads = (
        sa_select(
            col(CommitmentLead.commitment_id),
            tagged("lead"),
            col(Party.code),
            col(Contact.id),
            col(Contact.name),
            col(Contact.kind),
        )
        .join(Party, col(Party.id) == col(CommitmentLead.party_id))
        .join(Contact, col(Contact.id) == col(CommitmentLead.contact_id))
        .where(in_ids(col(CommitmentLead.commitment_id)))
    )
    supporting = (
        sa_select(
            col(CommitmentContact.commitment_id),
            tagged("contact"),
            _no(String),
            col(Contact.id),
            col(Contact.name),
            col(Contact.kind),
        )
        .join(Contact, col(Contact.id) == col(CommitmentContact.contact_id))
        .where(in_ids(col(CommitmentContact.commitment_id)))
    )
    return union_all(
        by_party(CommitmentParty, "party"),
        by_party(CommitmentReleasability, "releasable"),
        areas,
        leads,
        supporting,
    )


# Built once: a statement object caches its own cache key, and building this one costs more
# than running it. PostgreSQL takes the ids as one array, so the statement's text is the same
# for every page and the server parses and plans it once per connection, not per request.
LINKS = {
    "postgresql": _links_statement(
        lambda column: column == any_(bindparam("ids", type_=ARRAY(Integer)))
    ),
    "sqlite": _links_statement(lambda column: column.in_(bindparam("ids", expanding=True))),
}


def links_of(session: Session, ids: list[int]) -> Links:
    parties: dict[int, list[str]] = defaultdict(list)
    releasable: dict[int, list[str]] = defaultdict(list)
    areas: dict[int, list[tuple[int, str]]] = defaultdict(list)
    leads: dict[int, list[LeadPublic]] = defaultdict(list)
    supporting: dict[int, list[ContactRef]] = defaultdict(list)
    connection = session.connection()
    links = LINKS[connection.dialect.name]
    for commitment_id, kind, code, number, name, contact_kind in connection.execute(
        links, {"ids": ids}
    ):
        match kind:
            case "party":
                parties[commitment_id].append(code)
            case "releasable":
                releasable[commitment_id].append(code)
            case "area":
                areas[commitment_id].append((number, code))
            case "lead":
                contact = ContactRef(id=number, name=name, kind=ContactKind(contact_kind))
                leads[commitment_id].append(LeadPublic(party=code, contact=contact))
            case _:
                contact = ContactRef(id=number, name=name, kind=ContactKind(contact_kind))
                supporting[commitment_id].append(contact)
    for codes in (*parties.values(), *releasable.values()):
        codes.sort()
    for found in leads.values():
        found.sort(key=lambda lead: lead.party)
    for contacts in supporting.values():
        contacts.sort(key=lambda contact: (contact.name, contact.id))
    return Links(
        parties=parties,
        releasable=releasable,
        areas=defaultdict(list, {key: [slug for _, slug in sorted(v)] for key, v in areas.items()}),
        leads=leads,
        supporting=supporting,
    )


def to_public(*, session: Session, rows: Sequence[PageRow]) -> list[CommitmentPublic]:
    """Public views of page rows: their links in one statement, cycles in one more if any
    of them recurs."""
    if not rows:
        return []
    ids = [id_of(row.commitment) for row in rows]
    links = links_of(session, ids)
    recurring = [id_of(row.commitment) for row in rows if row.commitment.recurrence is not None]
    cycles = deadlines.cycles_with_meetings(session, recurring)
    return [
        _public(
            row,
            links.parties[key],
            links.areas[key],
            links.leads[key],
            links.supporting[key],
            links.releasable[key],
            cycles.get(key, []),
        )
        for row in rows
        for key in [id_of(row.commitment)]
    ]


def party_codes(
    session: Session,
    link: type[CommitmentParty] | type[CommitmentReleasability],
    ids: Collection[int] | Select[Any],
) -> dict[int, list[str]]:
    """Party codes per commitment, through `link` (its parties, or whom it is releasable to);
    `ids` lists the commitments, or selects them when there can be many."""
    codes: dict[int, list[str]] = defaultdict(list)
    for commitment_id, code in session.connection().execute(
        select(col(link.commitment_id), col(Party.code))
        .join(Party, col(Party.id) == col(link.party_id))
        .where(col(link.commitment_id).in_(ids))
        .order_by(col(Party.code))
    ):
        codes[commitment_id].append(code)
    return codes


def _contact_ref(contact: Contact) -> ContactRef:
    return ContactRef(id=id_of(contact), name=contact.name, kind=ContactKind(contact.kind))


def _public(
    row: PageRow,
    parties: list[str],
    areas: list[str],
    leads: list[LeadPublic],
    supporting: list[ContactRef],
    releasable: list[str],
    cycles: list[tuple[CommitmentCycle, str | None]],
) -> CommitmentPublic:
    commitment = row.commitment
    cycle_rows = [cycle for cycle, _ in cycles]
    recurring = commitment.recurrence is not None
    return CommitmentPublic(
        ref=commitment.ref,
        title=commitment.title,
        description=commitment.description,
        source=SourcePublic(
            document=row.document_slug,
            document_title=row.document_title,
            meeting=row.meeting_key,
            quote=commitment.quote,
            locator=Locator(
                paragraph=commitment.paragraph,
                before=commitment.context_before,
                after=commitment.context_after,
            ),
        ),
        parties=parties,
        areas=areas,
        status=CommitmentStatus(commitment.status),
        due_date=commitment.due_date,
        due_state=deadlines.due_state(commitment, cycle_rows),
        due_rule=DueRule.model_validate(commitment.due_rule) if commitment.due_rule else None,
        due_meeting=row.due_meeting_key,
        recurrence=Recurrence.model_validate(commitment.recurrence) if recurring else None,
        cycles=[deadlines.cycle_public(cycle, key) for cycle, key in cycles],
        compliance=deadlines.compliance(cycle_rows, today()) if recurring else None,
        leads=leads,
        supporting_contacts=supporting,
        releasable_to=releasable,
        percent_complete=commitment.percent_complete,
        last_note_on=commitment.last_note_on,
        completed_on=commitment.completed_on,
        version=commitment.version,
        created_at=commitment.created_at,
        updated_at=commitment.updated_at,
        archived=commitment.archived_at is not None,
    )


# ---------------------------------------------------------------------------------- writes

LINK_FIELDS = ("parties", "areas", "leads", "supporting_contacts", "releasable_to")


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


def current_state(*, session: Session, commitment: Commitment) -> dict[str, Any]:
    """The editable fields as the history records them (codes, slugs and contact ids)."""
    public = to_public(session=session, rows=[PageRow(commitment, None, None, None, None)])[0]
    return {
        "title": commitment.title,
        "description": commitment.description,
        "status": commitment.status,
        "due_date": commitment.due_date,
        "due_rule": commitment.due_rule,
        "recurrence": commitment.recurrence,
        "parties": public.parties,
        "areas": sorted(public.areas),
        "leads": {lead.party: lead.contact.id for lead in public.leads},
        "supporting_contacts": sorted(contact.id for contact in public.supporting_contacts),
        "releasable_to": public.releasable_to,
    }


def _ids_by_key(
    session: Session,
    model: type[Party] | type[PriorityArea],
    key: str,
    wanted: Iterable[str],
    what: str,
) -> dict[str, int]:
    wanted = set(wanted)
    if not wanted:
        return {}
    column = col(getattr(model, key))
    found = {
        value: id_
        for id_, value in session.execute(select(col(model.id), column).where(column.in_(wanted)))
    }
    missing = sorted(wanted - set(found))
    if missing:
        raise UnprocessableError(f"Unknown {what}: {', '.join(missing)}.")
    return found


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


def _check_may_edit(principal: Principal | None, parties: Iterable[str]) -> None:
    if principal is None or principal.is_admin:
        return
    if principal.party_code is None or principal.party_code not in parties:
        raise ForbiddenError(
            f"Editors change only commitments their own party ({principal.party_code}) is part of."
        )


def _check_may_withdraw(
    principal: Principal | None, old: dict[str, Any], new: dict[str, Any]
) -> None:
    """Taking a commitment away from another party is an administrator's decision: an editor
    could otherwise cut an ally out of a joint record it then cannot even see."""
    if principal is None or principal.is_admin:
        return
    withdrawn = (set(old["parties"]) - set(new["parties"])) | (
        set(old["releasable_to"]) - set(new["releasable_to"])
    )
    others = sorted(withdrawn - {principal.party_code})
    if others:
        raise ForbiddenError(
            f"Only an administrator removes another party ({', '.join(others)}) from a "
            "commitment or from those it is releasable to."
        )


def _validate(
    session: Session,
    state: dict[str, Any],
    principal: Principal | None,
    changed: Collection[str] | None = None,
) -> None:
    """Check a commitment's new state; of an existing one, only what changes is looked up."""

    def changes(*fields: str) -> bool:
        return changed is None or any(field in changed for field in fields)

    parties = set(state["parties"])
    if changes("parties", "releasable_to"):
        codes = parties | set(state["releasable_to"])
        _ids_by_key(session, Party, "code", codes, "party code(s)")
    if changes("areas"):
        _ids_by_key(session, PriorityArea, "slug", state["areas"], "priority area(s)")
    if not parties <= set(state["releasable_to"]):
        raise UnprocessableError("releasable_to must include every party of the commitment.")
    stray = sorted(set(state["leads"]) - parties)
    if stray:
        raise UnprocessableError(
            f"Leads must be for the commitment's parties, not {', '.join(stray)}."
        )
    if not changes("parties", "leads", "supporting_contacts"):
        _check_may_edit(principal, parties)
        return
    contact_parties = _contact_parties(
        session, [*state["leads"].values(), *state["supporting_contacts"]]
    )
    for party, contact_id in state["leads"].items():
        if contact_parties[contact_id] != party:
            raise UnprocessableError(
                f"Contact {contact_id} is on the {contact_parties[contact_id]} side, not {party}."
            )
    _check_may_edit(principal, parties)


def _write_releasability(
    session: Session, commitment_id: int, codes: Iterable[str], history_from: datetime | None
) -> None:
    """Release to `codes`: parties that keep access keep the past they could see; parties
    that gain it see the past from `history_from` on (None: all of it)."""
    wanted = set(_ids_by_key(session, Party, "code", codes, "party code(s)").values())
    current = set(
        session.execute(
            select(col(CommitmentReleasability.party_id)).where(
                col(CommitmentReleasability.commitment_id) == commitment_id
            )
        ).scalars()
    )
    if current - wanted:
        session.execute(
            delete(CommitmentReleasability).where(
                col(CommitmentReleasability.commitment_id) == commitment_id,
                col(CommitmentReleasability.party_id).in_(current - wanted),
            )
        )
    for party_id in sorted(wanted - current):
        session.add(
            CommitmentReleasability(
                commitment_id=commitment_id, party_id=party_id, history_from=history_from
            )
        )


def _write_links(
    session: Session,
    commitment_id: int,
    field: str,
    value: Any,
    history_from: datetime | None = None,
) -> None:
    if field == "releasable_to":
        _write_releasability(session, commitment_id, value, history_from)
    elif field == "parties":
        session.execute(
            delete(CommitmentParty).where(col(CommitmentParty.commitment_id) == commitment_id)
        )
        for party_id in _ids_by_key(session, Party, "code", value, "party code(s)").values():
            session.add(CommitmentParty(commitment_id=commitment_id, party_id=party_id))
    elif field == "areas":
        session.execute(
            delete(CommitmentArea).where(col(CommitmentArea.commitment_id) == commitment_id)
        )
        for area_id in _ids_by_key(
            session, PriorityArea, "slug", value, "priority area(s)"
        ).values():
            session.add(CommitmentArea(commitment_id=commitment_id, area_id=area_id))
    elif field == "leads":
        session.execute(
            delete(CommitmentLead).where(col(CommitmentLead.commitment_id) == commitment_id)
        )
        party_ids = _ids_by_key(session, Party, "code", value, "party code(s)")
        for party, contact_id in value.items():
            session.add(
                CommitmentLead(
                    commitment_id=commitment_id, party_id=party_ids[party], contact_id=contact_id
                )
            )
    elif field == "supporting_contacts":
        session.execute(
            delete(CommitmentContact).where(col(CommitmentContact.commitment_id) == commitment_id)
        )
        for contact_id in value:
            session.add(CommitmentContact(commitment_id=commitment_id, contact_id=contact_id))


def apply_changes(
    *,
    session: Session,
    commitment: Commitment,
    changes: dict[str, tuple[Any, Any]],
    actor: Actor,
    reason: str | None = None,
    release_history: bool = False,
) -> None:
    """Write changed fields, bump the version and record the history, all or nothing.

    A party newly released to sees the commitment's past only from now, unless
    `release_history` releases the past too.

    The version bump comes first and only matches the version that was read: a writer that
    committed in between makes it match no row, and this change is refused with 412.
    """
    if not changes:
        return
    commitment_id = id_of(commitment)
    read_version, now = commitment.version, utcnow()
    bumped = session.execute(
        update(Commitment)
        .where(col(Commitment.id) == commitment_id, col(Commitment.version) == read_version)
        .values(version=read_version + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if bumped.rowcount != 1:  # type: ignore[attr-defined]
        raise PreconditionFailedError(
            "The commitment was changed by someone else at the same time; read it again."
        )
    commitment.version, commitment.updated_at = read_version + 1, now
    for field, (_old, new) in changes.items():
        if field in LINK_FIELDS:
            _write_links(session, commitment_id, field, new, None if release_history else now)
        elif field in Commitment.model_fields:
            setattr(commitment, field, new)
        # Others ("archived", "cycle KEY: ...") are set by the caller and only recorded here.
    if "title" in changes or "quote" in changes:
        commitment.search_text = search_text_of(
            ref=commitment.ref, title=commitment.title, quote=commitment.quote
        )
    session.add(commitment)
    session.flush()
    history.record(
        session=session,
        commitment_id=commitment_id,
        version=commitment.version,
        changes=changes,
        actor=actor,
        reason=reason,
        at=now,
    )


def _diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {field: (old[field], new[field]) for field in new if new[field] != old[field]}


def _check_transition(current: str, new: str) -> None:
    current_status, new_status = CommitmentStatus(current), CommitmentStatus(new)
    if not can_move(current_status, new_status):
        allowed = allowed_next(current_status)
        raise InvalidTransitionError(
            f"A commitment cannot go from {current} to {new}; "
            f"allowed next: {', '.join(allowed) or 'none (final)'}.",
            current_status=current,
            allowed_next=allowed,
        )


def _requested_state(old: dict[str, Any], request: CommitmentUpdate) -> dict[str, Any]:
    new = dict(old)
    for field in request.model_fields_set - {"progress_note", "release_history"}:
        value = getattr(request, field)
        if field == "title" and value is None:
            raise UnprocessableError("A commitment's title cannot be removed.")
        if value is None and field in LINK_FIELDS:
            raise UnprocessableError(f"Send an empty list, not null, to clear {field}.")
        if field in ("parties", "areas", "releasable_to"):
            value = sorted(value)
        elif field == "leads":
            value = {
                lead.party: lead.contact_id for lead in sorted(value, key=lambda lead: lead.party)
            }
        elif field == "supporting_contacts":
            value = sorted(set(value))
        elif field == "status":
            value = value.value
        elif field in ("due_rule", "recurrence") and value is not None:
            value = value.model_dump(mode="json")
        new[field] = value
    if "parties" in request.model_fields_set and "releasable_to" not in request.model_fields_set:
        new["releasable_to"] = sorted(set(old["releasable_to"]) | set(new["parties"]))
    fields = request.model_fields_set
    if "due_date" in fields and request.due_date is not None:
        if request.due_rule is not None:
            raise UnprocessableError("Give a due_date or a due_rule, not both.")
        new["due_rule"] = None
    if new["due_rule"] is not None and new["recurrence"] is not None:
        raise UnprocessableError("A recurring commitment's due dates come from its cycles.")
    if new["recurrence"] is not None and "due_date" in fields and request.due_date is not None:
        raise UnprocessableError("A recurring commitment's due dates come from its cycles.")
    return new


def derive_deadline(
    session: Session, commitment: Commitment, state: dict[str, Any]
) -> dict[str, tuple[Any, Any]]:
    """Set the due date a rule or a recurrence implies; return the cycles' changes."""
    if state["recurrence"] is not None:
        recurrence = Recurrence.model_validate(state["recurrence"])
        cycle_changes = deadlines.sync_cycles(
            session=session, commitment=commitment, recurrence=recurrence
        )
        state["due_date"] = deadlines.earliest_open_due(session, commitment)
        commitment.due_meeting_id = None
        return cycle_changes
    if state["due_rule"] is not None:
        rule = DueRule.model_validate(state["due_rule"])
        commitment.due_meeting_id, state["due_date"] = deadlines.ruled_due_date(
            session, commitment, rule
        )
    else:
        commitment.due_meeting_id = None
    return {}


def update_commitment(
    *,
    session: Session,
    ref: str,
    request: CommitmentUpdate,
    principal: Principal,
    if_match: IfMatch,
) -> CommitmentPublic:
    commitment = get_commitment(session=session, ref=ref, principal=principal, for_update=True)
    if commitment.archived_at is not None:
        raise NotFoundError(f"Commitment {ref!r} is archived; restore it first.")
    if_match.check(commitment.version)
    old = current_state(session=session, commitment=commitment)
    _check_may_edit(principal, old["parties"])
    new = _requested_state(old, request)
    _check_may_withdraw(principal, old, new)
    _validate(session, new, principal, changed=_diff(old, new).keys())
    cycle_changes = derive_deadline(session, commitment, new)
    _check_transition(old["status"], new["status"])
    note = request.progress_note
    if note is not None and note.cycle is not None:
        raise UnprocessableError("A note about one cycle goes to POST .../updates.")
    if note is not None and note.status is not None and note.status.value != new["status"]:
        raise UnprocessableError("The note's status differs from the status being set.")
    completing = new["status"] == CommitmentStatus.completed and old["status"] != new["status"]
    if (
        completing
        and note is None
        and not progress.has_evidence(session=session, commitment_id=id_of(commitment))
    ):
        raise UnprocessableError(
            "Completing a commitment needs a progress note in the same request "
            "or an earlier note with evidence.",
        )
    changes = _diff(old, new) | cycle_changes | _completion(commitment, new["status"], note)
    if note is not None:
        changes |= _note_effects(
            session, commitment, note, old["status"], new["status"], principal
        )[1]
    apply_changes(
        session=session,
        commitment=commitment,
        changes=changes,
        actor=principal.actor(),
        release_history=request.release_history,
    )
    return public_of(session=session, commitment=commitment)


def _note_effects(
    session: Session,
    commitment: Commitment,
    request: NoteCreate,
    old_status: str,
    new_status: str,
    principal: Principal,
    cycle: CommitmentCycle | None = None,
) -> tuple[ProgressNote, dict[str, tuple[Any, Any]]]:
    """Insert a note; return it and the changes it makes to the commitment's progress fields."""
    as_of = request.as_of or today()
    status_change = (old_status, new_status) if old_status != new_status else None
    # A note may correct only one its author's party may see.
    visible_since = (
        history_horizon(session=session, commitment_id=id_of(commitment), principal=principal)
        if request.corrects is not None
        else None
    )
    note = progress.insert_note(
        session=session,
        commitment_id=id_of(commitment),
        request=request,
        actor=principal.actor(),
        as_of=as_of,
        status_change=status_change,
        cycle_id=cycle.id if cycle else None,
        visible_since=visible_since,
    )
    # The note itself is a change to the record: in its history, and a new version.
    changes: dict[str, tuple[Any, Any]] = {"note": (None, id_of(note))}
    if commitment.last_note_on is None or as_of >= commitment.last_note_on:
        if as_of != commitment.last_note_on:
            changes["last_note_on"] = (commitment.last_note_on, as_of)
        if (
            cycle is None
            and request.percent_complete is not None
            and request.percent_complete != commitment.percent_complete
        ):
            changes["percent_complete"] = (commitment.percent_complete, request.percent_complete)
    return note, changes


def _completion(
    commitment: Commitment, status: str, note: NoteCreate | None
) -> dict[str, tuple[Any, Any]]:
    """The completion date follows the status: the completing note's day, or today."""
    completed_on = None
    if status == CommitmentStatus.completed.value:
        completed_on = commitment.completed_on or (note.as_of if note and note.as_of else today())
    if completed_on == commitment.completed_on:
        return {}
    return {"completed_on": (commitment.completed_on, completed_on)}


def _move_cycle(
    session: Session, commitment: Commitment, cycle: CommitmentCycle, status: str, on: date
) -> dict[str, tuple[Any, Any]]:
    """Set a cycle's status; the commitment's due date follows its earliest open cycle."""
    completed_on = on if status == CommitmentStatus.completed.value else None
    changes: dict[str, tuple[Any, Any]] = {f"cycle {cycle.key}: status": (cycle.status, status)}
    if completed_on != cycle.completed_on:
        changes[f"cycle {cycle.key}: completed_on"] = (cycle.completed_on, completed_on)
    cycle.status, cycle.completed_on, cycle.updated_at = status, completed_on, utcnow()
    session.add(cycle)
    session.flush()
    due = deadlines.earliest_open_due(session, commitment)
    if due != commitment.due_date:
        changes["due_date"] = (commitment.due_date, due)
    return changes


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
    commitment = get_commitment(session=session, ref=ref, principal=principal, for_update=True)
    if commitment.archived_at is not None:
        raise NotFoundError(f"Commitment {ref!r} is archived; restore it first.")
    parties = current_state(session=session, commitment=commitment)["parties"]
    _check_may_edit(principal, parties)
    cycle = deadlines.find_cycle(session, commitment, request.cycle) if request.cycle else None
    old_status = cycle.status if cycle else commitment.status
    new_status = request.status.value if request.status else old_status
    changes: dict[str, tuple[Any, Any]] = {}
    if new_status != old_status or if_match.header is not None:
        if_match.check(commitment.version)
    if new_status != old_status:
        _check_transition(old_status, new_status)
        if cycle is None:
            changes["status"] = (old_status, new_status)
            changes |= _completion(commitment, new_status, request)
        else:
            changes |= _move_cycle(session, commitment, cycle, new_status, request.as_of or today())
    note, effects = _note_effects(
        session, commitment, request, old_status, new_status, principal, cycle
    )
    apply_changes(
        session=session, commitment=commitment, changes=changes | effects, actor=principal.actor()
    )
    return (
        progress.note_public(note, cycle.key if cycle else None),
        public_of(session=session, commitment=commitment),
    )


# Crockford's base32: no I, L, O or U to misread when a reference is read out or typed.
_REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _unused_reference(session: Session) -> str:
    """A random reference (AC-7K3M-9QX2): a sequence would tell every reader how many
    commitments were created that it may not see."""
    while True:
        chars = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))
        ref = f"AC-{chars[:4]}-{chars[4:]}"
        taken = session.execute(select(col(Commitment.id)).where(col(Commitment.ref) == ref))
        if taken.first() is None:
            return ref


def create_commitment(
    *, session: Session, request: CommitmentCreate, principal: Principal | None, actor: Actor
) -> CommitmentPublic:
    if request.status not in INITIAL:
        raise UnprocessableError(
            f"A new commitment starts as one of: {', '.join(sorted(s.value for s in INITIAL))}."
        )
    if request.due_date is not None and (request.due_rule or request.recurrence):
        raise UnprocessableError("Give a due_date, a due_rule or a recurrence, not several.")
    if request.due_rule is not None and request.recurrence is not None:
        raise UnprocessableError("A recurring commitment's due dates come from its cycles.")
    state: dict[str, Any] = {
        "title": request.title,
        "description": request.description,
        "status": request.status.value,
        "due_date": request.due_date,
        "due_rule": request.due_rule.model_dump(mode="json") if request.due_rule else None,
        "recurrence": request.recurrence.model_dump(mode="json") if request.recurrence else None,
        "parties": sorted(request.parties),
        "areas": sorted(request.areas),
        "leads": {
            lead.party: lead.contact_id
            for lead in sorted(request.leads, key=lambda lead: lead.party)
        },
        "supporting_contacts": sorted(set(request.supporting_contacts)),
        "releasable_to": sorted(request.releasable_to or request.parties),
    }
    _validate(session, state, principal)
    document_id = meeting_id = None
    if request.document:
        document = session.exec(
            select(SourceDocument).where(col(SourceDocument.slug) == request.document)
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
    now = utcnow()
    commitment = Commitment(
        ref=_unused_reference(session),
        title=request.title,
        description=request.description,
        status=request.status.value,
        due_date=request.due_date,
        document_id=document_id,
        meeting_id=meeting_id,
        quote=request.quote,
        due_rule=state["due_rule"],
        recurrence=state["recurrence"],
        created_at=now,
        updated_at=now,
    )
    session.add(commitment)
    session.flush()
    cycle_changes = derive_deadline(session, commitment, state)
    commitment.due_date = state["due_date"]
    commitment.search_text = search_text_of(
        ref=commitment.ref, title=commitment.title, quote=commitment.quote
    )
    for field in LINK_FIELDS:
        _write_links(session, id_of(commitment), field, state[field])
    session.add(commitment)
    session.flush()
    record_creation(
        session=session,
        commitment=commitment,
        state=state | cycle_changes_as_state(cycle_changes),
        actor=actor,
    )
    return public_of(session=session, commitment=commitment)


def cycle_changes_as_state(changes: dict[str, tuple[Any, Any]]) -> dict[str, Any]:
    return {field: new for field, (_old, new) in changes.items()}


def record_creation(
    *, session: Session, commitment: Commitment, state: dict[str, Any], actor: Actor
) -> None:
    """History of a new commitment: each field it starts with, from nothing."""
    initial = {
        field: (None, value) for field, value in state.items() if value not in (None, [], {})
    }
    history.record(
        session=session,
        commitment_id=id_of(commitment),
        version=commitment.version,
        changes={"created": (None, commitment.ref)} | initial,
        actor=actor,
        at=commitment.updated_at,
    )


def set_archived(
    *,
    session: Session,
    ref: str,
    archived: bool,
    principal: Principal,
    if_match: IfMatch,
) -> CommitmentPublic:
    """Archive (never delete) or restore a commitment."""
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
            changes={"archived": (was_archived, archived)},
            actor=principal.actor(),
        )
    return public_of(session=session, commitment=commitment)


def _as_date(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def past_cycles(state: PastState) -> list[CommitmentCycle]:
    """The cycles as they stood, as (unsaved) rows, in due order."""
    cycles = [
        CommitmentCycle(
            commitment_id=state.commitment_id,
            key=key,
            due_date=_as_date(cycle["due_date"]),
            status=cycle["status"],
            completed_on=_as_date(cycle["completed_on"]),
        )
        for key, cycle in state.cycles.items()
    ]
    return sorted(cycles, key=lambda c: (c.due_date is None, c.due_date or date.min, c.key))


def get_commitment_as_of(
    *, session: Session, ref: str, principal: Principal, on: date
) -> CommitmentPublic:
    """The commitment as it stood at the end of `on`, rebuilt from its history."""
    until = end_of(on)
    commitment = get_commitment(session=session, ref=ref, principal=principal, past_at=until)
    state = states_as_of(session=session, until=until, commitment_ids=[id_of(commitment)]).get(
        id_of(commitment)
    )
    if state is None or (state.get("archived", False) and not principal.is_admin):
        raise NotFoundError(f"Commitment {ref!r} was not in the register on {on.isoformat()}.")
    row = PageRow(*session.execute(page_query().where(col(Commitment.id) == commitment.id)).one())
    contact_ids = [*state.get("leads", {}).values(), *state.get("supporting_contacts", [])]
    contacts = {
        id_of(contact): contact
        for contact in session.exec(select(Contact).where(col(Contact.id).in_(contact_ids)))
    }
    cycles = past_cycles(state)
    past = Commitment(
        **{
            **commitment.model_dump(),
            "title": state.get("title", commitment.title),
            "description": state.get("description"),
            "status": state.get("status", commitment.status),
            "due_date": _as_date(state.get("due_date")),
            "due_rule": state.get("due_rule"),
            "recurrence": state.get("recurrence"),
            "percent_complete": state.get("percent_complete"),
            "last_note_on": _as_date(state.get("last_note_on")),
            "completed_on": _as_date(state.get("completed_on")),
            "version": state.version,
            "updated_at": state.changed_at or commitment.updated_at,
            "archived_at": state.changed_at if state.get("archived", False) else None,
        }
    )
    public = _public(
        row._replace(commitment=past),
        state.get("parties", []),
        state.get("areas", []),
        [
            LeadPublic(party=party, contact=_contact_ref(contacts[contact_id]))
            for party, contact_id in sorted(state.get("leads", {}).items())
            if contact_id in contacts
        ],
        [_contact_ref(contacts[i]) for i in state.get("supporting_contacts", []) if i in contacts],
        state.get("releasable_to", []),
        [(cycle, state.cycles[cycle.key].get("meeting")) for cycle in cycles],
    )
    if public.compliance is not None:
        public.compliance = deadlines.compliance(cycles, on)
    return public


EXPORT_PAGE = 500
EXPORT_COLUMNS = [
    "ref",
    "title",
    "status",
    "due_date",
    "due_state",
    "parties",
    "areas",
    "leads",
    "releasable_to",
    "document",
    "meeting",
    "quote",
    "percent_complete",
    "last_note_on",
    "version",
    "updated_at",
]


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
        yield from page.items
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def export_rows(
    *, database: Database, filters: CommitmentFilters, principal: Principal, sort: CommitmentSort
) -> Iterator[list[Any]]:
    """Every matching commitment as a row of EXPORT_COLUMNS."""
    for c in iter_all(database=database, filters=filters, principal=principal, sort=sort):
        yield [
            c.ref,
            c.title,
            c.status.value,
            c.due_date,
            c.due_state.value,
            c.parties,
            c.areas,
            [f"{lead.party}: {lead.contact.name}" for lead in c.leads],
            c.releasable_to,
            c.source.document,
            c.source.meeting,
            c.source.quote,
            c.percent_complete,
            c.last_note_on,
            c.version,
            c.updated_at.isoformat(),
        ]
