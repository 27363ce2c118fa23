from datetime import date
from enum import StrEnum

from pydantic import Field

from app.core.schemas import Schema
from app.core.validation import Code
from app.vocabulary import CommitmentStatus


class LeadName(Schema):
    party: Code
    name: str


class DeadlineItem(Schema):
    """An open commitment, or an open cycle of a recurring one, that has a due date."""

    ref: str
    title: str
    cycle: str | None = Field(description="The cycle's key, for a recurring commitment")
    due_date: date | None = Field(description="None only in the stale list")
    days_overdue: int | None = Field(description="Days past the due date; negative: days left")
    status: CommitmentStatus
    parties: list[Code]
    leads: list[LeadName]
    last_note_on: date | None
    link: str


class DeadlineReport(Schema):
    as_of: date
    due_soon_days: int
    stale_days: int
    overdue: list[DeadlineItem]
    due_soon: list[DeadlineItem]
    stale: list[DeadlineItem]
    open: list[DeadlineItem] = Field(description="Every open commitment or cycle with a due date")


class OverdueGroup(Schema):
    party: Code
    lead: str | None
    count: int
    max_days_overdue: int
    items: list[DeadlineItem]


class OverdueReport(Schema):
    as_of: date
    total: int = Field(description="Overdue commitments and cycles (each counted once)")
    groups: list[OverdueGroup]


class GroupBy(StrEnum):
    area = "area"
    status = "status"
    party = "party"
    kind = "kind"
    obligor = "obligor"
    counterpart = "counterpart"
    topic = "topic"
    assessment = "assessment"
    lead = "lead"
    document = "document"
    meeting = "meeting"


class Tally(Schema):
    total: int
    by_status: dict[str, int]
    overdue: int
    due_soon: int
    completed_share: float = Field(description="Completed commitments as a share of the total")


class SummaryGroup(Tally):
    key: str | None = Field(description="The group's slug, code, key or lead; null: none")
    label: str


class SummaryReport(Schema):
    group_by: GroupBy
    as_of: date
    due_soon_days: int
    totals: Tally = Field(description="Each commitment once, whatever its groups")
    groups: list[SummaryGroup]


class Outcome(StrEnum):
    on_time = "on_time"
    late = "late"
    not_done = "not_done"
    withdrawn = "withdrawn"


class CycleItem(Schema):
    ref: str
    title: str
    cycle: str | None
    due_date: date
    status: CommitmentStatus
    completed_on: date | None
    outcome: Outcome
    parties: list[Code]
    areas: list[str]


class Compliance(Schema):
    due: int
    on_time: int
    late: int
    not_done: int
    on_time_share: float


class CycleReport(Schema):
    meeting: str
    held_on: date
    window_start: date | None = Field(description="The previous meeting of the series (excluded)")
    as_of: date
    items: list[CycleItem]
    totals: Compliance
    by_party: dict[str, Compliance]
    by_area: dict[str, Compliance]
