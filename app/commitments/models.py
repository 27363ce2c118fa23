from datetime import date, datetime

from sqlalchemy import CheckConstraint, Column, Index, Text
from sqlmodel import Field

from app.commitments.enums import CommitmentStatus
from app.contacts.models import ContactRef
from app.core.db import UTCDateTime
from app.core.metadata import SQLModel
from app.core.time import utcnow
from app.core.validation import Code, Ref, Slug

STATUS_VALUES = ", ".join(f"'{s.value}'" for s in CommitmentStatus)


class Commitment(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint(f"status IN ({STATUS_VALUES})", name="status"),
        CheckConstraint("version >= 1", name="version_positive"),
        Index("ix_commitment_status_due_date", "status", "due_date"),
        Index("ix_commitment_due_date_id", "due_date", "id"),
        Index("ix_commitment_updated_at_id", "updated_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(max_length=40, unique=True)
    title: str = Field(max_length=300)
    description: str | None = Field(default=None, sa_column=Column(Text))
    status: str = Field(default=CommitmentStatus.not_started.value, max_length=20)
    due_date: date | None = None
    document_id: int | None = Field(default=None, foreign_key="source_document.id", index=True)
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id", index=True)
    quote: str | None = Field(default=None, sa_column=Column(Text))
    paragraph: int | None = None
    context_before: str | None = Field(default=None, max_length=300)
    context_after: str | None = Field(default=None, max_length=300)
    # Case-folded ref, title and quote: one LIKE that behaves the same on every backend
    # and for every script (SQLite's lower() folds ASCII only).
    search_text: str = Field(default="", sa_column=Column(Text, nullable=False))
    version: int = 1
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    archived_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


class CommitmentParty(SQLModel, table=True):
    __tablename__ = "commitment_party"

    commitment_id: int = Field(foreign_key="commitment.id", primary_key=True)
    party_id: int = Field(foreign_key="party.id", primary_key=True, index=True)


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


def search_text_of(*, ref: str, title: str, quote: str | None) -> str:
    return "\n".join(part.casefold() for part in (ref, title, quote or ""))


class Locator(SQLModel):
    paragraph: int | None
    before: str | None
    after: str | None


class SourcePublic(SQLModel):
    document: Slug | None
    document_title: str | None
    meeting: str | None
    quote: str | None
    locator: Locator


class LeadPublic(SQLModel):
    party: Code
    contact: ContactRef


class CommitmentPublic(SQLModel):
    ref: Ref
    title: str
    description: str | None
    source: SourcePublic
    parties: list[Code]
    areas: list[Slug]
    status: CommitmentStatus
    due_date: date | None
    leads: list[LeadPublic]
    version: int
    created_at: datetime
    updated_at: datetime
    archived: bool


class CommitmentPage(SQLModel):
    items: list[CommitmentPublic]
    total: int
    next_cursor: str | None
