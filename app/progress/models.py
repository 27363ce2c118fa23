import secrets
from datetime import date, datetime
from typing import Annotated

from pydantic import ConfigDict
from pydantic import Field as PydanticField
from sqlalchemy import CheckConstraint, Column, Index, Text
from sqlmodel import Field

from app.core.db import UTCDateTime
from app.core.metadata import SQLModel
from app.core.time import utcnow
from app.core.validation import Day, LongText, StoredLength, WebUrl
from app.vocabulary import CommitmentStatus

EVIDENCE_URL_MAX_LENGTH = 2000
NOTE_ID_LENGTH = 22  # 16 random bytes, URL-safe base64
NOTE_ID_PATTERN = rf"^[A-Za-z0-9_-]{{{NOTE_ID_LENGTH}}}$"


def new_note_id() -> str:
    """A note's public id: random, so that it tells nothing of how many notes there are."""
    return secrets.token_urlsafe(16)


class ProgressNote(SQLModel, table=True):
    """An append-only progress note; a mistake is fixed by a later note that corrects it."""

    __tablename__ = "progress_note"
    __table_args__ = (
        CheckConstraint(
            "percent_complete IS NULL OR (percent_complete BETWEEN 0 AND 100)", name="percent"
        ),
        Index("ix_progress_note_commitment_id_as_of", "commitment_id", "as_of"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # What the API names the note by; the integer id stays inside (links between rows).
    public_id: str = Field(default_factory=new_note_id, max_length=32, unique=True)
    commitment_id: int = Field(foreign_key="commitment.id")
    author_id: int | None = Field(default=None, foreign_key="user_account.id", index=True)
    author_name: str = Field(max_length=100)
    text: str = Field(sa_column=Column(Text, nullable=False))
    evidence_url: str | None = Field(default=None, max_length=EVIDENCE_URL_MAX_LENGTH)
    percent_complete: int | None = None
    status_from: str | None = Field(default=None, max_length=20)
    status_to: str | None = Field(default=None, max_length=20)
    as_of: date
    corrects_id: int | None = Field(default=None, foreign_key="progress_note.id", index=True)
    cycle_id: int | None = Field(default=None, foreign_key="commitment_cycle.id", index=True)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )


class NoteCreate(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    text: LongText = PydanticField(min_length=1)
    evidence_url: Annotated[WebUrl, StoredLength(EVIDENCE_URL_MAX_LENGTH)] | None = None
    percent_complete: int | None = PydanticField(default=None, ge=0, le=100)
    status: CommitmentStatus | None = None
    as_of: Day | None = None
    cycle: str | None = PydanticField(
        default=None,
        max_length=40,
        pattern=r"^[A-Za-z0-9-]+$",
        description="For a recurring commitment: the cycle (e.g. SCM-57 or 2026-Q1) it is about",
    )
    corrects: str | None = PydanticField(
        default=None,
        max_length=NOTE_ID_LENGTH,
        pattern=NOTE_ID_PATTERN,
        description="id of an earlier note of this commitment that this one corrects",
    )


class NotePublic(SQLModel):
    id: str
    text: str
    evidence_url: str | None
    percent_complete: int | None
    status_from: CommitmentStatus | None
    status_to: CommitmentStatus | None
    as_of: date
    author: str
    cycle: str | None
    corrects: str | None
    corrected_by: list[str]
    created_at: datetime


class NoteList(SQLModel):
    ref: str
    items: list[NotePublic]
