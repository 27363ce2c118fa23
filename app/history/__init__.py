"""The field-level history of commitments, and the outbox of their changes."""

from app.history import service
from app.history.changes import Change, FieldChange
from app.history.fields import CycleField, cycle_created, cycle_field, parse_cycle_field
from app.history.models import CommitmentHistory, HistoryEntry, HistoryPage
from app.history.outbox import (
    PUBLIC_ID_BYTES,
    PUBLIC_ID_LENGTH,
    EventType,
    WebhookEvent,
    new_public_id,
    record_event,
)
from app.history.service import unchanged_since

__all__ = [
    "PUBLIC_ID_BYTES",
    "PUBLIC_ID_LENGTH",
    "Change",
    "CommitmentHistory",
    "CycleField",
    "EventType",
    "FieldChange",
    "HistoryEntry",
    "HistoryPage",
    "WebhookEvent",
    "cycle_created",
    "cycle_field",
    "new_public_id",
    "parse_cycle_field",
    "record_event",
    "service",
    "unchanged_since",
]
