from datetime import datetime

from sqlalchemy import Column, UniqueConstraint
from sqlmodel import Field

from app.core.db import UTCDateTime
from app.core.metadata import SQLModel
from app.reminders.enums import Mailing


class ReminderSent(SQLModel, table=True):
    """A reminder a lead was sent about a commitment, for one occasion ("due:2027-01-15:14",
    "overdue:2026-11-30:2", "stale:2026-W49"): an occasion is mailed once, whatever restarts.

    A run claims the row before it sends the mail ("sending", held by `claimed_by` until
    `claimed_until`) and marks it "sent" once the server took the mail; a claim whose run died
    lapses and a later run takes it up (app.reminders.claims)."""

    __tablename__ = "reminder_sent"
    __table_args__ = (UniqueConstraint("contact_id", "commitment_id", "occasion"),)

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    commitment_id: int = Field(foreign_key="commitment.id", index=True)
    occasion: str = Field(max_length=60)
    # The time of the run that mails it (its `--at`), claimed or sent.
    sent_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    state: str = Field(default=Mailing.sent.value, max_length=10)
    claimed_by: str | None = Field(default=None, max_length=32)
    claimed_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


class PartyDigestSent(SQLModel, table=True):
    """A party's weekly digest, mailed once for its week ("2027-W09"); claimed before it is
    sent, as a reminder is."""

    __tablename__ = "party_digest_sent"
    __table_args__ = (UniqueConstraint("party_id", "week"),)

    id: int | None = Field(default=None, primary_key=True)
    party_id: int = Field(foreign_key="party.id", index=True)
    week: str = Field(max_length=10)
    sent_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    state: str = Field(default=Mailing.sent.value, max_length=10)
    claimed_by: str | None = Field(default=None, max_length=32)
    claimed_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
