"""The field-level history of commitments."""

from app.history import service
from app.history.fields import Changes, CycleField, cycle_created, cycle_field, parse_cycle_field
from app.history.models import HistoryEntry, HistoryPage
from app.history.replay import PastState, end_of, local_date, states_as_of
from app.history.service import unchanged_since

__all__ = [
    "Changes",
    "CycleField",
    "HistoryEntry",
    "HistoryPage",
    "PastState",
    "cycle_created",
    "cycle_field",
    "end_of",
    "local_date",
    "parse_cycle_field",
    "service",
    "states_as_of",
    "unchanged_since",
]
