"""The outbox: every change to a commitment as one event, written in the transaction that
makes it, beside its history; the webhooks fan the events out to their endpoints later.

It lives beside the history, under every service that changes a commitment, so that they
write it without depending on the webhooks' delivery."""

import secrets
from collections.abc import Collection
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, insert
from sqlmodel import Field, Session

from app.core.db import UTCDateTime
from app.core.metadata import SQLModel
from app.core.security import Actor
from app.history.changes import Change

# What callers see of a row: a random id, so that no id tells how many rows came before it
# (integer keys count every party's events); the prefix tells what it names.
PUBLIC_ID_BYTES = 16
EVENT_PREFIX = "evt_"
PUBLIC_ID_LENGTH = 40  # the column: a prefix of four and the hex digits


def new_public_id(prefix: str) -> str:
    return prefix + secrets.token_hex(PUBLIC_ID_BYTES)


class EventType(StrEnum):
    created = "commitment.created"
    changed = "commitment.changed"
    status_changed = "commitment.status_changed"
    archived = "commitment.archived"
    note_added = "note.added"
    overdue = "commitment.overdue"
    candidate_accepted = "candidate.accepted"


class WebhookEvent(SQLModel, table=True):
    """One change to a commitment (one version), waiting to be fanned out to endpoints."""

    __tablename__ = "webhook_event"

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(
        default_factory=lambda: new_public_id(EVENT_PREFIX),
        max_length=PUBLIC_ID_LENGTH,
        unique=True,
    )
    type: str = Field(max_length=40)
    commitment_id: int = Field(foreign_key="commitment.id", index=True)
    version: int
    changes: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    actor: str = Field(max_length=100)
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    fanned_out_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, index=True))


def event_type(fields: Collection[str]) -> EventType:
    """What a change is, by the fields it touched (the most telling first)."""
    if "candidate" in fields:
        return EventType.candidate_accepted
    if "created" in fields:
        return EventType.created
    if "archived" in fields:
        return EventType.archived
    if "status" in fields:
        return EventType.status_changed
    if "note" in fields:
        return EventType.note_added
    return EventType.changed


_INSERT = insert(WebhookEvent.__table__)  # type: ignore[attr-defined]


def record_event(
    *,
    session: Session,
    commitment_id: int,
    version: int,
    change: Change,
    actor: Actor,
    at: datetime,
) -> None:
    """Put the change in the outbox, in the transaction that makes it: one statement."""
    session.connection().execute(
        _INSERT,
        {
            "public_id": new_public_id(EVENT_PREFIX),
            "type": event_type(change.names).value,
            "commitment_id": commitment_id,
            "version": version,
            "changes": change.new_values(),
            "actor": actor.name,
            "created_at": at,
            "fanned_out_at": None,
        },
    )
