"""Query-string filters of the commitment list, and the SQL conditions they stand for."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ColumnElement, not_
from sqlmodel import col, select

from app.areas.models import PriorityArea, Topic
from app.commitments.enums import CommitmentKind, CommitmentStatus
from app.commitments.models import (
    Commitment,
    CommitmentArea,
    CommitmentCounterpart,
    CommitmentParty,
    CommitmentTopic,
)
from app.core.time import today
from app.core.validation import Code, Day, PartyCode, Slug, Text
from app.deadlines.conditions import due_soon_on, overdue_on, stale_on
from app.documents.models import SourceDocument
from app.meetings.models import Meeting
from app.parties.models import Party


class CommitmentFilters(BaseModel):
    """The list's filters, as query parameters; they combine with AND."""

    model_config = ConfigDict(extra="ignore")

    status: list[CommitmentStatus] = Field(default_factory=list, description="Any of these")
    area: Slug | None = Field(default=None, description="Priority area slug")
    party: PartyCode | None = Field(
        default=None, description="An obligor's party code, e.g. US or ROK (as obligor=)"
    )
    obligor: PartyCode | None = Field(default=None, description="Party that must act")
    counterpart: PartyCode | None = Field(
        default=None, description="Party the commitment is addressed to or benefits"
    )
    kind: list[CommitmentKind] = Field(default_factory=list, description="Any of these kinds")
    topic: Slug | None = Field(default=None, description="Topic slug, e.g. dprk")
    document: Slug | None = Field(default=None, description="Source document slug")
    meeting: Code | None = Field(default=None, description="Meeting key, e.g. SCM-56")
    due_before: Day | None = Field(default=None, description="Due strictly before this date")
    due_after: Day | None = Field(default=None, description="Due strictly after this date")
    q: Text | None = Field(
        default=None, min_length=1, max_length=200, description="Text in the ref, title or quote"
    )
    overdue: bool | None = Field(
        default=None, description="Due before as_of and not completed, cancelled or superseded"
    )
    due_within_days: int | None = Field(
        default=None, ge=0, le=3650, description="Open and due from as_of to as_of + N days"
    )
    stale_days: int | None = Field(
        default=None, ge=1, le=3650, description="Open, and no progress note for N days"
    )
    as_of: Day | None = Field(
        default=None, description="The day to measure against (default: today)"
    )


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _linked_to_party(
    link: type[CommitmentParty] | type[CommitmentCounterpart], code: str | None
) -> ColumnElement[bool]:
    party_id = select(col(Party.id)).where(col(Party.code) == code)
    return (
        select(col(link.commitment_id))
        .where(
            col(link.commitment_id) == col(Commitment.id),
            col(link.party_id) == party_id.scalar_subquery(),
        )
        .exists()
    )


def filter_conditions(
    filters: CommitmentFilters, *, include_archived: bool = False
) -> list[ColumnElement[bool]]:
    day = filters.as_of or today()
    conditions: list[ColumnElement[bool]] = []
    if not include_archived:
        conditions.append(col(Commitment.archived_at).is_(None))
    if filters.status:
        conditions.append(col(Commitment.status).in_([s.value for s in filters.status]))
    # Correlated EXISTS, probed per candidate through the links' primary keys: an IN list
    # would be built whole, every commitment of the party or area, for each query on SQLite.
    if filters.kind:
        conditions.append(col(Commitment.kind).in_([kind.value for kind in filters.kind]))
    for code in {filters.party, filters.obligor} - {None}:
        conditions.append(_linked_to_party(CommitmentParty, code))
    if filters.counterpart:
        conditions.append(_linked_to_party(CommitmentCounterpart, filters.counterpart))
    if filters.topic:
        topic_id = select(col(Topic.id)).where(col(Topic.slug) == filters.topic)
        on_topic = select(col(CommitmentTopic.commitment_id)).where(
            col(CommitmentTopic.commitment_id) == col(Commitment.id),
            col(CommitmentTopic.topic_id) == topic_id.scalar_subquery(),
        )
        conditions.append(on_topic.exists())
    if filters.area:
        area_id = select(col(PriorityArea.id)).where(col(PriorityArea.slug) == filters.area)
        in_area = select(col(CommitmentArea.commitment_id)).where(
            col(CommitmentArea.commitment_id) == col(Commitment.id),
            col(CommitmentArea.area_id) == area_id.scalar_subquery(),
        )
        conditions.append(in_area.exists())
    if filters.document:
        document_id = select(col(SourceDocument.id)).where(
            col(SourceDocument.slug) == filters.document
        )
        conditions.append(col(Commitment.document_id) == document_id.scalar_subquery())
    if filters.meeting:
        meeting_id = select(col(Meeting.id)).where(col(Meeting.key) == filters.meeting.upper())
        conditions.append(col(Commitment.meeting_id) == meeting_id.scalar_subquery())
    if filters.due_before:
        conditions.append(col(Commitment.due_date) < filters.due_before)
    if filters.due_after:
        conditions.append(col(Commitment.due_date) > filters.due_after)
    if filters.overdue is not None:
        overdue = overdue_on(day)
        conditions.append(overdue if filters.overdue else not_(overdue))
    if filters.due_within_days is not None:
        conditions.append(due_soon_on(day, filters.due_within_days))
    if filters.stale_days is not None:
        conditions.append(stale_on(day, filters.stale_days))
    if filters.q:
        pattern = f"%{_like_escape(filters.q.casefold())}%"
        conditions.append(col(Commitment.search_text).like(pattern, escape="\\"))
    return conditions


def filter_query_params(filters: CommitmentFilters) -> dict[str, Any]:
    """The filters as query parameters, for links to further pages."""
    return filters.model_dump(mode="json", exclude_defaults=True)
