"""Each report as one table, for CSV and Markdown."""

from collections.abc import Sequence
from typing import Any

from app.reports.models import CycleReport, DeadlineReport, SummaryReport
from app.vocabulary import CommitmentStatus

Table = tuple[list[str], list[Sequence[Any]]]


def summary_table(report: SummaryReport) -> Table:
    statuses = [status.value for status in CommitmentStatus]
    headers = [
        report.group_by.value,
        "key",
        "total",
        *statuses,
        "overdue",
        "due_soon",
        "completed_share",
    ]
    rows: list[Sequence[Any]] = [
        [
            g.label,
            g.key,
            g.total,
            *(g.by_status[s] for s in statuses),
            g.overdue,
            g.due_soon,
            g.completed_share,
        ]
        for g in report.groups
    ]
    t = report.totals
    rows.append(
        [
            "(all)",
            None,
            t.total,
            *(t.by_status[s] for s in statuses),
            t.overdue,
            t.due_soon,
            t.completed_share,
        ]
    )
    return headers, rows


def cycle_table(report: CycleReport) -> Table:
    headers = [
        "ref",
        "cycle",
        "title",
        "due_date",
        "status",
        "completed_on",
        "outcome",
        "parties",
        "areas",
    ]
    rows: list[Sequence[Any]] = [
        [
            i.ref,
            i.cycle,
            i.title,
            i.due_date,
            i.status.value,
            i.completed_on,
            i.outcome.value,
            i.parties,
            i.areas,
        ]
        for i in report.items
    ]
    return headers, rows


def deadlines_table(report: DeadlineReport) -> Table:
    headers = [
        "list",
        "ref",
        "cycle",
        "title",
        "due_date",
        "days_overdue",
        "status",
        "parties",
        "leads",
        "link",
    ]
    rows: list[Sequence[Any]] = [
        [
            name,
            i.ref,
            i.cycle,
            i.title,
            i.due_date,
            i.days_overdue,
            i.status.value,
            i.parties,
            [f"{lead.party}: {lead.name}" for lead in i.leads],
            i.link,
        ]
        for name, items in (
            ("overdue", report.overdue),
            ("due_soon", report.due_soon),
            ("stale", report.stale),
        )
        for i in items
    ]
    return headers, rows
