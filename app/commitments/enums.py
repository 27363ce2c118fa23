from enum import StrEnum


class CommitmentStatus(StrEnum):
    not_started = "not_started"
    in_progress = "in_progress"
    at_risk = "at_risk"
    blocked = "blocked"
    completed = "completed"
    cancelled = "cancelled"
    superseded = "superseded"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STATUSES


TERMINAL_STATUSES = frozenset(
    {CommitmentStatus.completed, CommitmentStatus.cancelled, CommitmentStatus.superseded}
)
OPEN_STATUSES = frozenset(CommitmentStatus) - TERMINAL_STATUSES


class CommitmentSort(StrEnum):
    due_date = "due_date"
    due_date_desc = "-due_date"
    ref = "ref"
    ref_desc = "-ref"
    updated_at = "updated_at"
    updated_at_desc = "-updated_at"


STATUS_CHECK = "status IN (" + ", ".join(f"'{status.value}'" for status in CommitmentStatus) + ")"
