"""Every statement about documents: which ones a caller may read, and which ones it reviews."""

from typing import Any

from sqlalchemy import ColumnElement, false, func, or_
from sqlmodel import col, select
from sqlmodel.sql.expression import Select

from app.commitments import Commitment, visible_to
from app.core.security import Principal
from app.documents.enums import DocumentAccess
from app.documents.models import DocumentParty, SourceDocument
from app.meetings.models import Meeting
from app.parties.models import Party


def reviewed_by(principal: Principal | None) -> list[ColumnElement[bool]]:
    """The documents whose candidates the principal reads: those its party issued (admins and
    the system itself: all)."""
    if principal is None or principal.is_admin:
        return []
    if principal.party_id is None:
        return [false()]
    issued = select(col(DocumentParty.document_id)).where(
        col(DocumentParty.document_id) == col(SourceDocument.id),
        col(DocumentParty.party_id) == principal.party_id,
    )
    return [issued.exists()]


def readable(principal: Principal | None) -> list[ColumnElement[bool]]:
    """The one statement of which documents a caller reads: the published ones, and those
    taken in for review by its party."""
    reviewing = reviewed_by(principal)
    if not reviewing:
        return []
    return [or_(col(SourceDocument.access) == DocumentAccess.public.value, *reviewing)]


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
