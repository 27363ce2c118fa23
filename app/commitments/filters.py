"""Query-string filters of the commitment list, and the SQL conditions they stand for."""

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ColumnElement, select

from app.areas.models import PriorityArea
from app.commitments.enums import CommitmentStatus
from app.commitments.models import Commitment, CommitmentArea, CommitmentParty
from app.core.validation import Code, PartyCode, Slug
from app.documents.models import SourceDocument
from app.meetings.models import Meeting
from app.parties.models import Party


class CommitmentFilters(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: list[CommitmentStatus] = Field(default_factory=list)
    area: Slug | None = None
    party: PartyCode | None = None
    document: Slug | None = None
    meeting: Code | None = None
    due_before: date | None = None
    due_after: date | None = None
    q: str | None = Field(default=None, min_length=1, max_length=200)


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def filter_conditions(filters: CommitmentFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Commitment.archived_at.is_(None)]  # type: ignore[union-attr]
    if filters.status:
        conditions.append(Commitment.status.in_([s.value for s in filters.status]))  # type: ignore[attr-defined]
    if filters.party:
        members = (
            select(CommitmentParty.commitment_id)
            .join(Party, Party.id == CommitmentParty.party_id)
            .where(Party.code == filters.party)
        )
        conditions.append(Commitment.id.in_(members))  # type: ignore[union-attr]
    if filters.area:
        in_area = (
            select(CommitmentArea.commitment_id)
            .join(PriorityArea, PriorityArea.id == CommitmentArea.area_id)
            .where(PriorityArea.slug == filters.area)
        )
        conditions.append(Commitment.id.in_(in_area))  # type: ignore[union-attr]
    if filters.document:
        document_id = select(SourceDocument.id).where(SourceDocument.slug == filters.document)
        conditions.append(Commitment.document_id == document_id.scalar_subquery())
    if filters.meeting:
        meeting_id = select(Meeting.id).where(Meeting.key == filters.meeting.upper())
        conditions.append(Commitment.meeting_id == meeting_id.scalar_subquery())
    if filters.due_before:
        conditions.append(Commitment.due_date < filters.due_before)  # type: ignore[operator]
    if filters.due_after:
        conditions.append(Commitment.due_date > filters.due_after)  # type: ignore[operator]
    if filters.q:
        pattern = f"%{_like_escape(filters.q.casefold())}%"
        conditions.append(Commitment.search_text.like(pattern, escape="\\"))  # type: ignore[attr-defined]
    return conditions


def filter_query_params(filters: CommitmentFilters) -> dict[str, Any]:
    """The filters as query parameters, for links to further pages."""
    return filters.model_dump(mode="json", exclude_defaults=True)
