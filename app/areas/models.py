from datetime import date

from sqlmodel import Field

from app.core.metadata import SQLModel


class Framework(SQLModel, table=True):
    """A set of priority areas adopted on a date; a revision is a new row with a new version."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True)
    name: str = Field(max_length=300)
    version: int = Field(default=1, ge=1)
    adopted_on: date | None = None
    document_id: int | None = Field(default=None, foreign_key="source_document.id", index=True)


class PriorityArea(SQLModel, table=True):
    __tablename__ = "priority_area"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True)
    name: str = Field(max_length=200)
    description: str | None = None
    framework_id: int | None = Field(default=None, foreign_key="framework.id", index=True)
    position: int = 0


class FrameworkPublic(SQLModel):
    slug: str
    name: str
    version: int
    adopted_on: date | None
    document: str | None


class AreaPublic(SQLModel):
    slug: str
    name: str
    description: str | None
    framework: FrameworkPublic | None
    commitment_count: int
