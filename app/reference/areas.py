from datetime import date

from pydantic import Field as PydanticField
from sqlmodel import Field

from app.core.db import names_column
from app.core.metadata import SQLModel
from app.reference.contacts import LeadAssignment, LeadPublic
from app.vocabulary import CommitmentStatus


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
    # Words in a statement that suggest the area (the extractor's suggestions).
    keywords: list[str] = Field(default_factory=list, sa_column=names_column())


class Topic(SQLModel, table=True):
    """A thematic tag (DPRK, extended deterrence, ...): unlike a framework's priority areas,
    no framework, date or leads come with it."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True)
    name: str = Field(max_length=200)
    description: str | None = None
    keywords: list[str] = Field(default_factory=list, sa_column=names_column())


class TopicPublic(SQLModel):
    slug: str
    name: str
    description: str | None
    commitment_count: int


class AreaLead(SQLModel, table=True):
    """The point of contact who leads a priority area for one party."""

    __tablename__ = "area_lead"

    area_id: int = Field(foreign_key="priority_area.id", primary_key=True)
    party_id: int = Field(foreign_key="party.id", primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)


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


class DueItem(SQLModel):
    ref: str
    title: str
    due_date: date
    status: CommitmentStatus


class AreaDetail(AreaPublic):
    leads: list[LeadPublic]
    status_counts: dict[str, int]
    overdue: int
    due_soon: int
    next_due: list[DueItem]


class AreaLeadsUpdate(SQLModel):
    leads: list[LeadAssignment] = PydanticField(max_length=20)
