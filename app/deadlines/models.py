from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, model_validator
from pydantic import Field as PydanticField
from sqlalchemy import CheckConstraint, Column, Index, UniqueConstraint
from sqlmodel import Field

from app.core.db import UTCDateTime
from app.core.metadata import SQLModel
from app.core.schemas import Schema
from app.core.time import utcnow
from app.core.validation import Code, Day
from app.deadlines.enums import DueState, Interval
from app.vocabulary import STATUS_CHECK, CommitmentStatus


class CommitmentCycle(SQLModel, table=True):
    """One occurrence of a recurring commitment, with its own due date and status."""

    __tablename__ = "commitment_cycle"
    __table_args__ = (
        UniqueConstraint("commitment_id", "key"),
        CheckConstraint(STATUS_CHECK, name="status"),
        Index("ix_commitment_cycle_status_due_date", "status", "due_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    commitment_id: int = Field(foreign_key="commitment.id", index=True)
    key: str = Field(max_length=40)
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id", index=True)
    due_date: date | None = None
    status: str = Field(default=CommitmentStatus.not_started.value, max_length=20)
    completed_on: date | None = None
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )


Offset = PydanticField(default=0, ge=-3650, le=3650, description="Days after (+) or before (-)")


class DueRule(SQLModel):
    """A due date that follows a meeting: `offset_days` from the meeting's date."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    series: Code
    occurrence: Literal["next"] | Annotated[int, PydanticField(ge=1, le=10_000)] = PydanticField(
        default="next",
        description='"next": the first meeting of the series after the commitment was made; '
        "or a meeting number",
    )
    offset_days: int = Offset

    @model_validator(mode="after")
    def _series_upper(self) -> "DueRule":
        self.series = self.series.upper()
        return self


class Recurrence(SQLModel):
    """A cycle per meeting of a series (`series`), or per period (`every` from `start`)."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    series: Code | None = None
    every: Interval | None = None
    start: Day | None = None
    offset_days: int = Offset

    @model_validator(mode="after")
    def _one_kind(self) -> "Recurrence":
        if (self.series is None) == (self.every is None):
            raise ValueError("give either series (a cycle per meeting) or every (year, quarter)")
        if self.every is not None and self.start is None:
            raise ValueError("a fixed interval needs its start date")
        if self.series is not None:
            self.series = self.series.upper()
        return self


class CyclePublic(Schema):
    key: str
    meeting: str | None
    due_date: date | None
    due_state: DueState
    status: CommitmentStatus
    completed_on: date | None
    on_time: bool | None


class Compliance(Schema):
    """The record across the cycles that have fallen due."""

    cycles_due: int
    completed_on_time: int
    completed_late: int
    missed: int
    open: int
