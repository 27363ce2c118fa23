from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field

from app.core.db import UTCDateTime
from app.core.metadata import SQLModel


class JobRun(SQLModel, table=True):
    """One run of a scheduled job for one due time (its slot). The slot is unique per job:
    of several workers (or a worker and a cron line) due at the same time, the one whose row
    goes in first runs the job, the others see it taken."""

    __tablename__ = "job_run"
    __table_args__ = (UniqueConstraint("job", "slot"),)

    id: int | None = Field(default=None, primary_key=True)
    job: str = Field(max_length=40)
    slot: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    started_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    finished_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    outcome: str = Field(default="running", max_length=20)
    detail: str | None = Field(default=None, sa_column=Column(Text))
