from datetime import date
from typing import Annotated

from pydantic import ConfigDict
from pydantic import Field as PydanticField
from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from app.core.metadata import SQLModel
from app.core.validation import Code, Day, Title

PLACE_MAX_LENGTH = 200
Place = Annotated[Title, PydanticField(max_length=PLACE_MAX_LENGTH)]


class MeetingSeries(SQLModel, table=True):
    __tablename__ = "meeting_series"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=16, unique=True)
    name: str = Field(max_length=200)
    description: str | None = None


class Meeting(SQLModel, table=True):
    """One occurrence of a series, addressed by its key (e.g. ``SCM-56``); its date may be
    unknown until staff set it."""

    __table_args__ = (UniqueConstraint("series_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=32, unique=True)
    series_id: int = Field(foreign_key="meeting_series.id", index=True)
    number: int | None = None
    title: str | None = Field(default=None, max_length=300)
    held_on: date | None = Field(default=None, index=True)
    place: str | None = Field(default=None, max_length=PLACE_MAX_LENGTH)
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})


class MeetingPublic(SQLModel):
    key: str
    series: str
    series_name: str
    number: int | None
    title: str | None
    held_on: date | None
    place: str | None
    version: int


class MeetingCreate(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    series: Code
    number: int | None = PydanticField(default=None, ge=1, le=10_000)
    key: Code | None = PydanticField(default=None, description="Defaults to SERIES-NUMBER")
    title: Title | None = None
    held_on: Day | None = None
    place: Place | None = None


class MeetingUpdate(SQLModel):
    """Schedule or move a meeting: every due date that follows it is recomputed."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    held_on: Day | None = None
    place: Place | None = None
    title: Title | None = None
