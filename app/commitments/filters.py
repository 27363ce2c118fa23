"""Query-string filters of the commitment list: each as an SQL condition for queries and,
beside it, as a Python test of a commitment rebuilt for a past day (the reports of a past
day); tests/commitments/test_filters.py holds them to the same answers."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ColumnElement, and_, func, not_, or_
from sqlmodel import col, select

from app.commitments.conditions import due_soon, due_soon_on, overdue, overdue_on, stale, stale_on
from app.commitments.models import (
    Commitment,
    CommitmentArea,
    CommitmentCounterpart,
    CommitmentLead,
    CommitmentParty,
    CommitmentTopic,
)
from app.commitments.past_state import PastCommitment
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


@dataclass(frozen=True)
class Asked:
    """What a filter's SQL form reads besides its value: who asks, and the day it measures
    against."""

    principal: Principal | None
    day: date


SqlForm = Callable[[Any, Asked], ColumnElement[bool]]
PastForm = Callable[[Any, PastCommitment, date], bool]


@dataclass(frozen=True)
class Filter:
    """One filter, as an SQL condition (the list, and the reports of today) and, beside it, as
    a test of a commitment rebuilt for a past day. A filter on what the history does not
    record (the source) has no past form: a past day's commitments are selected by its SQL
    form too."""

    sql: SqlForm
    past: PastForm | None = None


def _links_to(link_commitment: Any, link_target: Any, target: Any, key: Any) -> SqlForm:
    """The commitment links (through `link_target`) to the row whose `key` is the value.

    A correlated EXISTS, probed per candidate through the link's primary key: an IN list would
    be built whole, every commitment of the party or area, for each query on SQLite."""

    def linked(value: str, _: Asked) -> ColumnElement[bool]:
        wanted = select(target).where(key == value).scalar_subquery()
        return (
            select(link_commitment)
            .where(link_commitment == col(Commitment.id), link_target == wanted)
            .exists()
        )

    return linked


_PARTY = (col(Party.id), col(Party.code))
_OBLIGOR = _links_to(col(CommitmentParty.commitment_id), col(CommitmentParty.party_id), *_PARTY)
_COUNTERPART = _links_to(
    col(CommitmentCounterpart.commitment_id), col(CommitmentCounterpart.party_id), *_PARTY
)
_IN_AREA = _links_to(
    col(CommitmentArea.commitment_id),
    col(CommitmentArea.area_id),
    col(PriorityArea.id),
    col(PriorityArea.slug),
)
_ON_TOPIC = _links_to(
    col(CommitmentTopic.commitment_id),
    col(CommitmentTopic.topic_id),
    col(Topic.id),
    col(Topic.slug),
)


def _led_by(contact_id: int, _: Asked) -> ColumnElement[bool]:
    return (
        select(col(CommitmentLead.commitment_id))
        .where(
            col(CommitmentLead.commitment_id) == col(Commitment.id),
            col(CommitmentLead.contact_id) == contact_id,
        )
        .exists()
    )


def _from_document(slug: str, asked: Asked) -> ColumnElement[bool]:
    """From the statement `slug`; a statement the caller may not read filters as one that
    does not exist (nothing matches)."""
    document_id = select(col(SourceDocument.id)).where(
        col(SourceDocument.slug) == slug, *readable_documents(asked.principal)
    )
    return col(Commitment.document_id) == document_id.scalar_subquery()


def _at_meeting(key: str, _: Asked) -> ColumnElement[bool]:
    meeting_id = select(col(Meeting.id)).where(col(Meeting.key) == key.upper())
    return col(Commitment.meeting_id) == meeting_id.scalar_subquery()


def _overdue(wanted: bool, asked: Asked) -> ColumnElement[bool]:
    return overdue_on(asked.day) if wanted else not_(overdue_on(asked.day))


def _due_before(day: date, past: PastCommitment, _: date) -> bool:
    return past.due_date is not None and past.due_date < day


def _due_after(day: date, past: PastCommitment, _: date) -> bool:
    return past.due_date is not None and past.due_date > day


def _stale(days: int, past: PastCommitment, day: date) -> bool:
    return stale(past.status, past.last_note_on, past.created_at, day, days)


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


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


# Every filter of CommitmentFilters but as_of (the day they measure against), in the order
# the list's statement states them.
FILTERS: dict[str, Filter] = {
    "status": Filter(
        lambda wanted, _: col(Commitment.status).in_([status.value for status in wanted]),
        lambda wanted, past, _: past.status in {status.value for status in wanted},
    ),
    "kind": Filter(
        lambda wanted, _: col(Commitment.kind).in_([kind.value for kind in wanted]),
        lambda wanted, past, _: past.kind in {kind.value for kind in wanted},
    ),
    "party": Filter(_OBLIGOR, lambda code, past, _: code in past.parties),
    "obligor": Filter(_OBLIGOR, lambda code, past, _: code in past.parties),
    "counterpart": Filter(_COUNTERPART, lambda code, past, _: code in past.counterparts),
    "area": Filter(_IN_AREA, lambda slug, past, _: slug in past.areas),
    "topic": Filter(_ON_TOPIC, lambda slug, past, _: slug in past.topics),
    "lead": Filter(_led_by, lambda contact_id, past, _: contact_id in past.leads.values()),
    "document": Filter(_from_document),
    "meeting": Filter(_at_meeting),
    "due_before": Filter(lambda day, _: col(Commitment.due_date) < day, _due_before),
    "due_after": Filter(lambda day, _: col(Commitment.due_date) > day, _due_after),
    "overdue": Filter(
        _overdue, lambda wanted, past, day: overdue(past.status, past.due_date, day) == wanted
    ),
    "due_within_days": Filter(
        lambda days, asked: due_soon_on(asked.day, days),
        lambda days, past, day: due_soon(past.status, past.due_date, day, days),
    ),
    "stale_days": Filter(lambda days, asked: stale_on(asked.day, days), _stale),
    "q": Filter(lambda text, asked: _searched(text, asked.principal)),
}


def _given(filters: CommitmentFilters) -> list[tuple[Filter, Any]]:
    """The filters given a value (an empty list of statuses or kinds is none), with it."""
    given = ((rule, getattr(filters, name)) for name, rule in FILTERS.items())
    return [(rule, value) for rule, value in given if value is not None and value != []]


def _day(filters: CommitmentFilters) -> date:
    """The day the filters measure against."""
    return filters.as_of or today()


def filter_conditions(
    filters: CommitmentFilters, principal: Principal | None, *, include_archived: bool = False
) -> list[ColumnElement[bool]]:
    """The filters as SQL conditions."""
    asked = Asked(principal, _day(filters))
    conditions = [] if include_archived else [col(Commitment.archived_at).is_(None)]
    return conditions + [rule.sql(value, asked) for rule, value in _given(filters)]


def unrecorded_conditions(
    filters: CommitmentFilters, principal: Principal | None
) -> list[ColumnElement[bool]]:
    """The SQL conditions of the filters on what the history does not record, archived
    commitments included: what a past day's register is rebuilt from (matches_past tests
    the rest)."""
    asked = Asked(principal, _day(filters))
    return [rule.sql(value, asked) for rule, value in _given(filters) if rule.past is None]


def matches_past(filters: CommitmentFilters, past: PastCommitment) -> bool:
    """The filters on what the history records, applied to a commitment as it stood."""
    day = _day(filters)
    given = _given(filters)
    return all(rule.past(value, past, day) for rule, value in given if rule.past is not None)


def filter_query_params(filters: CommitmentFilters) -> dict[str, Any]:
    """The filters as query parameters, for links to further pages."""
    return filters.model_dump(mode="json", exclude_defaults=True)
