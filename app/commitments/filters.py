"""Query-string filters of the commitment list, and the SQL conditions they stand for."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ColumnElement, and_, func, not_, or_
from sqlmodel import col, select

from app.commitments.conditions import due_soon_on, overdue_on, stale_on
from app.commitments.models import (
    Commitment,
    CommitmentArea,
    CommitmentCounterpart,
    CommitmentLead,
    CommitmentParty,
    CommitmentTopic,
)
from app.core.security import Principal
from app.core.time import today
from app.core.validation import Code, Day, Id, PartyCode, Slug, Text
from app.reference import Meeting, Party, PriorityArea, SourceDocument, Topic
from app.reference import readable as readable_documents
from app.vocabulary import CommitmentKind, CommitmentStatus


class CommitmentFilters(BaseModel):
    """The list's filters, as query parameters; they combine with AND."""

    model_config = ConfigDict(extra="ignore")

    status: list[CommitmentStatus] = Field(
        default_factory=list, max_length=len(CommitmentStatus), description="Any of these"
    )
    area: Slug | None = Field(default=None, description="Priority area slug")
    party: PartyCode | None = Field(
        default=None, description="An obligor's party code, e.g. US or ROK (as obligor=)"
    )
    obligor: PartyCode | None = Field(default=None, description="Party that must act")
    counterpart: PartyCode | None = Field(
        default=None, description="Party the commitment is addressed to or benefits"
    )
    kind: list[CommitmentKind] = Field(
        default_factory=list, max_length=len(CommitmentKind), description="Any of these kinds"
    )
    topic: Slug | None = Field(default=None, description="Topic slug, e.g. dprk")
    lead: Id | None = Field(default=None, description="The id of a point of contact who leads it")
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


def _linked(
    link_commitment: Any, link_target: Any, target: Any, key: Any, value: str
) -> ColumnElement[bool]:
    """The commitment links (through `link_target`) to the row whose `key` is `value`.

    A correlated EXISTS, probed per candidate through the link's primary key: an IN list would
    be built whole, every commitment of the party or area, for each query on SQLite."""
    wanted = select(target).where(key == value).scalar_subquery()
    return (
        select(link_commitment)
        .where(link_commitment == col(Commitment.id), link_target == wanted)
        .exists()
    )


def _link_conditions(filters: CommitmentFilters) -> list[ColumnElement[bool]]:
    party, area, topic = (
        (col(Party.id), col(Party.code)),
        (col(PriorityArea.id), col(PriorityArea.slug)),
        (col(Topic.id), col(Topic.slug)),
    )
    obligor = (col(CommitmentParty.commitment_id), col(CommitmentParty.party_id), *party)
    counterpart = (
        col(CommitmentCounterpart.commitment_id),
        col(CommitmentCounterpart.party_id),
        *party,
    )
    in_area = (col(CommitmentArea.commitment_id), col(CommitmentArea.area_id), *area)
    on_topic = (col(CommitmentTopic.commitment_id), col(CommitmentTopic.topic_id), *topic)
    wanted = [
        (obligor, filters.party),
        (obligor, filters.obligor),
        (counterpart, filters.counterpart),
        (in_area, filters.area),
        (on_topic, filters.topic),
    ]
    return [_linked(*columns, value) for columns, value in wanted if value]


def filter_conditions(
    filters: CommitmentFilters, principal: Principal | None, *, include_archived: bool = False
) -> list[ColumnElement[bool]]:
    """The filters as conditions; a statement the caller may not read filters as one that
    does not exist (nothing matches)."""
    day = filters.as_of or today()
    conditions: list[ColumnElement[bool]] = []
    if not include_archived:
        conditions.append(col(Commitment.archived_at).is_(None))
    if filters.status:
        conditions.append(col(Commitment.status).in_([s.value for s in filters.status]))
    if filters.kind:
        conditions.append(col(Commitment.kind).in_([kind.value for kind in filters.kind]))
    conditions += _link_conditions(filters)
    if filters.lead is not None:
        led = select(col(CommitmentLead.commitment_id)).where(
            col(CommitmentLead.commitment_id) == col(Commitment.id),
            col(CommitmentLead.contact_id) == filters.lead,
        )
        conditions.append(led.exists())
    if filters.document:
        document_id = select(col(SourceDocument.id)).where(
            col(SourceDocument.slug) == filters.document, *readable_documents(principal)
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
        conditions.append(_searched(filters.q, principal))
    return conditions


def _searched(q: str, principal: Principal | None) -> ColumnElement[bool]:
    """The words in the reference, title or quote; in the quote only when the caller reads
    the statement it comes from (a quote the caller is not shown is not searched either)."""
    pattern = f"%{_like_escape(q.casefold())}%"
    matches = col(Commitment.search_text).like(pattern, escape="\\")
    readable = readable_documents(principal)
    if not readable:
        return matches
    quote_shown = or_(
        col(Commitment.document_id).is_(None),
        select(col(SourceDocument.id))
        .where(col(SourceDocument.id) == col(Commitment.document_id), *readable)
        .correlate(Commitment)  # its own statement row, not the one a page joins (if any)
        .exists(),
    )
    named = or_(
        func.lower(col(Commitment.ref)).like(pattern, escape="\\"),
        func.lower(col(Commitment.title)).like(pattern, escape="\\"),
    )
    return and_(matches, or_(quote_shown, named))


def filter_query_params(filters: CommitmentFilters) -> dict[str, Any]:
    """The filters as query parameters, for links to further pages."""
    return filters.model_dump(mode="json", exclude_defaults=True)
