"""The register as it stood at a moment, rebuilt by replaying the field-level history."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlmodel import Session, col, select

from app.core.config import get_settings
from app.history.fields import parse_cycle_field
from app.history.models import CommitmentHistory


@dataclass
class PastState:
    """A commitment's editable fields and cycles after the last change before a moment."""

    commitment_id: int
    version: int = 0
    changed_at: datetime | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    cycles: dict[str, dict[str, Any]] = field(default_factory=dict)
    completed_at: datetime | None = None

    def get(self, name: str, default: Any = None) -> Any:
        return self.fields.get(name, default)


def end_of(day: date) -> datetime:
    """The first moment after `day` in the configured timezone, in UTC."""
    local = datetime.combine(day + timedelta(days=1), time.min, tzinfo=get_settings().zone)
    return local.astimezone(UTC)


def local_date(moment: datetime) -> date:
    return moment.astimezone(get_settings().zone).date()


def _apply(state: PastState, entry: CommitmentHistory) -> None:
    state.version = max(state.version, entry.version)
    state.changed_at = entry.changed_at
    name = entry.field
    cycle = parse_cycle_field(name)
    if cycle is not None:
        key = cycle.key
        if cycle.attribute is None:
            initial = entry.new_value or {}
            state.cycles[key] = {
                "due_date": initial.get("due_date"),
                "meeting": initial.get("meeting"),
                "status": "not_started",
                "completed_on": None,
            }
        else:
            state.cycles.setdefault(
                key,
                {"due_date": None, "meeting": None, "status": "not_started", "completed_on": None},
            )[cycle.attribute] = entry.new_value
        return
    state.fields[name] = entry.new_value
    if name == "status":
        state.completed_at = entry.changed_at if entry.new_value == "completed" else None


def states_as_of(
    *, session: Session, until: datetime | None, commitment_ids: Sequence[int] | None = None
) -> dict[int, PastState]:
    """Each commitment that existed before `until` (None: now), as it stood then."""
    statement = select(CommitmentHistory)
    if until is not None:
        statement = statement.where(col(CommitmentHistory.changed_at) < until)
    if commitment_ids is not None:
        statement = statement.where(col(CommitmentHistory.commitment_id).in_(commitment_ids))
    states: dict[int, PastState] = {}
    for entry in session.exec(statement.order_by(col(CommitmentHistory.id))):
        state = states.setdefault(entry.commitment_id, PastState(entry.commitment_id))
        _apply(state, entry)
    return {key: state for key, state in states.items() if "created" in state.fields}
