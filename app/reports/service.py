"""Deadline reports: what is overdue, due soon or stale on a given day."""

from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Select, null, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from app.commitments import (
    OPEN_VALUES,
    Commitment,
    CommitmentLead,
    CommitmentParty,
    party_codes,
    visible_to,
)
from app.contacts.models import Contact
from app.core.security import Principal
from app.deadlines.conditions import is_open, stale_on
from app.deadlines.models import CommitmentCycle
from app.parties.models import Party
from app.reports.models import (
    DeadlineItem,
    DeadlineReport,
    LeadName,
    OverdueGroup,
    OverdueReport,
)

ONE_DAY = timedelta(days=1)


class DatedRow(NamedTuple):
    commitment_id: int
    ref: str
    title: str
    last_note_on: date | None
    status: str
    due_date: date | None
    cycle: str | None


_COMMITMENT = (
    col(Commitment.id),
    col(Commitment.ref),
    col(Commitment.title),
    col(Commitment.last_note_on),
)


def _links(
    session: Session, ids: Select[Any]
) -> tuple[dict[int, list[str]], dict[int, list[LeadName]]]:
    """Parties and leads of the commitments `ids` selects (a query: the lists can be long)."""
    parties = party_codes(session, CommitmentParty, ids)
    leads: dict[int, list[LeadName]] = defaultdict(list)
    for commitment_id, code, name in session.connection().execute(
        select(col(CommitmentLead.commitment_id), col(Party.code), col(Contact.name))
        .join(Party, col(Party.id) == col(CommitmentLead.party_id))
        .join(Contact, col(Contact.id) == col(CommitmentLead.contact_id))
        .where(col(CommitmentLead.commitment_id).in_(ids))
        .order_by(col(Party.code))
    ):
        leads[commitment_id].append(LeadName(party=code, name=name))
    return parties, leads


def _live(principal: Principal | None) -> list[ColumnElement[bool]]:
    return [col(Commitment.archived_at).is_(None), is_open(), *visible_to(principal)]


def _dated(session: Session, principal: Principal | None, before: date | None) -> list[DatedRow]:
    """Open commitments and open cycles with a due date (before `before`, when given)."""
    live = _live(principal)
    plain = sa_select(
        *_COMMITMENT,
        col(Commitment.status),
        col(Commitment.due_date),
        null().label("cycle"),
    ).where(*live, col(Commitment.recurrence).is_(None), col(Commitment.due_date).is_not(None))
    cycles = (
        sa_select(
            *_COMMITMENT,
            col(CommitmentCycle.status),
            col(CommitmentCycle.due_date),
            col(CommitmentCycle.key),
        )
        .join(CommitmentCycle, col(CommitmentCycle.commitment_id) == col(Commitment.id))
        .where(*live, col(CommitmentCycle.status).in_(OPEN_VALUES))
        .where(col(CommitmentCycle.due_date).is_not(None))
    )
    if before is not None:
        plain = plain.where(col(Commitment.due_date) < before)
        cycles = cycles.where(col(CommitmentCycle.due_date) < before)
    connection = session.connection()
    rows = [DatedRow._make(row) for row in connection.execute(plain)]
    return rows + [DatedRow._make(row) for row in connection.execute(cycles)]


class _Items:
    """Report items of rows, with their parties and leads."""

    def __init__(self, session: Session, ids: Select[Any], on: date, link_base: str):
        self.parties, self.leads = _links(session, ids)
        self.on, self.link_base = on, link_base

    def __call__(self, row: DatedRow) -> DeadlineItem:
        return DeadlineItem(
            ref=row.ref,
            title=row.title,
            cycle=row.cycle,
            due_date=row.due_date,
            days_overdue=(self.on - row.due_date).days if row.due_date else None,
            status=row.status,
            parties=self.parties[row.commitment_id],
            leads=self.leads[row.commitment_id],
            last_note_on=row.last_note_on,
            link=f"{self.link_base}/api/v1/commitments/{row.ref}",
        )


def _by_due_date(on: date) -> Callable[[DeadlineItem], tuple[date, str, str]]:
    return lambda item: (item.due_date or on, item.ref, item.cycle or "")


def deadline_report(
    *,
    session: Session,
    principal: Principal,
    on: date,
    due_soon_days: int,
    stale_days: int,
    link_base: str,
    include_open: bool = True,
) -> DeadlineReport:
    """Overdue, due soon and stale commitments and cycles; with `include_open`, every open
    one with a due date too (otherwise only those due by the end of the due-soon window are
    read)."""
    live = _live(principal)
    soon_until = on + timedelta(days=due_soon_days)
    after_window = soon_until + ONE_DAY
    dated = _dated(session, principal, before=None if include_open else after_window)
    stale_rows = [
        DatedRow._make((*row, None))
        for row in session.execute(
            sa_select(*_COMMITMENT, col(Commitment.status), col(Commitment.due_date)).where(
                *live, stale_on(on, stale_days)
            )
        )
    ]
    listed = sa_select(col(Commitment.id)).where(*live)
    if not include_open:
        listed = listed.where(
            or_(col(Commitment.due_date) < after_window, stale_on(on, stale_days))
        )
    item = _Items(session, listed, on, link_base)
    items = sorted(map(item, dated), key=_by_due_date(on))
    return DeadlineReport(
        as_of=on,
        due_soon_days=due_soon_days,
        stale_days=stale_days,
        overdue=[i for i in items if i.due_date and i.due_date < on],
        due_soon=[i for i in items if i.due_date and on <= i.due_date <= soon_until],
        stale=sorted(map(item, stale_rows), key=lambda i: i.ref),
        open=items if include_open else [],
    )


def overdue_count(*, session: Session, on: date) -> int:
    """How many commitments and cycles, across the whole register, are past due on `on`: for
    operators' monitoring, never for a party (it counts what the party may not see)."""
    return len(_dated(session, None, before=on))


def overdue_report(
    *, session: Session, principal: Principal, on: date, link_base: str
) -> OverdueReport:
    """The overdue commitments and cycles grouped by party and that party's lead, worst first."""
    # A recurring commitment's due date is its earliest open cycle's: when any of its cycles
    # is overdue, so is the commitment, and this selects it for its links.
    past_due = [*_live(principal), col(Commitment.due_date) < on]
    overdue_ids = sa_select(col(Commitment.id)).where(*past_due)
    item = _Items(session, overdue_ids, on, link_base)
    # Earliest due first is most overdue first, so each group below is in order already.
    items = sorted(map(item, _dated(session, principal, before=on)), key=_by_due_date(on))
    groups: dict[tuple[str, str | None], list[DeadlineItem]] = defaultdict(list)
    for overdue in items:
        lead_of = {lead.party: lead.name for lead in overdue.leads}
        for party in overdue.parties:
            groups[(party, lead_of.get(party))].append(overdue)
    return OverdueReport(
        as_of=on,
        total=len(items),
        groups=[
            OverdueGroup(
                party=party,
                lead=lead,
                count=len(items),
                max_days_overdue=items[0].days_overdue or 0,
                items=items,
            )
            for (party, lead), items in sorted(
                groups.items(), key=lambda g: (g[0][0], g[0][1] or "")
            )
        ],
    )
