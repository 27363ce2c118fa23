"""The field-level history of commitments."""

from app.history import service
from app.history.fields import Changes, CycleField, cycle_created, cycle_field, parse_cycle_field
from app.history.models import CommitmentHistory, HistoryEntry, HistoryPage
from app.history.service import unchanged_since

__all__ = [
    "Changes",
    "CommitmentHistory",
    "CycleField",
    "HistoryEntry",
    "HistoryPage",
    "cycle_created",
    "cycle_field",
    "parse_cycle_field",
    "service",
    "unchanged_since",
]
