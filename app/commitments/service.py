"""Reading the register: filtered, keyset-paginated lists and single commitments."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, case, func, select
from sqlmodel import Session

from app.areas.models import PriorityArea
from app.commitments.enums import CommitmentSort
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
from app.core.pagination import SortKey, after_cursor, decode_cursor, encode_cursor
from app.documents.models import SourceDocument
from app.meetings.models import Meeting
from app.parties.models import Party

_due_missing = case((Commitment.due_date.is_(None), 1), else_=0)  # type: ignore[union-attr]


def _parse_datetime(raw: Any) -> datetime:
    value = datetime.fromisoformat(raw)
    if value.tzinfo is None:
        raise ValueError("cursor timestamps carry their offset")
    return value


def _sort_keys(sort: CommitmentSort) -> list[SortKey]:
    descending = sort.value.startswith("-")
    row_id = SortKey(Commitment.id, int, descending)  # type: ignore[arg-type]
    match sort:
        case CommitmentSort.due_date | CommitmentSort.due_date_desc:
            # Commitments without a due date come last in both directions.
            return [
                SortKey(_due_missing, int),
                SortKey(Commitment.due_date, date.fromisoformat, descending),  # type: ignore[arg-type]
                row_id,
            ]
        case CommitmentSort.ref | CommitmentSort.ref_desc:
            return [SortKey(Commitment.ref, str, descending), row_id]  # type: ignore[arg-type]
        case CommitmentSort.updated_at | CommitmentSort.updated_at_desc:
            return [SortKey(Commitment.updated_at, _parse_datetime, descending), row_id]  # type: ignore[arg-type]


def _cursor_values(sort: CommitmentSort, row: Commitment) -> list[Any]:
    match sort:
        case CommitmentSort.due_date | CommitmentSort.due_date_desc:
            return [1 if row.due_date is None else 0, row.due_date, row.id]
        case CommitmentSort.ref | CommitmentSort.ref_desc:
            return [row.ref, row.id]
        case CommitmentSort.updated_at | CommitmentSort.updated_at_desc:
            return [row.updated_at.isoformat(), row.id]


_page_columns = (Commitment, SourceDocument.slug, SourceDocument.title, Meeting.key)


def _with_source(statement: Any) -> Any:
    return statement.outerjoin(
        SourceDocument, SourceDocument.id == Commitment.document_id
    ).outerjoin(Meeting, Meeting.id == Commitment.meeting_id)


def count_commitments(*, session: Session, filters: CommitmentFilters) -> int:
    statement = select(func.count()).select_from(Commitment).where(*filter_conditions(filters))
    return session.execute(statement).scalar_one()


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
    rows = session.execute(statement).all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = (
        encode_cursor(sort.value, _cursor_values(sort, rows[-1][0])) if has_more and rows else None
    )
    return CommitmentPage(
        items=to_public(session=session, rows=rows), total=total, next_cursor=next_cursor
    )


def get_commitment(*, session: Session, ref: str) -> Commitment:
    commitment = session.execute(
        select(Commitment).where(Commitment.ref == ref)
    ).scalar_one_or_none()
    if commitment is None or commitment.archived_at is not None:
        raise NotFoundError(f"No commitment with reference {ref!r}.")
    return commitment


def get_commitment_public(*, session: Session, ref: str) -> CommitmentPublic:
    commitment = get_commitment(session=session, ref=ref)
    statement = _with_source(select(*_page_columns)).where(Commitment.id == commitment.id)
    return to_public(session=session, rows=session.execute(statement).all())[0]


def to_public(*, session: Session, rows: Sequence[Row[Any]]) -> list[CommitmentPublic]:
    """Public views of page rows, with their parties, areas and leads in three batched queries."""
    if not rows:
        return []
    ids = [row[0].id for row in rows]
    parties: dict[int, list[str]] = defaultdict(list)
    for commitment_id, code in session.execute(
        select(CommitmentParty.commitment_id, Party.code)
        .join(Party, Party.id == CommitmentParty.party_id)
        .where(CommitmentParty.commitment_id.in_(ids))  # type: ignore[attr-defined]
        .order_by(Party.code)
    ):
        parties[commitment_id].append(code)
    areas: dict[int, list[str]] = defaultdict(list)
    for commitment_id, slug in session.execute(
        select(CommitmentArea.commitment_id, PriorityArea.slug)
        .join(PriorityArea, PriorityArea.id == CommitmentArea.area_id)
        .where(CommitmentArea.commitment_id.in_(ids))  # type: ignore[attr-defined]
        .order_by(PriorityArea.position, PriorityArea.slug)
    ):
        areas[commitment_id].append(slug)
    leads: dict[int, list[LeadPublic]] = defaultdict(list)
    for commitment_id, code, contact_id, name, kind in session.execute(
        select(CommitmentLead.commitment_id, Party.code, Contact.id, Contact.name, Contact.kind)
        .join(Party, Party.id == CommitmentLead.party_id)
        .join(Contact, Contact.id == CommitmentLead.contact_id)
        .where(CommitmentLead.commitment_id.in_(ids))  # type: ignore[attr-defined]
        .order_by(Party.code)
    ):
        contact = ContactRef(id=contact_id, name=name, kind=ContactKind(kind))
        leads[commitment_id].append(LeadPublic(party=code, contact=contact))
    return [
        _public(
            row[0], row[1], row[2], row[3], parties[row[0].id], areas[row[0].id], leads[row[0].id]
        )
        for row in rows
    ]


def _public(
    commitment: Commitment,
    document_slug: str | None,
    document_title: str | None,
    meeting_key: str | None,
    parties: list[str],
    areas: list[str],
    leads: list[LeadPublic],
) -> CommitmentPublic:
    return CommitmentPublic(
        ref=commitment.ref,
        title=commitment.title,
        description=commitment.description,
        source=SourcePublic(
            document=document_slug,
            document_title=document_title,
            meeting=meeting_key,
            quote=commitment.quote,
            locator=Locator(
                paragraph=commitment.paragraph,
                before=commitment.context_before,
                after=commitment.context_after,
            ),
        ),
        parties=parties,
        areas=areas,
        status=commitment.status,  # type: ignore[arg-type]
        due_date=commitment.due_date,
        leads=leads,
        version=commitment.version,
        created_at=commitment.created_at,
        updated_at=commitment.updated_at,
        archived=commitment.archived_at is not None,
    )
