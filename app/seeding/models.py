"""The shape of the seed files in ``seeds/``: validated before anything is written."""

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from app.commitments import CommitmentStatus
from app.core.validation import Code, Ref, Slug
from app.deadlines.models import DueRule, Recurrence
from app.documents.enums import DocumentKind


class SeedModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PartySeed(SeedModel):
    code: Code
    name: str


class OrganizationSeed(SeedModel):
    code: str = Field(max_length=32)
    party: Code
    name: str


class AreaSeed(SeedModel):
    slug: Slug
    name: str
    description: str | None = None


class FrameworkSeed(SeedModel):
    slug: Slug
    name: str
    version: int = 1
    adopted_on: date | None = None
    document: Slug | None = None
    areas: list[AreaSeed]


class MeetingSeriesSeed(SeedModel):
    code: Code
    name: str
    description: str | None = None


class MeetingSeed(SeedModel):
    key: Code
    series: Code
    number: int | None = None
    title: str | None = None
    held_on: date | None = None
    place: str | None = None


class ReferenceSeed(SeedModel):
    parties: list[PartySeed]
    organizations: list[OrganizationSeed]
    frameworks: list[FrameworkSeed]
    areas: list[AreaSeed]
    meeting_series: list[MeetingSeriesSeed]
    meetings: list[MeetingSeed]


class DocumentSeed(SeedModel):
    slug: Slug
    title: str
    publisher: str
    kind: DocumentKind
    issued_on: date
    language: str
    source_file: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    meeting: Code | None = None
    url: str | None = None
    summary: str | None = None


class CommitmentSeed(SeedModel):
    ref: Ref
    title: str = Field(max_length=300)
    quote: str
    paragraph: int = Field(ge=1)
    before: str
    after: str
    parties: list[Code] = Field(min_length=1)
    areas: list[Slug]
    status: CommitmentStatus = CommitmentStatus.not_started
    due_date: date | None = None
    completed_on: date | None = None
    due_rule: DueRule | None = None
    recurrence: Recurrence | None = None
    meeting: Code | None = None


class DocumentFileSeed(SeedModel):
    document: DocumentSeed
    commitments: list[CommitmentSeed]
