from datetime import date, datetime
from typing import Any, Literal

from pydantic import ConfigDict, model_validator
from pydantic import Field as PydanticField
from sqlalchemy import JSON, CheckConstraint, Column, Index, Text, text
from sqlalchemy import false as sql_false
from sqlmodel import Field

from app.core.db import UTCDateTime
from app.core.metadata import SQLModel
from app.core.schemas import Schema
from app.core.time import utcnow
from app.core.validation import (
    Code,
    Day,
    Id,
    LongText,
    OrganizationCode,
    PartyCode,
    Ref,
    Slug,
    Title,
)
from app.core.validation import Text as CleanText
from app.deadlines import Compliance, CyclePublic, DueRule, DueState, Recurrence
from app.progress import NoteCreate
from app.reference import ContactRef, LeadAssignment, LeadPublic
from app.vocabulary import (
    KIND_CHECK,
    LIVE_AND_OPEN,
    STATUS_CHECK,
    CommitmentKind,
    CommitmentStatus,
    Completion,
)


class Commitment(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint(STATUS_CHECK, name="status"),
        CheckConstraint(KIND_CHECK, name="kind"),
        CheckConstraint("version >= 1", name="version_positive"),
        Index("ix_commitment_status_due_date", "status", "due_date"),
        Index("ix_commitment_due_date_ref", "due_date", "ref"),
        Index("ix_commitment_updated_at_ref", "updated_at", "ref"),
        # Partial indexes: the overdue and due-soon scans (open, live commitments by due date),
        # and a page of live commitments of one status in the default order.
        Index(
            "ix_commitment_open_due_date_ref",
            "due_date",
            "ref",
            postgresql_where=text(LIVE_AND_OPEN),
            sqlite_where=text(LIVE_AND_OPEN),
        ),
        Index(
            "ix_commitment_live_status_ref",
            "status",
            "ref",
            postgresql_where=text("archived_at IS NULL"),
            sqlite_where=text("archived_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(max_length=40, unique=True)
    title: str = Field(max_length=300)
    description: str | None = Field(default=None, sa_column=Column(Text))
    status: str = Field(default=CommitmentStatus.not_started.value, max_length=20)
    kind: str = Field(
        default=CommitmentKind.pledge.value,
        max_length=24,
        sa_column_kwargs={"server_default": CommitmentKind.pledge.value},
    )
    # Framework areas on a commitment older than the framework: placed there on purpose.
    brought_under_framework: bool = Field(
        default=False, sa_column_kwargs={"server_default": sql_false()}
    )
    # The effective due date: fixed, or computed from due_rule (NULL while its meeting is
    # undated), or for a recurring commitment the earliest open cycle's.
    due_date: date | None = None
    due_rule: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON(none_as_null=True)))
    due_meeting_id: int | None = Field(default=None, foreign_key="meeting.id", index=True)
    recurrence: dict[str, Any] | None = Field(
        default=None, sa_column=Column(JSON(none_as_null=True))
    )
    document_id: int | None = Field(default=None, foreign_key="source_document.id", index=True)
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id", index=True)
    quote: str | None = Field(default=None, sa_column=Column(Text))
    paragraph: int | None = None
    context_before: str | None = Field(default=None, max_length=300)
    context_after: str | None = Field(default=None, max_length=300)
    # Case-folded ref, title and quote: one LIKE that behaves the same on every backend
    # and for every script (SQLite's lower() folds ASCII only).
    search_text: str = Field(default="", sa_column=Column(Text, nullable=False))
    # From the newest progress note, kept here so lists and staleness need no extra query.
    last_note_on: date | None = Field(default=None, index=True)
    percent_complete: int | None = None
    completed_on: date | None = None
    # The latest assessment of each obligor, by party code (AssessmentPublic without the
    # party); earlier ones are in the history.
    assessments: dict[str, Any] | None = Field(
        default=None, sa_column=Column(JSON(none_as_null=True))
    )
    version: int = 1
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    archived_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


class CommitmentParty(SQLModel, table=True):
    """An obligor: a party that must act, narrowed to one of its organizations when the
    statement names one (the U.S. Congress, not the U.S. Government)."""

    __tablename__ = "commitment_party"

    commitment_id: int = Field(foreign_key="commitment.id", primary_key=True)
    party_id: int = Field(foreign_key="party.id", primary_key=True, index=True)
    organization_id: int | None = Field(default=None, foreign_key="organization.id")


class CommitmentCounterpart(SQLModel, table=True):
    """A party (or one of its organizations) the commitment is addressed to or benefits.
    Being named gives it no access: releasability is a list of its own."""

    __tablename__ = "commitment_counterpart"

    commitment_id: int = Field(foreign_key="commitment.id", primary_key=True)
    party_id: int = Field(foreign_key="party.id", primary_key=True, index=True)
    organization_id: int | None = Field(default=None, foreign_key="organization.id")


class CommitmentTopic(SQLModel, table=True):
    __tablename__ = "commitment_topic"

    commitment_id: int = Field(foreign_key="commitment.id", primary_key=True)
    topic_id: int = Field(foreign_key="topic.id", primary_key=True, index=True)


class CommitmentArea(SQLModel, table=True):
    __tablename__ = "commitment_area"

    commitment_id: int = Field(foreign_key="commitment.id", primary_key=True)
    area_id: int = Field(foreign_key="priority_area.id", primary_key=True, index=True)


class CommitmentLead(SQLModel, table=True):
    """The contact who leads a commitment for one of its parties."""

    __tablename__ = "commitment_lead"

    commitment_id: int = Field(foreign_key="commitment.id", primary_key=True)
    party_id: int = Field(foreign_key="party.id", primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)


class CommitmentReleasability(SQLModel, table=True):
    """A party whose users may see the commitment, and from when they may see its past."""

    __tablename__ = "commitment_releasability"

    commitment_id: int = Field(foreign_key="commitment.id", primary_key=True)
    party_id: int = Field(foreign_key="party.id", primary_key=True, index=True)
    # Notes and history before this time stay hidden from the party: releasing a record is a
    # decision about its current content. NULL: its whole past (its own parties from the
    # start, and releases made with release_history).
    history_from: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


class CommitmentContact(SQLModel, table=True):
    """A supporting point of contact (the leads are in commitment_lead)."""

    __tablename__ = "commitment_contact"

    commitment_id: int = Field(foreign_key="commitment.id", primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", primary_key=True, index=True)


def search_text_of(*, ref: str, title: str, quote: str | None) -> str:
    return "\n".join(part.casefold() for part in (ref, title, quote or ""))


class Locator(Schema):
    paragraph: int | None
    before: str | None
    after: str | None


class SourcePublic(Schema):
    document: Slug | None
    document_title: str | None
    meeting: str | None
    quote: str | None
    locator: Locator


class PartyRef(Schema):
    """A party, narrowed to one of its organizations when the statement names one."""

    party: Code
    organization: str | None = None


class AssessmentIn(SQLModel):
    """One obligor's delivery, assessed apart from the commitment's workflow status."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    compliance: Literal[-1, 0, 1] | None = PydanticField(
        default=None, description="G20 Research Group scale: -1 no action, 0 partial, +1 full"
    )
    completion: Completion | None = PydanticField(
        default=None, description="Open Government Partnership completion level"
    )
    assessed_on: Day | None = PydanticField(default=None, description="Default: today")
    evidence: LongText | None = None

    @model_validator(mode="after")
    def _says_something(self) -> "AssessmentIn":
        if self.compliance is None and self.completion is None:
            raise ValueError("give a compliance score, a completion level or both")
        return self


class AssessmentPublic(Schema):
    party: Code
    compliance: int | None
    completion: Completion | None
    assessed_on: date
    assessed_by: str
    evidence: str | None


class CommitmentPublic(Schema):
    ref: Ref
    title: str
    description: str | None
    source: SourcePublic
    kind: CommitmentKind
    parties: list[Code] = PydanticField(description="The obligors' parties")
    obligors: list[PartyRef] = PydanticField(description="Who must act")
    counterparts: list[PartyRef] = PydanticField(
        description="To whom the commitment is addressed, or whom it benefits; no access implied"
    )
    areas: list[Slug]
    brought_under_framework: bool
    topics: list[Slug]
    assessments: list[AssessmentPublic] = PydanticField(
        description="The latest assessment of each obligor that has one"
    )
    status: CommitmentStatus
    due_date: date | None
    due_state: DueState
    due_rule: DueRule | None
    due_meeting: str | None
    recurrence: Recurrence | None
    cycles: list[CyclePublic]
    compliance: Compliance | None
    leads: list[LeadPublic]
    supporting_contacts: list[ContactRef]
    releasable_to: list[Code]
    percent_complete: int | None
    last_note_on: date | None
    completed_on: date | None
    version: int
    created_at: datetime
    updated_at: datetime
    archived: bool


class CommitmentPage(Schema):
    items: list[CommitmentPublic]
    total: int | None = PydanticField(
        description="Every match, not just this page; only when asked for with total=true"
    )
    next_cursor: str | None


class PartyRefIn(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    party: PartyCode
    organization: OrganizationCode | None = None


def _unique(values: list[str] | None, what: str) -> None:
    if values is not None and len(set(values)) != len(values):
        raise ValueError(f"{what} must not repeat")


class _CommitmentFields(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    @model_validator(mode="after")
    def _no_repeats(self) -> "_CommitmentFields":
        _unique(getattr(self, "parties", None), "parties")
        for name in ("obligors", "counterparts"):
            refs = getattr(self, name, None)
            _unique([ref.party for ref in refs] if refs else None, f"{name} (one per party)")
        _unique(getattr(self, "areas", None), "areas")
        _unique(getattr(self, "topics", None), "topics")
        _unique(getattr(self, "releasable_to", None), "releasable_to")
        leads = getattr(self, "leads", None)
        _unique([lead.party for lead in leads] if leads else None, "leads (one per party)")
        return self


OBLIGORS = "Who must act: parties, each optionally narrowed to one of its organizations"
PARTIES = "The obligors' party codes: a shorthand for obligors without organizations"
COUNTERPARTS = "Whom it is addressed to or benefits; naming them releases nothing to them"


class CommitmentCreate(_CommitmentFields):
    title: Title
    kind: CommitmentKind | None = PydanticField(
        default=None,
        description="Default: pledge for one obligor, joint_undertaking for several, "
        "recurring with a recurrence",
    )
    parties: list[PartyCode] | None = PydanticField(
        default=None, min_length=1, max_length=20, description=PARTIES
    )
    obligors: list[PartyRefIn] | None = PydanticField(
        default=None, min_length=1, max_length=20, description=OBLIGORS
    )
    counterparts: list[PartyRefIn] = PydanticField(
        default_factory=list, max_length=20, description=COUNTERPARTS
    )
    description: LongText | None = None
    areas: list[Slug] = PydanticField(default_factory=list, max_length=20)
    brought_under_framework: bool = False
    topics: list[Slug] = PydanticField(default_factory=list, max_length=20)
    status: CommitmentStatus = CommitmentStatus.not_started
    due_date: Day | None = None
    due_rule: DueRule | None = None
    recurrence: Recurrence | None = None
    leads: list[LeadAssignment] = PydanticField(default_factory=list, max_length=20)
    supporting_contacts: list[Id] = PydanticField(default_factory=list, max_length=50)
    releasable_to: list[PartyCode] | None = PydanticField(
        default=None, max_length=50, description="Defaults to the commitment's own parties"
    )
    document: Slug | None = None
    meeting: Code | None = None
    quote: CleanText | None = PydanticField(default=None, max_length=5000)

    @model_validator(mode="after")
    def _obligors_once(self) -> "CommitmentCreate":
        if (self.parties is None) == (self.obligors is None):
            raise ValueError("give the obligors, or their parties, once")
        return self


class CommitmentUpdate(_CommitmentFields):
    """Only the fields present are changed; `null` clears an optional one."""

    @model_validator(mode="after")
    def _obligors_once(self) -> "CommitmentUpdate":
        if self.parties is not None and self.obligors is not None:
            raise ValueError("give the obligors, or their parties, once")
        return self

    title: Title | None = None
    description: LongText | None = None
    status: CommitmentStatus | None = None
    due_date: Day | None = PydanticField(default=None, description="Replaces any due_rule")
    due_rule: DueRule | None = PydanticField(default=None, description="Replaces any due_date")
    recurrence: Recurrence | None = None
    kind: CommitmentKind | None = None
    areas: list[Slug] | None = PydanticField(default=None, max_length=20)
    brought_under_framework: bool | None = None
    topics: list[Slug] | None = PydanticField(default=None, max_length=20)
    parties: list[PartyCode] | None = PydanticField(
        default=None, min_length=1, max_length=20, description=PARTIES
    )
    obligors: list[PartyRefIn] | None = PydanticField(
        default=None, min_length=1, max_length=20, description=OBLIGORS
    )
    counterparts: list[PartyRefIn] | None = PydanticField(
        default=None, max_length=20, description=COUNTERPARTS
    )
    leads: list[LeadAssignment] | None = PydanticField(default=None, max_length=20)
    supporting_contacts: list[Id] | None = PydanticField(default=None, max_length=50)
    releasable_to: list[PartyCode] | None = PydanticField(default=None, min_length=1, max_length=50)
    progress_note: NoteCreate | None = PydanticField(
        default=None,
        description="A note recorded with the change; completing needs one, or earlier evidence",
    )
    release_history: bool = PydanticField(
        default=False,
        description=(
            "Parties this change releases the commitment to see its earlier notes and history "
            "too; by default they see them only from now on"
        ),
    )
