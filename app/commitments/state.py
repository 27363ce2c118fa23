"""A commitment's editable state, typed, in the form its history records (party codes, area
slugs, contact ids, rules as JSON), and the changes from one state to another."""

from dataclasses import asdict, dataclass, field, fields, replace
from datetime import date, datetime
from typing import Any

from app.history import Change, FieldChange


@dataclass(frozen=True)
class Deadline:
    """What decides when a commitment falls due: a date, a rule, or a recurrence."""

    due_date: date | None = None
    due_rule: dict[str, Any] | None = None
    recurrence: dict[str, Any] | None = None


@dataclass(frozen=True)
class CommitmentState:
    title: str
    status: str
    kind: str = "pledge"
    description: str | None = None
    due_date: date | None = None
    completed_on: date | None = None
    due_rule: dict[str, Any] | None = None
    recurrence: dict[str, Any] | None = None
    # The obligors: their parties, and the organization named for some of them.
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

    @property
    def deadline(self) -> Deadline:
        return Deadline(self.due_date, self.due_rule, self.recurrence)

    def due_on(self, due_date: date | None) -> "CommitmentState":
        return replace(self, due_date=due_date)

    def record(self) -> dict[str, Any]:
        """The fields by name, as the history stores them."""
        return asdict(self)

    def changes_to(self, new: "CommitmentState") -> Change:
        # Field by field: a record of each whole state (a deep copy) cost more than the rest
        # of a change's checks together.
        pairs = ((name, getattr(self, name), getattr(new, name)) for name in _FIELD_NAMES)
        return Change(
            tuple(FieldChange(name, old, value) for name, old, value in pairs if value != old)
        )


_FIELD_NAMES = tuple(state_field.name for state_field in fields(CommitmentState))


LINK_FIELDS = (
    "parties",
    "obligor_organizations",
    "counterparts",
    "counterpart_organizations",
    "areas",
    "topics",
    "leads",
    "supporting_contacts",
    "releasable_to",
)


@dataclass(frozen=True)
class StoredCommitment:
    """What a change reads of a commitment's own row besides its state: which row, at which
    version, and the columns a change derives from."""

    id: int
    ref: str
    version: int
    archived_at: datetime | None
    document_id: int | None
    due_meeting_id: int | None
    title: str
    quote: str | None
    completed_on: date | None
    last_note_on: date | None
    percent_complete: int | None
