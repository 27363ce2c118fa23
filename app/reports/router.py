from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import Response, StreamingResponse
from sqlmodel import Session

from app.commitments import (
    DEFAULT_DUE_SOON_DAYS,
    DEFAULT_STALE_DAYS,
    CommitmentFilters,
    audience_of,
)
from app.core.cache import Rendered, cached
from app.core.conditional import IfNoneMatchHeader
from app.core.formats import (
    Format,
    negotiate,
    table_body,
    table_headers,
    table_response,
    varies_by_accept,
)
from app.core.openapi import problem_responses
from app.core.responses import dump_json
from app.core.security import Principal
from app.core.sessions import SessionDep, streamed, tagged_stream
from app.core.time import today
from app.core.validation import Code, Day
from app.reports import service, streams, summary, tables
from app.reports.models import CycleReport, DeadlineReport, GroupBy, OverdueReport, SummaryReport
from app.users import CurrentUser

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


@dataclass(frozen=True)
class Wanted:
    """How the caller wants a report: its format, a byte order mark, the ETag it holds."""

    output: Format | None
    bom: bool
    accept: str | None
    if_none_match: str | None


def wanted(
    output: FormatQuery = None,
    bom: Bom = False,
    accept: AcceptHeader = None,
    if_none_match: IfNoneMatchHeader = None,
) -> Wanted:
    return Wanted(output, bom, accept, if_none_match)


WantedDep = Annotated[Wanted, Depends(wanted)]
TABLE_FORMATS: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}, "text/markdown": {}}},
}


def _render(
    request: Request,
    principal: Principal,
    build: Callable[[], Any],
    table: Callable[[Any], tables.Table],
    *,
    named: Callable[[Any], tuple[str, str]],
    wanted: Wanted,
) -> Response:
    """The report as JSON (kept in memory while the register is unchanged, with a strong
    ETag), or as a CSV or Markdown table named by `named` (filename, title)."""
    output = negotiate(wanted.accept, wanted.output)
    if output is Format.json:
        rendered = cached(
            request,
            audience_of(principal),
            lambda: Rendered.of(dump_json(build()), headers={"Vary": "Accept"}),
        )
        return rendered.response(if_none_match=wanted.if_none_match)
    report = build()
    filename, title = named(report)
    columns, rows = table(report)
    return varies_by_accept(
        table_response(
            output=output,
            headers=columns,
            rows=rows,
            filename=filename,
            title=title,
            bom=wanted.bom,
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
    how: WantedDep,
    as_of: AsOf = None,
    due_soon_days: DueSoonDays = DEFAULT_DUE_SOON_DAYS,
    stale_days: StaleDays = DEFAULT_STALE_DAYS,
    include_open: Annotated[
        bool, Query(description="false: leave `open` empty (a smaller answer for checks)")
    ] = True,
) -> Response:
    """Overdue, due soon and stale commitments and cycles, and every open one with a due date."""
    return _render(
        request,
        principal,
        lambda: _deadlines(
            request, principal, session, as_of, due_soon_days, stale_days, include_open
        ),
        tables.deadlines_table,
        named=lambda report: (f"deadlines-{report.as_of}", f"Deadlines as of {report.as_of}"),
        wanted=how,
    )


@router.get("/overdue", response_model=OverdueReport, responses=TABLE_FORMATS)
def overdue(
    request: Request,
    principal: CurrentUser,
    how: WantedDep,
    as_of: AsOf = None,
) -> Response:
    """Overdue commitments and cycles grouped by party and lead, most overdue first, with days
    overdue. Streamed as it is read, so it costs the server the same memory however long it
    is: in JSON a group's `count` comes after its items, and `total` after the groups. The
    JSON's ETag is the hash of its body: the first request after a change to the register
    waits for the whole body, later ones start at once."""
    on = as_of or today()
    output = negotiate(how.accept, how.output)
    link_base = request.app.state.settings.public_url

    def slices(session: Session) -> Iterator[service.OverdueSlice]:
        return service.overdue_slices(
            session=session, principal=principal, on=on, link_base=link_base
        )

    if output is Format.json:
        return _overdue_json(request, principal, on, slices, how.if_none_match)
    title = f"Overdue as of {on}"
    media_type, headers = table_headers(output, f"overdue-{on}")
    body = streamed(
        request,
        lambda session: table_body(
            output=output,
            headers=streams.OVERDUE_COLUMNS,
            rows=streams.overdue_rows(slices(session)),
            title=title,
            bom=how.bom,
        ),
    )
    return varies_by_accept(StreamingResponse(body, media_type=media_type, headers=headers))


def _overdue_json(
    request: Request,
    principal: Principal,
    on: date,
    slices: Callable[[Session], Iterator[service.OverdueSlice]],
    if_none_match: str | None,
) -> Response:
    def document(session: Session) -> Iterator[bytes]:
        return streams.overdue_json(
            as_of=on,
            slices=slices(session),
            total=lambda: service.overdue_total(session=session, principal=principal, on=on),
        )

    return tagged_stream(
        request,
        document,
        audience=audience_of(principal),
        if_none_match=if_none_match,
        headers={"Vary": "Accept"},
    )


@router.get("/summary", response_model=SummaryReport, responses=TABLE_FORMATS)
def summary_report(
    request: Request,
    principal: CurrentUser,
    session: SessionDep,
    how: WantedDep,
    filters: Annotated[CommitmentFilters, Query()],
    group_by: GroupBy = GroupBy.area,
    due_soon_days: DueSoonDays = DEFAULT_DUE_SOON_DAYS,
) -> Response:
    """Per group: counts by status, overdue, due soon, completed share. Takes the list's filters;
    with `as_of`, the register as it stood at the end of that day, rebuilt from the history."""
    on = filters.as_of or today()
    return _render(
        request,
        principal,
        lambda: summary.summary_report(
            session=session,
            principal=principal,
            group_by=group_by,
            filters=filters,
            on=on,
            past=filters.as_of is not None,
            due_soon_days=due_soon_days,
        ),
        tables.summary_table,
        named=lambda _: (
            f"summary-by-{group_by.value}-{on}",
            f"Commitments by {group_by.value} as of {on}",
        ),
        wanted=how,
    )


@router.get(
    "/cycle", response_model=CycleReport, responses={**TABLE_FORMATS, **problem_responses(404, 409)}
)
def cycle_report(
    request: Request,
    principal: CurrentUser,
    session: SessionDep,
    how: WantedDep,
    meeting: Annotated[Code, Query(description="The meeting, e.g. SCM-57")],
    as_of: AsOf = None,
) -> Response:
    """What was due before the meeting (since the previous one of its series): done on time,
    late, or not at all; compliance per party and per area."""
    on = as_of or today()
    return _render(
        request,
        principal,
        lambda: summary.cycle_report(
            session=session,
            principal=principal,
            meeting_key=meeting,
            on=on,
            past=as_of is not None,
        ),
        tables.cycle_table,
        named=lambda report: (
            f"cycle-{report.meeting}",
            f"Before {report.meeting} ({report.held_on})",
        ),
        wanted=how,
    )
