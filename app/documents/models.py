from datetime import date

from sqlalchemy import CheckConstraint
from sqlmodel import Field

from app.core.metadata import SQLModel
from app.documents.enums import DocumentKind


class SourceDocument(SQLModel, table=True):
    __tablename__ = "source_document"
    __table_args__ = (
        CheckConstraint(
            "kind IN (" + ", ".join(f"'{k.value}'" for k in DocumentKind) + ")", name="kind"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True)
    title: str = Field(max_length=300)
    publisher: str = Field(max_length=200)
    kind: str = Field(max_length=20)
    issued_on: date
    language: str = Field(max_length=16)
    url: str | None = Field(default=None, max_length=500)
    sha256: str = Field(max_length=64)
    summary: str | None = Field(default=None)


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
    commitment_count: int
