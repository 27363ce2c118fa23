"""The register's vocabulary: the statuses, kinds and orders every floor speaks of.

Leaf modules: they import nothing from the application but `app.core`, so any package may
import them.
"""

from app.vocabulary.commitments import (
    KIND_CHECK,
    LIVE_AND_OPEN,
    OPEN_STATUSES,
    OPEN_VALUES,
    STATUS_CHECK,
    CommitmentKind,
    CommitmentSort,
    CommitmentStatus,
    Completion,
)

__all__ = [
    "KIND_CHECK",
    "LIVE_AND_OPEN",
    "OPEN_STATUSES",
    "OPEN_VALUES",
    "STATUS_CHECK",
    "CommitmentKind",
    "CommitmentSort",
    "CommitmentStatus",
    "Completion",
]
