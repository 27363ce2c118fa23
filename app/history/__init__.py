"""The field-level history of commitments, and the outbox of their changes."""

from app.history.changes import Change, FieldChange
from app.history.fields import (
    CycleField,
    cycle_created,
    cycle_field,
    parse_cycle_field,
)

__all__ = [
    "Change",
    "CycleField",
    "FieldChange",
    "cycle_created",
    "cycle_field",
    "parse_cycle_field",
]
