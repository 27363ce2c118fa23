"""Every statement about documents: which ones a caller may read, and which ones it reviews."""

from typing import Any

from sqlalchemy import ColumnElement, false, func, or_
from sqlalchemy.orm import Mapped
from sqlmodel import col, select
from sqlmodel.sql.expression import Select

from app.commitments import Commitment, visible_to
from app.core.security import Principal
from app.documents.enums import DocumentAccess
from app.documents.models import DocumentParty, SourceDocument
from app.meetings.models import Meeting
from app.parties.models import Party


def _issued_by(party_id: ColumnElement[int] | int) -> ColumnElement[bool]:
    return (
        select(col(DocumentParty.document_id))
        .where(
            col(DocumentParty.document_id) == col(SourceDocument.id),
            col(DocumentParty.party_id) == party_id,
        )
        .exists()
    )


def reviewed_by(principal: Principal | None) -> list[ColumnElement[bool]]:
    """The documents whose candidates the principal reads: those its party issued (admins and
    the system itself: all)."""
    if principal is None or principal.is_admin:
        return []
    if principal.party_id is None:
        return [false()]
    return [_issued_by(principal.party_id)]


def readable(principal: Principal | None) -> list[ColumnElement[bool]]:
    """The one statement of which documents a caller reads: the published ones, and those
    taken in for review by its party. A commitment shows its source (the statement, its quote
    and context) only to a caller who reads the statement; a statement a caller may not read
    is, to that caller, one that does not exist."""
    reviewing = reviewed_by(principal)
    if not reviewing:
        return []
    return [or_(col(SourceDocument.access) == DocumentAccess.public.value, *reviewing)]


def readable_by_party(
    document_id: ColumnElement[int | None] | Mapped[int | None], party_id: ColumnElement[int]
) -> ColumnElement[bool]:
    """`readable`, of the document in `document_id` for the users of the party in `party_id`
    (columns of the enclosing statement, which each condition correlates to directly: mail to
    every party's contacts is read in one statement). `document_id` is not source_document's
    own column: the published test would then read itself, not the enclosing row."""
    published = (
        select(col(SourceDocument.id))
        .where(
            col(SourceDocument.id) == document_id,
            col(SourceDocument.access) == DocumentAccess.public.value,
        )
        .exists()
    )
    issued = (
        select(col(DocumentParty.document_id))
        .where(
            col(DocumentParty.document_id) == document_id, col(DocumentParty.party_id) == party_id
        )
        .exists()
    )
    return or_(published, issued)


def counted(principal: Principal | None) -> Select[SourceDocument, Any, str]:
    """Readable documents, each with how many of its live commitments the caller may see and
    the key of its meeting."""
    counts = (
        select(col(Commitment.document_id), func.count().label("n"))
        .where(col(Commitment.archived_at).is_(None), *visible_to(principal))
        .group_by(col(Commitment.document_id))
        .subquery()
    )
    return (
        select(SourceDocument, func.coalesce(counts.c.n, 0), col(Meeting.key))
        .outerjoin(counts, counts.c.document_id == col(SourceDocument.id))
        .outerjoin(Meeting, col(Meeting.id) == col(SourceDocument.meeting_id))
        .where(*readable(principal))
    )


def issuing_parties(document_ids: list[int]) -> Select[int, str]:
    return (
        select(col(DocumentParty.document_id), col(Party.code))
        .join(Party, col(Party.id) == col(DocumentParty.party_id))
        .where(col(DocumentParty.document_id).in_(document_ids))
        .order_by(col(Party.code))
    )
