"""The field-level history of commitments."""

from app.history.fields import (
    Changes,
    CycleField,
    cycle_created,
    cycle_field,
    parse_cycle_field,
)

__all__ = ["Changes", "CycleField", "cycle_created", "cycle_field", "parse_cycle_field"]
