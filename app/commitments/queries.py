"""Reads of the register: the page statement, keyset sorting, one commitment the caller may see."""

from collections import defaultdict
from collections.abc import Collection
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Select,
    case,
    func,
)
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from app.commitments.enums import CommitmentSort
from app.commitments.filters import CommitmentFilters, filter_conditions
from app.commitments.models import (
    Commitment,
    CommitmentParty,
    CommitmentReleasability,
)
from app.commitments.visibility import visible_to
from app.core.errors import (
    NotFoundError,
)
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
from app.core.security import Principal
from app.core.validation import REF_MAX_LENGTH
from app.documents.models import SourceDocument
from app.meetings.models import Meeting
from app.parties.models import Party

_due_missing = case((col(Commitment.due_date).is_(None), 1), else_=0)


class PageRow(NamedTuple):
    commitment: Commitment
    document_slug: str | None
    document_title: str | None
    meeting_key: str | None
    due_meeting_key: str | None = None


_due_meeting = aliased(Meeting)


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


def readable(
    principal: Principal | None, filters: CommitmentFilters | None = None
) -> list[ColumnElement[bool]]:
    """The one statement of what a caller reads: the commitments releasable to the principal
    that match the filters. Every list, count and export of commitments starts from it."""
    matching = filter_conditions(filters) if filters is not None else []
    return [*matching, *visible_to(principal)]


def count_commitments(
    *, session: Session, filters: CommitmentFilters, principal: Principal | None
) -> int:
    return session.exec(
        select(func.count()).select_from(Commitment).where(*readable(principal, filters))
    ).one()


def page_rows(
    *,
    session: Session,
    filters: CommitmentFilters,
    principal: Principal | None,
    sort: CommitmentSort,
    limit: int,
    cursor: str | None,
) -> tuple[list[PageRow], str | None]:
    """One page of rows in `sort` order after `cursor`, and the cursor of the next page."""
    keys = _sort_keys(sort)
    statement = page_query().where(*readable(principal, filters))
    if cursor:
        statement = statement.where(after_cursor(keys, decode_cursor(cursor, sort.value, keys)))
    statement = statement.order_by(*(key.order_by() for key in keys)).limit(limit + 1)
    rows = [PageRow(*row) for row in session.execute(statement)]
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor(sort.value, _cursor_values(sort, rows[-1].commitment))


def not_found(ref: str) -> NotFoundError:
    return NotFoundError(f"No commitment with reference {ref!r}.")


def hidden_from(archived_at: datetime | None, principal: Principal | None, include: bool) -> bool:
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
