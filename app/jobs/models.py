from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field

from app.core.db import UTCDateTime
from app.core.lease import HOLDER_MAX_LENGTH
from app.core.metadata import SQLModel


class RunState(StrEnum):
    running = "running"
    done = "done"
    failed = "failed"
    # Its worker died mid-run (its lease lapsed): what it left is taken up by a later run.
    abandoned = "abandoned"


class JobRun(SQLModel, table=True):
    """One run of a scheduled job for one due time (its slot). The slot is unique per job:
    of several workers (or a worker and a cron line) due at the same time, the one whose row
    goes in first runs the job, the others see it taken. A running run holds a lease that its
    worker renews while it lives; a run whose lease lapsed is abandoned."""

    __tablename__ = "job_run"
    __table_args__ = (UniqueConstraint("job", "slot"),)

    id: int | None = Field(default=None, primary_key=True)
    job: str = Field(max_length=40)
    slot: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    started_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    finished_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    outcome: str = Field(default=RunState.running.value, max_length=20)
    detail: str | None = Field(default=None, sa_column=Column(Text))
    worker: str | None = Field(default=None, max_length=HOLDER_MAX_LENGTH)
    lease_until: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
