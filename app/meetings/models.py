from datetime import date

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from app.core.metadata import SQLModel


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
    place: str | None = Field(default=None, max_length=200)


class MeetingPublic(SQLModel):
    key: str
    series: str
    series_name: str
    number: int | None
    title: str | None
    held_on: date | None
    place: str | None
