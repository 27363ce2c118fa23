from datetime import datetime

from sqlalchemy import Column, UniqueConstraint
from sqlmodel import Field

from app.core.db import UTCDateTime
from app.core.metadata import SQLModel


class ReminderSent(SQLModel, table=True):
    """A reminder a lead was sent about a commitment, for one occasion ("due:2027-01-15:14",
    "overdue:2026-11-30:2", "stale:2026-W49"): an occasion is mailed once, whatever restarts."""

    __tablename__ = "reminder_sent"
    __table_args__ = (UniqueConstraint("contact_id", "commitment_id", "occasion"),)

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    commitment_id: int = Field(foreign_key="commitment.id", index=True)
    occasion: str = Field(max_length=60)
    sent_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
