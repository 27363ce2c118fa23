from enum import StrEnum


class ReminderKind(StrEnum):
    """What a reminder is about; a lead may opt out of each."""

    due = "due"
    overdue = "overdue"
    stale = "stale"
    digest = "digest"
