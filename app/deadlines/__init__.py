"""Schedules: due rules that follow a meeting, recurrences, and the cycles of recurring
commitments."""

from app.deadlines.enums import DueState, Interval
from app.deadlines.models import CommitmentCycle, Compliance, CyclePublic, DueRule, Recurrence

__all__ = [
    "CommitmentCycle",
    "Compliance",
    "CyclePublic",
    "DueRule",
    "DueState",
    "Interval",
    "Recurrence",
]
