"""Reads of the register: the page statement, keyset sorting, one commitment the caller may see."""

from collections import defaultdict
from collections.abc import Collection
from datetime import date, datetime
from typing import Any, NamedTuple

from pydantic import TypeAdapter
from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    func,
    literal,
)
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from app.commitments.filters import CommitmentFilters, filter_conditions
from app.commitments.models import (
    Commitment,
    CommitmentParty,
    CommitmentReleasability,
)
from app.commitments.visibility import audience_of, visible_to
from app.core.db import AnySelect, BuiltStatements
from app.core.errors import InvalidCursorError, NotFoundError
from app.core.pagination import (
    NOT_ISSUED,
    SortKey,
    after_cursor,
    cursor_day,
    cursor_flag,
    cursor_instant,
    cursor_text,
    decode_cursor,
    encode_cursor,
)
from app.core.security import Principal
from app.core.time import today
from app.core.validation import Ref
from app.reference import Meeting, Party, SourceDocument
from app.reference import readable as readable_documents
from app.vocabulary import CommitmentSort

_cursor_ref = cursor_text(TypeAdapter(Ref))
_BY_DUE_DATE = (CommitmentSort.due_date, CommitmentSort.due_date_desc)
_due_missing = case((col(Commitment.due_date).is_(None), 1), else_=0)


class PageRow(NamedTuple):
    """A commitment as a tracked object, with its sources (for reports and the past)."""

    commitment: Commitment
    document_slug: str | None
    document_title: str | None
    meeting_key: str | None
    due_meeting_key: str | None = None


class PublicRow(NamedTuple):
    """What a reader is shown of one commitment, as plain columns: its own, then its
    sources'. Pages and single reads take these straight from the driver."""

    id: int
    ref: str
    title: str
    description: str | None
    status: str
    kind: str
    brought_under_framework: bool
    due_date: date | None
    due_rule: dict[str, Any] | None
    recurrence: dict[str, Any] | None
    quote: str | None
    paragraph: int | None
    context_before: str | None
    context_after: str | None
    assessments: dict[str, Any] | None
    percent_complete: int | None
    last_note_on: date | None
    completed_on: date | None
    version: int
    created_at: datetime
    updated_at: datetime
    archived_at: datetime | None
    document_slug: str | None
    document_title: str | None
    meeting_key: str | None
    due_meeting_key: str | None


# The commitment's own fields of PublicRow, in its order: one list for the statement and
# for rows made of tracked objects.
_OWN_FIELDS = PublicRow._fields[: PublicRow._fields.index("document_slug")]


def public_row_of(row: PageRow) -> PublicRow:
    """A tracked commitment as PublicRow; its statement's slug missing from a row that names
    one means the caller may not read it, and then its quote goes too (_public_columns)."""
    commitment = row.commitment
    withheld = commitment.document_id is not None and row.document_slug is None
    return PublicRow._make(
        [
            None if withheld and name in _QUOTED else getattr(commitment, name)
            for name in _OWN_FIELDS
        ]
        + list(row[1:])
    )


_due_meeting = aliased(Meeting)


def _sort_keys(sort: CommitmentSort) -> list[SortKey]:
    """The ordering of a sort, ending with the unique reference: the tie-breaker the caller
    sees, where a row id would let a cursor count the commitments it may not see."""
    descending = sort.value.startswith("-")
    ref = SortKey(col(Commitment.ref), _cursor_ref, descending)
    match sort:
        case CommitmentSort.due_date | CommitmentSort.due_date_desc:
            # Commitments without a due date come last in both directions.
            return [
                SortKey(_due_missing, cursor_flag),
                SortKey(col(Commitment.due_date), cursor_day, descending, nullable=True),
                ref,
            ]
        case CommitmentSort.ref | CommitmentSort.ref_desc:
            return [ref]
        case CommitmentSort.updated_at | CommitmentSort.updated_at_desc:
            return [SortKey(col(Commitment.updated_at), cursor_instant, descending), ref]


def _after(cursor: str, sort: CommitmentSort, keys: list[SortKey]) -> ColumnElement[bool]:
    values = decode_cursor(cursor, sort.value, keys)
    if sort in _BY_DUE_DATE and (values[0] == 1) != (values[1] is None):
        # The flag says the row had no due date: a cursor that disagrees was never issued.
        raise InvalidCursorError(NOT_ISSUED)
    return after_cursor(keys, values)


def _cursor_values(sort: CommitmentSort, row: PublicRow) -> list[Any]:
    match sort:
        case CommitmentSort.due_date | CommitmentSort.due_date_desc:
            return [1 if row.due_date is None else 0, row.due_date, row.ref]
        case CommitmentSort.ref | CommitmentSort.ref_desc:
            return [row.ref]
        case CommitmentSort.updated_at | CommitmentSort.updated_at_desc:
            return [row.updated_at.isoformat(), row.ref]


