"""Reports over the register: summaries, overdue, compliance of cycles, the meeting brief."""

from app.reports import service, summary
from app.reports.models import (
    CycleReport,
    DeadlineItem,
    DeadlineReport,
    GroupBy,
    OverdueGroup,
    OverdueReport,
    SummaryReport,
)

__all__ = [
    "CycleReport",
    "DeadlineItem",
    "DeadlineReport",
    "GroupBy",
    "OverdueGroup",
    "OverdueReport",
    "SummaryReport",
    "service",
    "summary",
]
