from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import ConfigDict, StringConstraints, model_validator
from pydantic import Field as PydanticField
from sqlalchemy import JSON, CheckConstraint, Column, Text, UniqueConstraint
from sqlmodel import Field

from app.commitments import CommitmentPublic, Locator, PartyRefIn
from app.core.db import UTCDateTime, names_column
from app.core.metadata import SQLModel
from app.core.schemas import Schema
from app.core.time import utcnow
from app.core.validation import (
    MAX_ID,
    Code,
    Day,
    LongText,
    PartyCode,
    Ref,
    SingleLine,
    Slug,
    StoredLength,
    Title,
    WebUrl,
)
from app.deadlines import DueRule, Recurrence
from app.ingest.enums import STATE_CHECK, CandidateState
from app.reference import (
    LANGUAGE_MAX_LENGTH,
    URL_MAX_LENGTH,
    DocumentAccess,
    DocumentKind,
    DocumentPublic,
    LeadAssignment,
    TextFormat,
)
from app.vocabulary import KIND_CHECK, STATUS_CHECK, CommitmentKind, CommitmentStatus


class Candidate(SQLModel, table=True):
    """A commitment the extractor proposes from a statement, awaiting (or after) review."""

    __table_args__ = (
        CheckConstraint(STATE_CHECK, name="state"),
        CheckConstraint(KIND_CHECK, name="kind"),
        CheckConstraint(STATUS_CHECK, name="status"),
        CheckConstraint("confidence >= 0 AND confidence <= 1", name="confidence"),
        CheckConstraint("quote_start >= 0 AND quote_end > quote_start", name="span"),
        UniqueConstraint("document_id", "paragraph", "quote_start", "quote_end"),
        UniqueConstraint("document_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
    )

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="source_document.id", index=True)
    # Its number within the document, never reused: what reviewers address it by (a global
    # id would tell how many candidates other parties' statements have).
    number: int
    # Where the quote is: its paragraph (from 1) and its characters in that paragraph.
    paragraph: int
    quote_start: int
    quote_end: int
    quote: str = Field(sa_column=Column(Text, nullable=False))
    context_before: str = Field(max_length=300)
    context_after: str = Field(max_length=300)
    title: str = Field(max_length=300)
    kind: str = Field(max_length=24)
    status: str = Field(max_length=20)
    obligors: list[str] = Field(default_factory=list, sa_column=names_column())
    counterparts: list[str] = Field(default_factory=list, sa_column=names_column())
    # Suggestions with their scores: [{"slug": ..., "score": ...}].
    topics: list[dict[str, Any]] = Field(default_factory=list, sa_column=names_column())
    areas: list[dict[str, Any]] = Field(default_factory=list, sa_column=names_column())
    due_date: date | None = None
    due_rule: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON(none_as_null=True)))
    recurrence: dict[str, Any] | None = Field(
        default=None, sa_column=Column(JSON(none_as_null=True))
    )
    confidence: float
    reasons: list[str] = Field(default_factory=list, sa_column=names_column())
    # A commitment of the register this one likely restates, and how alike they are (0-1).
    restates_id: int | None = Field(default=None, foreign_key="commitment.id", index=True)
    restates_score: float | None = None
    state: str = Field(default=CandidateState.proposed.value, max_length=12)
    # The commitment an accepted candidate became, or a merged one was recorded on.
    commitment_id: int | None = Field(default=None, foreign_key="commitment.id", index=True)
    decided_by: str | None = Field(default=None, max_length=100)
    decided_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    decision_reason: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )


MAX_TEXT_CHARS = 500_000
CandidateNumber = Annotated[int, PydanticField(ge=1, le=MAX_ID)]
MAX_CANDIDATES_PER_REQUEST = 200


