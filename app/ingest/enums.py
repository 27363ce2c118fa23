from enum import StrEnum


class CandidateState(StrEnum):
    """Where a candidate stands in review: proposed, then one decision."""

    proposed = "proposed"
    accepted = "accepted"  # became a new commitment
    merged = "merged"  # recorded as evidence on a commitment the register already had
    rejected = "rejected"


STATE_CHECK = "state IN (" + ", ".join(f"'{state.value}'" for state in CandidateState) + ")"
