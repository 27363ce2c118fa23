"""Reading the register: filtered, keyset-paginated lists and single commitments."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from app.areas.models import PriorityArea
from app.commitments.enums import CommitmentSort, CommitmentStatus
from app.commitments.filters import CommitmentFilters, filter_conditions
from app.commitments.models import (
    Commitment,
    CommitmentArea,
    CommitmentLead,
    CommitmentPage,
    CommitmentParty,
    CommitmentPublic,
    LeadPublic,
    Locator,
    SourcePublic,
)
from app.contacts.enums import ContactKind
from app.contacts.models import Contact, ContactRef
from app.core.errors import NotFoundError
from app.core.metadata import id_of
from app.core.pagination import SortKey, after_cursor, decode_cursor, encode_cursor
from app.documents.models import SourceDocument
from app.meetings.models import Meeting
from app.parties.models import Party

_due_missing = case((col(Commitment.due_date).is_(None), 1), else_=0)


def _parse_datetime(raw: Any) -> datetime:
    value = datetime.fromisoformat(raw)
    if value.tzinfo is None:
        raise ValueError("cursor timestamps carry their offset")
    return value


def _sort_keys(sort: CommitmentSort) -> list[SortKey]:
    descending = sort.value.startswith("-")
    row_id = SortKey(col(Commitment.id), int, descending)
    match sort:
        case CommitmentSort.due_date | CommitmentSort.due_date_desc:
            # Commitments without a due date come last in both directions.
            return [
                SortKey(_due_missing, int),
                SortKey(col(Commitment.due_date), date.fromisoformat, descending),
                row_id,
            ]
        case CommitmentSort.ref | CommitmentSort.ref_desc:
            return [SortKey(col(Commitment.ref), str, descending), row_id]
        case CommitmentSort.updated_at | CommitmentSort.updated_at_desc:
            return [SortKey(col(Commitment.updated_at), _parse_datetime, descending), row_id]


def _cursor_values(sort: CommitmentSort, row: Commitment) -> list[Any]:
    match sort:
        case CommitmentSort.due_date | CommitmentSort.due_date_desc:
            return [1 if row.due_date is None else 0, row.due_date, row.id]
        case CommitmentSort.ref | CommitmentSort.ref_desc:
            return [row.ref, row.id]
        case CommitmentSort.updated_at | CommitmentSort.updated_at_desc:
            return [row.updated_at.isoformat(), row.id]


class PageRow(NamedTuple):
    commitment: Commitment
    document_slug: str | None
    document_title: str | None
    meeting_key: str | None


_page_columns = (Commitment, col(SourceDocument.slug), col(SourceDocument.title), col(Meeting.key))


def _with_source(statement: Any) -> Any:
    return statement.outerjoin(
        SourceDocument, col(SourceDocument.id) == col(Commitment.document_id)
    ).outerjoin(Meeting, col(Meeting.id) == col(Commitment.meeting_id))


def count_commitments(*, session: Session, filters: CommitmentFilters) -> int:
    statement = select(func.count()).select_from(Commitment).where(*filter_conditions(filters))
    return session.exec(statement).one()


def list_commitments(
    *,
    session: Session,
    filters: CommitmentFilters,
    sort: CommitmentSort = CommitmentSort.ref,
    limit: int = 50,
    cursor: str | None = None,
) -> CommitmentPage:
    keys = _sort_keys(sort)
    conditions = filter_conditions(filters)
    total = count_commitments(session=session, filters=filters)
    statement = _with_source(select(*_page_columns)).where(*conditions)
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


def get_commitment(*, session: Session, ref: str) -> Commitment:
    commitment = session.exec(select(Commitment).where(col(Commitment.ref) == ref)).first()
    if commitment is None or commitment.archived_at is not None:
        raise NotFoundError(f"No commitment with reference {ref!r}.")
    return commitment


def get_commitment_public(*, session: Session, ref: str) -> CommitmentPublic:
    commitment = get_commitment(session=session, ref=ref)
    statement = _with_source(select(*_page_columns)).where(col(Commitment.id) == commitment.id)
    return to_public(session=session, rows=[PageRow(*row) for row in session.execute(statement)])[0]


def to_public(*, session: Session, rows: Sequence[PageRow]) -> list[CommitmentPublic]:
    """Public views of page rows, with their parties, areas and leads in three batched queries."""
    if not rows:
        return []
    ids = [id_of(row.commitment) for row in rows]
    parties: dict[int, list[str]] = defaultdict(list)
    for commitment_id, code in session.execute(
        select(col(CommitmentParty.commitment_id), col(Party.code))
        .join(Party, col(Party.id) == col(CommitmentParty.party_id))
        .where(col(CommitmentParty.commitment_id).in_(ids))
        .order_by(col(Party.code))
    ):
        parties[commitment_id].append(code)
    areas: dict[int, list[str]] = defaultdict(list)
    for commitment_id, slug in session.execute(
        select(col(CommitmentArea.commitment_id), col(PriorityArea.slug))
        .join(PriorityArea, col(PriorityArea.id) == col(CommitmentArea.area_id))
        .where(col(CommitmentArea.commitment_id).in_(ids))
        .order_by(col(PriorityArea.position), col(PriorityArea.slug))
    ):
        areas[commitment_id].append(slug)
    leads: dict[int, list[LeadPublic]] = defaultdict(list)
    for commitment_id, code, contact in session.execute(
        select(col(CommitmentLead.commitment_id), col(Party.code), Contact)
        .join(Party, col(Party.id) == col(CommitmentLead.party_id))
        .join(Contact, col(Contact.id) == col(CommitmentLead.contact_id))
        .where(col(CommitmentLead.commitment_id).in_(ids))
        .order_by(col(Party.code))
    ):
        reference = ContactRef(id=contact.id, name=contact.name, kind=ContactKind(contact.kind))
        leads[commitment_id].append(LeadPublic(party=code, contact=reference))
    return [
        _public(row, parties[key], areas[key], leads[key])
        for row in rows
        for key in [id_of(row.commitment)]
    ]


def _public(
    row: PageRow,
    parties: list[str],
    areas: list[str],
    leads: list[LeadPublic],
) -> CommitmentPublic:
    commitment = row.commitment
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
        leads=leads,
        version=commitment.version,
        created_at=commitment.created_at,
        updated_at=commitment.updated_at,
        archived=commitment.archived_at is not None,
    )