class DocumentUpload(SQLModel):
    """A statement to take in: its metadata, and its text in one of the formats."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    title: Title
    publisher: Annotated[SingleLine, StringConstraints(min_length=1, max_length=200)]
    kind: DocumentKind = DocumentKind.joint_statement
    issued_on: Day
    language: Annotated[
        str,
        StringConstraints(
            max_length=LANGUAGE_MAX_LENGTH, pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"
        ),
    ] = "en"
    url: Annotated[WebUrl, StoredLength(URL_MAX_LENGTH)] | None = None
    parties: list[PartyCode] | None = PydanticField(
        default=None,
        min_length=1,
        max_length=10,
        description="The issuing parties: 'both sides', 'we' stand for them, and their users "
        "review the candidates. Default: the caller's party",
    )
    meeting: Code | None = PydanticField(default=None, description="e.g. SCM-57")
    access: DocumentAccess = PydanticField(
        default=DocumentAccess.issuers,
        description="issuers: only the issuing parties' users read it; public: everyone",
    )
    format: TextFormat = TextFormat.plain
    text: str = PydanticField(min_length=1, max_length=MAX_TEXT_CHARS)

    @model_validator(mode="after")
    def _parties_once(self) -> "DocumentUpload":
        if self.parties is not None and len(set(self.parties)) != len(self.parties):
            raise ValueError("parties must not repeat")
        return self


@dataclass(frozen=True)
class CandidateFilters:
    state: CandidateState | None = None
    kind: CommitmentKind | None = None
    min_confidence: float | None = None


class ScoredPublic(Schema):
    slug: Slug
    score: float


class RestatementPublic(Schema):
    ref: Ref
    score: float = PydanticField(description="How alike the two quotes are, from 0 to 1")


class CandidatePublic(Schema):
    number: int = PydanticField(description="Within the document; never reused")
    document: Slug
    state: CandidateState
    title: str
    quote: str
    locator: Locator
    kind: CommitmentKind
    status: CommitmentStatus = PydanticField(description="The status the statement shows")
    obligors: list[Code]
    counterparts: list[Code]
    topics: list[ScoredPublic]
    areas: list[ScoredPublic]
    due_date: date | None
    due_rule: DueRule | None
    recurrence: Recurrence | None
    confidence: float
    reasons: list[str] = PydanticField(description="The cues and rules behind each part")
    restates: RestatementPublic | None = PydanticField(
        description="A commitment of the register this one likely restates"
    )
    commitment: Ref | None = PydanticField(
        description="The commitment it became (accepted) or was recorded on (merged)"
    )
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str | None


class CandidateList(Schema):
    document: Slug
    items: list[CandidatePublic]


class TakenIn(Schema):
    document: DocumentPublic
    created: bool = PydanticField(description="false: the same text was already taken in")
    candidates: list[CandidatePublic]


class CandidateEdits(SQLModel):
    """What the reviewer changes of the proposal before it becomes a commitment."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    title: Title | None = None
    description: LongText | None = None
    kind: CommitmentKind | None = None
    obligors: list[PartyRefIn] | None = PydanticField(default=None, min_length=1, max_length=20)
    counterparts: list[PartyRefIn] | None = PydanticField(default=None, max_length=20)
    areas: list[Slug] | None = PydanticField(default=None, max_length=20)
    topics: list[Slug] | None = PydanticField(default=None, max_length=20)
    due_date: Day | None = None
    due_rule: DueRule | None = None
    recurrence: Recurrence | None = None
    releasable_to: list[PartyCode] | None = PydanticField(
        default=None,
        max_length=50,
        description="Default: the obligors' and the issuing parties'; must include the "
        "issuing parties, who review the statement",
    )
    leads: list[LeadAssignment] = PydanticField(default_factory=list, max_length=20)


class CandidateReject(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    reason: LongText = PydanticField(min_length=1)


class CandidateMerge(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    ref: Ref = PydanticField(description="The commitment this candidate restates")


class BulkAccept(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    numbers: list[CandidateNumber] = PydanticField(
        min_length=1, max_length=MAX_CANDIDATES_PER_REQUEST
    )


class Decision(Schema):
    candidate: CandidatePublic
    commitment: CommitmentPublic


class BulkDecision(Schema):
    items: list[Decision]
