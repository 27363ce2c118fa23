from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from app.commitments import CommitmentFilters
from app.core.formats import Format, negotiate, table_response, varies_by_accept
from app.core.openapi import problem_responses
from app.core.responses import json_response
from app.core.sessions import SessionDep
from app.core.time import today
from app.core.validation import Code, Day
from app.deadlines.conditions import DEFAULT_DUE_SOON_DAYS, DEFAULT_STALE_DAYS
from app.reports import service, summary, tables
from app.reports.models import CycleReport, DeadlineReport, GroupBy, OverdueReport, SummaryReport
from app.users.auth import CurrentUser

router = APIRouter(
    prefix="/api/v1/reports", tags=["reports"], responses=problem_responses(400, 401, 406, 422, 429)
)
AsOf = Annotated[
    Day | None,
    Query(description="The day to report on (default: today, in the configured timezone)"),
]
DueSoonDays = Annotated[int, Query(ge=0, le=3650)]
StaleDays = Annotated[int, Query(ge=1, le=3650)]
FormatQuery = Annotated[
    Format | None, Query(alias="format", description="Overrides the Accept header")
]
Bom = Annotated[bool, Query(description="Start CSV with a byte order mark (for spreadsheets)")]
AcceptHeader = Annotated[str | None, Header(include_in_schema=False)]
TABLE_FORMATS: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}, "text/markdown": {}}},
}


def _render(
    report: BaseModel,
    table: Callable[[Any], tables.Table],
    *,
    accept: str | None,
    explicit: Format | None,
    bom: bool,
    filename: str,
    title: str,
) -> Response:
    output = negotiate(accept, explicit)
    if output is Format.json:
        return varies_by_accept(json_response(report))
    headers, rows = table(report)
    return varies_by_accept(
        table_response(
            output=output, headers=headers, rows=rows, filename=filename, title=title, bom=bom
        )
    )


def _deadlines(
    request: Request,
    principal: CurrentUser,
    session: SessionDep,
    as_of: date | None,
    due_soon_days: int,
    stale_days: int,
    include_open: bool = True,
) -> DeadlineReport:
    return service.deadline_report(
        session=session,
        principal=principal,
        on=as_of or today(),
        due_soon_days=due_soon_days,
        stale_days=stale_days,
        link_base=request.app.state.settings.public_url,
        include_open=include_open,
    )


@router.get("/deadlines", response_model=DeadlineReport, responses=TABLE_FORMATS)
def deadlines(
    request: Request,
    principal: CurrentUser,
    session: SessionDep,
    as_of: AsOf = None,
    due_soon_days: DueSoonDays = DEFAULT_DUE_SOON_DAYS,
    stale_days: StaleDays = DEFAULT_STALE_DAYS,
    include_open: Annotated[
        bool, Query(description="false: leave `open` empty (a smaller answer for checks)")
    ] = True,
    output: FormatQuery = None,
    bom: Bom = False,
    accept: AcceptHeader = None,
) -> Response:
    """Overdue, due soon and stale commitments and cycles, and every open one with a due date."""
    report = _deadlines(request, principal, session, as_of, due_soon_days, stale_days, include_open)
    return _render(
        report,
        tables.deadlines_table,
        accept=accept,
        explicit=output,
        bom=bom,
        filename=f"deadlines-{report.as_of}",
        title=f"Deadlines as of {report.as_of}",
    )


@router.get("/overdue", response_model=OverdueReport, responses=TABLE_FORMATS)
def overdue(
    request: Request,
    principal: CurrentUser,
    session: SessionDep,
    as_of: AsOf = None,
    output: FormatQuery = None,
    bom: Bom = False,
    accept: AcceptHeader = None,
) -> Response:
    """Overdue commitments and cycles grouped by party and lead, with days overdue."""
    report = service.overdue_report(
        session=session,
        principal=principal,
        on=as_of or today(),
        link_base=request.app.state.settings.public_url,
    )
    return _render(
        report,
        tables.overdue_table,
        accept=accept,
        explicit=output,
        bom=bom,
        filename=f"overdue-{report.as_of}",
        title=f"Overdue as of {report.as_of}",
    )


@router.get("/summary", response_model=SummaryReport, responses=TABLE_FORMATS)
def summary_report(
    principal: CurrentUser,
    session: SessionDep,
    filters: Annotated[CommitmentFilters, Query()],
    group_by: GroupBy = GroupBy.area,
    due_soon_days: DueSoonDays = DEFAULT_DUE_SOON_DAYS,
    output: FormatQuery = None,
    bom: Bom = False,
    accept: AcceptHeader = None,
) -> Response:
    """Per group: counts by status, overdue, due soon, completed share. Takes the list's filters;
    with `as_of`, the register as it stood at the end of that day, rebuilt from the history."""
    on = filters.as_of or today()
    report = summary.summary_report(
        session=session,
        principal=principal,
        group_by=group_by,
        filters=filters,
        on=on,
        past=filters.as_of is not None,
        due_soon_days=due_soon_days,
    )
    return _render(
        report,
        tables.summary_table,
        accept=accept,
        explicit=output,
        bom=bom,
        filename=f"summary-by-{group_by.value}-{on}",
        title=f"Commitments by {group_by.value} as of {on}",
    )


@router.get(
    "/cycle", response_model=CycleReport, responses={**TABLE_FORMATS, **problem_responses(404, 409)}
)
def cycle_report(
    principal: CurrentUser,
    session: SessionDep,
    meeting: Annotated[Code, Query(description="The meeting, e.g. SCM-57")],
    as_of: AsOf = None,
    output: FormatQuery = None,
    bom: Bom = False,
    accept: AcceptHeader = None,
) -> Response:
    """What was due before the meeting (since the previous one of its series): done on time,
    late, or not at all; compliance per party and per area."""
    on = as_of or today()
    report = summary.cycle_report(
        session=session,
        principal=principal,
        meeting_key=meeting,
        on=on,
        past=as_of is not None,
    )
    return _render(
        report,
        tables.cycle_table,
        accept=accept,
        explicit=output,
        bom=bom,
        filename=f"cycle-{report.meeting}",
        title=f"Before {report.meeting} ({report.held_on})",
    )
