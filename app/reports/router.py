from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.core.db import SessionDep
from app.core.openapi import problem_responses
from app.core.responses import json_response
from app.core.time import today
from app.deadlines.conditions import DEFAULT_DUE_SOON_DAYS, DEFAULT_STALE_DAYS
from app.reports import service
from app.reports.models import DeadlineReport, OverdueReport
from app.users.auth import CurrentUser

router = APIRouter(
    prefix="/api/v1/reports", tags=["reports"], responses=problem_responses(401, 422)
)
AsOf = Annotated[
    date | None,
    Query(description="The day to measure against (default: today, in the configured timezone)"),
]
DueSoonDays = Annotated[int, Query(ge=0, le=3650)]
StaleDays = Annotated[int, Query(ge=1, le=3650)]


def _report(
    request: Request,
    principal: CurrentUser,
    session: SessionDep,
    as_of: date | None,
    due_soon_days: int,
    stale_days: int,
) -> DeadlineReport:
    return service.deadline_report(
        session=session,
        principal=principal,
        on=as_of or today(),
        due_soon_days=due_soon_days,
        stale_days=stale_days,
        link_base=str(request.base_url).rstrip("/"),
    )


@router.get("/deadlines", response_model=DeadlineReport)
def deadlines(
    request: Request,
    principal: CurrentUser,
    session: SessionDep,
    as_of: AsOf = None,
    due_soon_days: DueSoonDays = DEFAULT_DUE_SOON_DAYS,
    stale_days: StaleDays = DEFAULT_STALE_DAYS,
) -> Response:
    """Overdue, due soon and stale commitments and cycles, and every open one with a due date."""
    return json_response(_report(request, principal, session, as_of, due_soon_days, stale_days))


@router.get("/overdue", response_model=OverdueReport)
def overdue(
    request: Request, principal: CurrentUser, session: SessionDep, as_of: AsOf = None
) -> Response:
    """Overdue commitments and cycles grouped by party and lead, with days overdue."""
    report = _report(request, principal, session, as_of, DEFAULT_DUE_SOON_DAYS, DEFAULT_STALE_DAYS)
    return json_response(service.overdue_report(report=report))
