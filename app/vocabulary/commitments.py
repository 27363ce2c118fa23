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
# In declaration order, so the SQL that lists them reads the same in every process.
OPEN_VALUES = [status.value for status in CommitmentStatus if status in OPEN_STATUSES]
# The predicate of the partial index behind the overdue and due-soon scans.
LIVE_AND_OPEN = (
    "archived_at IS NULL AND status IN (" + ", ".join(f"'{v}'" for v in OPEN_VALUES) + ")"
)


class CommitmentKind(StrEnum):
    """What kind of undertaking a commitment is (docs/extraction-guide.md)."""

    pledge = "pledge"  # one party undertakes to act
    joint_undertaking = "joint_undertaking"  # several parties undertake together
    request = "request"  # one party asks another to act
    establishment = "establishment"  # something was created and now exists to be tracked
    recurring = "recurring"  # an obligation that comes back on a schedule
    reaffirmation = "reaffirmation"  # an existing commitment restated, no new action


KIND_CHECK = "kind IN (" + ", ".join(f"'{kind.value}'" for kind in CommitmentKind) + ")"


class Completion(StrEnum):
    """How far an obligor has got, on the Open Government Partnership's scale."""

    no_evidence = "no_evidence"
    not_started = "not_started"
    limited = "limited"
    substantial = "substantial"
    complete = "complete"
