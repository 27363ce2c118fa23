from datetime import date

from sqlmodel import Field

from app.commitments.enums import CommitmentStatus
from app.core.metadata import SQLModel
from app.core.validation import Code


class LeadName(SQLModel):
    party: Code
    name: str


class DeadlineItem(SQLModel):
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


class DeadlineReport(SQLModel):
    as_of: date
    due_soon_days: int
    stale_days: int
    overdue: list[DeadlineItem]
    due_soon: list[DeadlineItem]
    stale: list[DeadlineItem]
    open: list[DeadlineItem] = Field(description="Every open commitment or cycle with a due date")


class OverdueGroup(SQLModel):
    party: Code
    lead: str | None
    count: int
    max_days_overdue: int
    items: list[DeadlineItem]


class OverdueReport(SQLModel):
    as_of: date
    total: int = Field(description="Overdue commitments and cycles (each counted once)")
    groups: list[OverdueGroup]
