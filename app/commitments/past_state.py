"""A commitment as it stood at a past moment: the state the replay of its history builds, and
the past forms of the list's filters read (app.commitments.filters)."""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from app.commitments.models import Commitment
from app.core.metadata import id_of


@dataclass
class PastCycle:
    """A cycle of a recurring commitment as it stood."""

    key: str
    due_date: date | None = None
    meeting: str | None = None
    status: str = "not_started"
    completed_on: date | None = None


@dataclass
class PastCommitment:
    """A commitment after the last change before a moment. Its title, status and kind start
    as they are now, for a history that never recorded them; its other fields start empty."""

    commitment_id: int
    created_at: datetime
    title: str
    status: str
    kind: str
    version: int = 0
    changed_at: datetime | None = None
    created: bool = False
    archived: bool = False
    description: str | None = None
    due_date: date | None = None
    completed_on: date | None = None
    # When its status last became "completed"; None while it is not.
    completed_at: datetime | None = None
    due_rule: dict[str, Any] | None = None
    recurrence: dict[str, Any] | None = None
    parties: list[str] = field(default_factory=list)
    obligor_organizations: dict[str, str] = field(default_factory=dict)
    counterparts: list[str] = field(default_factory=list)
    counterpart_organizations: dict[str, str] = field(default_factory=dict)
    areas: list[str] = field(default_factory=list)
    brought_under_framework: bool = False
    topics: list[str] = field(default_factory=list)
    assessments: dict[str, dict[str, Any]] = field(default_factory=dict)
    leads: dict[str, int] = field(default_factory=dict)
    supporting_contacts: list[int] = field(default_factory=list)
    releasable_to: list[str] = field(default_factory=list)
    percent_complete: int | None = None
    last_note_on: date | None = None
    cycles: dict[str, PastCycle] = field(default_factory=dict)

    @classmethod
    def before_history(cls, commitment: Commitment) -> "PastCommitment":
        return cls(
            commitment_id=id_of(commitment),
            created_at=commitment.created_at,
            title=commitment.title,
            status=commitment.status,
            kind=commitment.kind,
        )

    def cycles_in_due_order(self) -> list[PastCycle]:
        return sorted(
            self.cycles.values(),
            key=lambda c: (c.due_date is None, c.due_date or date.min, c.key),
        )
