from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field

from app.core.db import UTCDateTime
from app.core.metadata import SQLModel
from app.core.security import Channel
from app.core.time import utcnow


class CommitmentHistory(SQLModel, table=True):
    """One changed field of a commitment: written in the transaction that changed it."""

    __tablename__ = "commitment_history"
    __table_args__ = (Index("ix_commitment_history_commitment_id_id", "commitment_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    commitment_id: int = Field(foreign_key="commitment.id")
    version: int
    field: str = Field(max_length=40)
    old_value: Any = Field(default=None, sa_column=Column(JSON))
    new_value: Any = Field(default=None, sa_column=Column(JSON))
    actor_id: int | None = Field(default=None, foreign_key="user_account.id", index=True)
    actor_name: str = Field(max_length=100)
    channel: str = Field(max_length=10)
    reason: str | None = Field(default=None, max_length=500)
    changed_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )


class HistoryEntry(SQLModel):
    version: int
    field: str
    old_value: Any
    new_value: Any
    actor: str
    channel: Channel
    reason: str | None
    changed_at: datetime


class HistoryPage(SQLModel):
    ref: str
    items: list[HistoryEntry]