def _with_sources(statement: AnySelect, principal: Principal | None) -> AnySelect:
    """The commitment's statement, joined only when the caller reads it (the documents' own
    `readable`): the one rule of what of its source a commitment shows a caller."""
    return (
        statement.select_from(Commitment)
        .outerjoin(
            SourceDocument,
            and_(
                col(SourceDocument.id) == col(Commitment.document_id),
                *readable_documents(principal),
            ),
        )
        .outerjoin(Meeting, col(Meeting.id) == col(Commitment.meeting_id))
        .outerjoin(_due_meeting, col(_due_meeting.id) == col(Commitment.due_meeting_id))
    )


_SOURCE_COLUMNS = (
    col(SourceDocument.slug),
    col(SourceDocument.title),
    col(Meeting.key),
    col(_due_meeting.key),
)
# The commitment's own columns that come from its statement: shown with the statement only.
_QUOTED = frozenset({"quote", "paragraph", "context_before", "context_after"})


def _public_columns(principal: Principal | None) -> list[Any]:
    """PublicRow's columns for the caller: a commitment whose statement the caller may not
    read shows nothing of it (no slug, title, quote or context), as if it named none."""
    withheld = and_(col(Commitment.document_id).is_not(None), col(SourceDocument.id).is_(None))
    restricted = bool(readable_documents(principal))
    return [
        case((withheld, None), else_=col(getattr(Commitment, name))).label(name)
        if restricted and name in _QUOTED
        else col(getattr(Commitment, name))
        for name in _OWN_FIELDS
    ] + list(_SOURCE_COLUMNS)


def page_query(principal: Principal | None) -> AnySelect:
    """Commitments as tracked objects, with the sources the caller may read."""
    return _with_sources(sa_select(Commitment, *_SOURCE_COLUMNS), principal)


def public_query(principal: Principal | None) -> AnySelect:
    """Commitments as PublicRow columns for the caller: no tracked objects."""
    return _with_sources(sa_select(*_public_columns(principal)), principal)


def readable(
    principal: Principal | None, filters: CommitmentFilters | None = None
) -> list[ColumnElement[bool]]:
    """The one statement of what a caller reads: the commitments releasable to the principal
    that match the filters. Every list, count and export of commitments starts from it."""
    matching = filter_conditions(filters, principal) if filters is not None else []
    return [*matching, *visible_to(principal)]


def count_commitments(
    *, session: Session, filters: CommitmentFilters, principal: Principal | None
) -> int:
    return session.exec(
        select(func.count()).select_from(Commitment).where(*readable(principal, filters))
    ).one()


def count_by_status(
    *, session: Session, filters: CommitmentFilters, principal: Principal | None
) -> dict[str, int]:
    """How many of what the caller reads are in each status (a status with none is absent)."""
    rows = session.execute(
        sa_select(col(Commitment.status), func.count())
        .where(*readable(principal, filters))
        .group_by(col(Commitment.status))
    )
    return {status: int(count) for status, count in rows}


_PAGES: BuiltStatements[AnySelect] = BuiltStatements(256)


def page_rows(
    *,
    session: Session,
    filters: CommitmentFilters,
    principal: Principal | None,
    sort: CommitmentSort,
    limit: int,
    cursor: str | None,
) -> tuple[list[PublicRow], str | None]:
    """One page of rows in `sort` order after `cursor`, and the cursor of the next page."""
    keys = _sort_keys(sort)

    def build() -> AnySelect:
        statement = public_query(principal).where(*readable(principal, filters))
        if cursor:
            statement = statement.where(_after(cursor, sort, keys))
        # The limit is written into the statement, not bound: PostgreSQL then plans the page
        # once per connection (a bound LIMIT makes every plan a custom one).
        return statement.order_by(*(key.order_by() for key in keys)).limit(
            literal(limit + 1, literal_execute=True)
        )

    # The filters' day (as_of's default) is part of what the statement was built from.
    shape = (filters.model_dump_json(), audience_of(principal), sort, limit, cursor, today())
    statement = _PAGES.get(shape, build)
    rows = [PublicRow(*row) for row in session.connection().execute(statement)]
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor(sort.value, _cursor_values(sort, rows[-1]))


def not_found(ref: str) -> NotFoundError:
    return NotFoundError(f"No commitment with reference {ref!r}.")


def archives_hidden_from(principal: Principal | None, include: bool) -> bool:
    """Archived commitments exist only for admins and for callers that ask for them."""
    admin = principal is not None and principal.is_admin
    return not (include or admin)


def hidden_from(archived_at: datetime | None, principal: Principal | None, include: bool) -> bool:
    return archived_at is not None and archives_hidden_from(principal, include)


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
    if commitment is None or hidden_from(commitment.archived_at, principal, include_archived):
        raise not_found(ref)
    return commitment


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
