from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Column, Text
from sqlmodel import Field

from app.core.db import UTCDateTime
from app.core.metadata import SQLModel
from app.reference.enums import DocumentAccess, DocumentKind, TextFormat

URL_MAX_LENGTH = 500
LANGUAGE_MAX_LENGTH = 16


def _one_of(column: str, values: type[DocumentKind | DocumentAccess | TextFormat]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v.value}'" for v in values) + ")"


class SourceDocument(SQLModel, table=True):
    __tablename__ = "source_document"
    __table_args__ = (
        CheckConstraint(_one_of("kind", DocumentKind), name="kind"),
        CheckConstraint(_one_of("access", DocumentAccess), name="access"),
        CheckConstraint(_one_of("text_format", TextFormat), name="text_format"),
    )

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True)
    title: str = Field(max_length=300)
    publisher: str = Field(max_length=200)
    kind: str = Field(max_length=20)
    issued_on: date
    language: str = Field(max_length=LANGUAGE_MAX_LENGTH)
    url: str | None = Field(default=None, max_length=URL_MAX_LENGTH)
    # Of the text as given, for a statement taken in over the API; of the source file for
    # the seeded ones.
    sha256: str = Field(max_length=64, index=True)
    summary: str | None = Field(default=None)
    access: str = Field(
        default=DocumentAccess.public.value,
        max_length=10,
        sa_column_kwargs={"server_default": DocumentAccess.public.value},
    )
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id", index=True)
    # The text as the user gave it, its format, and its paragraphs (whitespace collapsed)
    # that candidates' locators count in. None for the seeded statements.
    text: str | None = Field(default=None, sa_column=Column(Text))
    text_format: str | None = Field(default=None, max_length=20)
    paragraphs: list[str] | None = Field(default=None, sa_column=Column(JSON(none_as_null=True)))
    created_by: str | None = Field(default=None, max_length=100)
    created_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


class DocumentParty(SQLModel, table=True):
    """A party that issued the statement: its users review the statement's candidates."""

    __tablename__ = "document_party"

    document_id: int = Field(foreign_key="source_document.id", primary_key=True)
    party_id: int = Field(foreign_key="party.id", primary_key=True, index=True)


class DocumentPublic(SQLModel):
    slug: str
    title: str
    publisher: str
    kind: DocumentKind
    issued_on: date
    language: str
    url: str | None
    sha256: str
    summary: str | None
    access: DocumentAccess
    parties: list[str]
    meeting: str | None
    text_format: TextFormat | None
    created_by: str | None
    created_at: datetime | None
    commitment_count: int


class DocumentList(SQLModel):
    items: list[DocumentPublic]
