"""Deadline reports: what is overdue, due soon or stale on a given day."""

from collections import defaultdict
from datetime import date, timedelta

from sqlmodel import Session, col, select

from app.commitments.models import Commitment, CommitmentLead, CommitmentParty
from app.commitments.service import party_codes
from app.commitments.visibility import visible_to
from app.contacts.models import Contact
from app.core.metadata import id_of
from app.core.security import Principal
from app.deadlines.conditions import is_open, stale_on
from app.deadlines.models import CommitmentCycle
from app.deadlines.service import OPEN
from app.parties.models import Party
from app.reports.models import (
    DeadlineItem,
    DeadlineReport,
    LeadName,
    OverdueGroup,
    OverdueReport,
)


def _links(
    session: Session, ids: list[int]
) -> tuple[dict[int, list[str]], dict[int, list[LeadName]]]:
    leads: dict[int, list[LeadName]] = defaultdict(list)
    if not ids:
        return defaultdict(list), leads
    parties = party_codes(session, CommitmentParty, ids)
    for commitment_id, code, name in session.execute(
        select(col(CommitmentLead.commitment_id), col(Party.code), col(Contact.name))
        .join(Party, col(Party.id) == col(CommitmentLead.party_id))
        .join(Contact, col(Contact.id) == col(CommitmentLead.contact_id))
        .where(col(CommitmentLead.commitment_id).in_(ids))
        .order_by(col(Party.code))
    ):
        leads[commitment_id].append(LeadName(party=code, name=name))
    return parties, leads


def deadline_report(
    *,
    session: Session,
    principal: Principal,
    on: date,
    due_soon_days: int,
    stale_days: int,
    link_base: str,
) -> DeadlineReport:
    live = [col(Commitment.archived_at).is_(None), is_open(), *visible_to(principal)]
    dated: list[tuple[Commitment, CommitmentCycle | None]] = [
        (commitment, None)
        for commitment in session.exec(
            select(Commitment).where(
                *live,
                col(Commitment.recurrence).is_(None),
                col(Commitment.due_date).is_not(None),
            )
        )
    ]
    dated += [
        (commitment, cycle)
        for commitment, cycle in session.execute(
            select(Commitment, CommitmentCycle)
            .join(CommitmentCycle, col(CommitmentCycle.commitment_id) == col(Commitment.id))
            .where(
                *live,
                col(CommitmentCycle.status).in_(OPEN),
                col(CommitmentCycle.due_date).is_not(None),
            )
        )
    ]
    stale_rows = list(session.exec(select(Commitment).where(*live, stale_on(on, stale_days))))
    parties, leads = _links(
        session, sorted({id_of(c) for c, _ in dated} | {id_of(c) for c in stale_rows})
    )

    def item(commitment: Commitment, cycle: CommitmentCycle | None) -> DeadlineItem:
        due = cycle.due_date if cycle else commitment.due_date
        key = id_of(commitment)
        return DeadlineItem(
            ref=commitment.ref,
            title=commitment.title,
            cycle=cycle.key if cycle else None,
            due_date=due,
            days_overdue=(on - due).days if due else None,
            status=cycle.status if cycle else commitment.status,  # type: ignore[arg-type]
            parties=parties[key],
            leads=leads[key],
            last_note_on=commitment.last_note_on,
            link=f"{link_base}/api/v1/commitments/{commitment.ref}",
        )

    items = sorted(
        (item(c, cycle) for c, cycle in dated),
        key=lambda i: (i.due_date or on, i.ref, i.cycle or ""),
    )
    soon_until = on + timedelta(days=due_soon_days)
    stale_items = sorted((item(c, None) for c in stale_rows), key=lambda i: i.ref)
    return DeadlineReport(
        as_of=on,
        due_soon_days=due_soon_days,
        stale_days=stale_days,
        overdue=[i for i in items if i.due_date and i.due_date < on],
        due_soon=[i for i in items if i.due_date and on <= i.due_date <= soon_until],
        stale=stale_items,
        open=items,
    )


def overdue_report(*, report: DeadlineReport) -> OverdueReport:
    """The overdue items grouped by party and by that party's lead, worst first."""
    groups: dict[tuple[str, str | None], list[DeadlineItem]] = defaultdict(list)
    for overdue in report.overdue:
        lead_of = {lead.party: lead.name for lead in overdue.leads}
        for party in overdue.parties:
            groups[(party, lead_of.get(party))].append(overdue)
    return OverdueReport(
        as_of=report.as_of,
        total=len(report.overdue),
        groups=[
            OverdueGroup(
                party=party,
                lead=lead,
                count=len(items),
                max_days_overdue=max(i.days_overdue or 0 for i in items),
                items=sorted(items, key=lambda i: -(i.days_overdue or 0)),
            )
            for (party, lead), items in sorted(
                groups.items(), key=lambda g: (g[0][0], g[0][1] or "")
            )
        ],
    )
