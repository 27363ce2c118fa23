"""Deadline reports: what is overdue, due soon or stale on a given day."""

import itertools
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, NamedTuple

from sqlalchemy import (
    CTE,
    ColumnElement,
    Row,
    and_,
    func,
    null,
    or_,
    union_all,
)
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from app.commitments import (
    Commitment,
    CommitmentLead,
    CommitmentParty,
    is_open,
    party_codes,
    stale_on,
    visible_to,
)
from app.core.db import AnySelect
from app.core.security import Principal
from app.deadlines import CommitmentCycle
from app.reference import Contact, Party
from app.reports.models import (
    DeadlineItem,
    DeadlineReport,
    LeadName,
)
from app.vocabulary import OPEN_VALUES

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


Links = tuple[dict[int, list[str]], dict[int, list[LeadName]]]


def _links(session: Session, ids: AnySelect) -> Links:
    """Parties and leads of the commitments `ids` selects (a query: the lists can be long)."""
    parties = party_codes(session, CommitmentParty, ids)
    leads: dict[int, list[LeadName]] = defaultdict(list)
    for commitment_id, code, name in session.connection().execute(
        sa_select(col(CommitmentLead.commitment_id), col(Party.code), col(Contact.name))
        .join(Party, col(Party.id) == col(CommitmentLead.party_id))
        .join(Contact, col(Contact.id) == col(CommitmentLead.contact_id))
        .where(col(CommitmentLead.commitment_id).in_(ids))
        .order_by(col(Party.code))
    ):
        leads[commitment_id].append(LeadName(party=code, name=name))
    return parties, leads


def _live(principal: Principal | None) -> list[ColumnElement[bool]]:
    return [col(Commitment.archived_at).is_(None), is_open(), *visible_to(principal)]


def _dated_selects(principal: Principal | None, before: date | None) -> tuple[AnySelect, AnySelect]:
    """Open commitments, then open cycles, with a due date (before `before`, when given), as
    DatedRow columns."""
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
    return plain, cycles


def _dated(session: Session, principal: Principal | None, before: date | None) -> list[DatedRow]:
    """Open commitments and open cycles with a due date (before `before`, when given)."""
    connection = session.connection()
    return [
        DatedRow._make(row)
        for statement in _dated_selects(principal, before)
        for row in connection.execute(statement)
    ]


class _Items:
    """Report items of rows, with their parties and leads."""

    def __init__(self, links: Links, on: date, link_base: str):
        self.parties, self.leads = links
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
    item = _Items(_links(session, listed), on, link_base)
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


@dataclass(frozen=True)
class OverdueSlice:
    """Consecutive items of one group of the overdue report (a party and its lead for them),
    most overdue first; a group can come in several slices, one after the other."""

    party: str
    lead: str | None
    items: list[DeadlineItem]


def overdue_total(*, session: Session, principal: Principal | None, on: date) -> int:
    """How many commitments and cycles the caller may see are overdue (each counted once).
    Without a principal, across the whole register: for operators' monitoring, never for a
    party (it counts what the party may not see)."""
    dated = union_all(*_dated_selects(principal, before=on)).subquery()
    return session.connection().execute(sa_select(func.count()).select_from(dated)).scalar_one()


# Separators of the aggregated parties and leads: control characters that no name or code
# may hold (app.core.validation refuses them).
_NEXT = "\x1e"
_THEN = "\x1f"


def _overdue_items(principal: Principal, on: date) -> CTE:
    """Every overdue item once, with its parties and leads aggregated: computed once an item,
    not once for each of its parties."""
    # A recurring commitment's due date is its earliest open cycle's: when any of its cycles
    # is overdue, the cycle is the item, and the commitment gives its parties and leads.
    dated = union_all(*_dated_selects(principal, before=on)).subquery()
    parties = (
        sa_select(func.aggregate_strings(col(Party.code), _NEXT))
        .select_from(CommitmentParty)
        .join(Party, col(Party.id) == col(CommitmentParty.party_id))
        .where(col(CommitmentParty.commitment_id) == dated.c.id)
    )
    leads = (
        sa_select(func.aggregate_strings(col(Party.code) + _THEN + col(Contact.name), _NEXT))
        .select_from(CommitmentLead)
        .join(Party, col(Party.id) == col(CommitmentLead.party_id))
        .join(Contact, col(Contact.id) == col(CommitmentLead.contact_id))
        .where(col(CommitmentLead.commitment_id) == dated.c.id)
    )
    return (
        sa_select(
            *dated.c,
            parties.scalar_subquery().label("parties"),
            leads.scalar_subquery().label("leads"),
        )
        .cte("overdue_item")
        .prefix_with("MATERIALIZED")
    )


def _overdue_by_group(principal: Principal, on: date) -> AnySelect:
    """Every overdue item once for each of its parties, with that party's lead: ordered by
    party, lead and most overdue first, so that the report's groups come one after the other."""
    items = _overdue_items(principal, on)
    return (
        sa_select(col(Party.code), col(Contact.name), *items.c)
        .join(CommitmentParty, col(CommitmentParty.commitment_id) == items.c.id)
        .join(Party, col(Party.id) == col(CommitmentParty.party_id))
        .outerjoin(
            CommitmentLead,
            and_(
                col(CommitmentLead.commitment_id) == items.c.id,
                col(CommitmentLead.party_id) == col(CommitmentParty.party_id),
            ),
        )
        .outerjoin(Contact, col(Contact.id) == col(CommitmentLead.contact_id))
        .order_by(
            col(Party.code),
            func.coalesce(col(Contact.name), ""),
            items.c.due_date,
            items.c.ref,
            func.coalesce(items.c.cycle, ""),
        )
    )


OVERDUE_SLICE = 500


def overdue_slices(
    *, session: Session, principal: Principal, on: date, link_base: str
) -> Iterator[OverdueSlice]:
    """The overdue report's groups, in order, a slice at a time: the rows come off one cursor
    (a server-side one on PostgreSQL), so memory stays flat however long the report."""
    # Options of this statement alone: set on the connection, they would stay for the rest
    # of the transaction.
    rows = session.connection().execute(
        _overdue_by_group(principal, on), execution_options={"yield_per": OVERDUE_SLICE}
    )
    for chunk in rows.partitions():
        yield from _slices_of(chunk, on, link_base)


def _aggregated_links(chunk: Sequence[Row[*tuple[Any, ...]]]) -> Links:
    parties: dict[int, list[str]] = {}
    leads: dict[int, list[LeadName]] = {}
    for row in chunk:
        commitment_id, listed, led = row.id, row.parties, row.leads
        parties[commitment_id] = sorted(listed.split(_NEXT)) if listed else []
        pairs = sorted(pair.split(_THEN, 1) for pair in led.split(_NEXT)) if led else []
        leads[commitment_id] = [LeadName(party=code, name=name) for code, name in pairs]
    return parties, leads


# A row's columns after its party and lead: the item's, as DatedRow reads them.
_ITEM = slice(2, 2 + len(DatedRow._fields))


def _slices_of(
    chunk: Sequence[Row[*tuple[Any, ...]]], on: date, link_base: str
) -> Iterator[OverdueSlice]:
    item = _Items(_aggregated_links(chunk), on, link_base)
    for (party, lead), rows in itertools.groupby(chunk, key=lambda row: (row[0], row[1])):
        yield OverdueSlice(party, lead, [item(DatedRow._make(row[_ITEM])) for row in rows])
