"""The summary and cycle reports, from the register as it stands or as it stood on a day."""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from app.commitments import (
    CommitmentFilters,
    PageRow,
    PastCommitment,
    due_soon,
    end_of,
    filter_conditions,
    local_date,
    matches_past,
    open_status,
    overdue,
    page_query,
    past_commitments,
    to_public,
    unrecorded_conditions,
    visible_to,
)
from app.core.errors import ConflictError, NotFoundError
from app.core.metadata import id_of
from app.core.security import Principal
from app.reference import Contact, Meeting, PriorityArea
from app.reports.models import (
    Compliance,
    CycleItem,
    CycleReport,
    GroupBy,
    Outcome,
    SummaryGroup,
    SummaryReport,
    Tally,
)
from app.vocabulary import CommitmentStatus


@dataclass
class Snapshot:
    """What the reports need of one commitment, now or on a past day."""

    row: PageRow
    status: str
    due_date: date | None
    parties: list[str]
    kind: str
    counterparts: list[str]
    topics: list[str]
    assessments: dict[str, Any]
    areas: list[str]
    leads: dict[str, int]
    last_note_on: date | None
    cycles: list[Any]
    completed_on: date | None

    @property
    def ref(self) -> str:
        return self.row.commitment.ref


def snapshots(
    *, session: Session, principal: Principal, filters: CommitmentFilters, on: date, past: bool
) -> list[Snapshot]:
    """The commitments the filters select, as they stand (past=False) or stood at the end of `on`.

    Each filter has an SQL form and a form for a rebuilt commitment (app.commitments.filters):
    today's view states them all in SQL, a past view those the history cannot answer."""
    if past:
        return _past_snapshots(session, principal, filters, on)
    statement = page_query(principal).where(
        *filter_conditions(filters, principal), *visible_to(principal)
    )
    rows = [PageRow(*row) for row in session.execute(statement)]
    return [
        Snapshot(
            row=row,
            status=public.status.value,
            due_date=public.due_date,
            parties=public.parties,
            kind=public.kind.value,
            counterparts=[ref.party for ref in public.counterparts],
            topics=public.topics,
            assessments={
                a.party: a.model_dump(mode="json", exclude={"party"}) for a in public.assessments
            },
            areas=public.areas,
            leads={lead.party: lead.contact.id for lead in public.leads},
            last_note_on=public.last_note_on,
            cycles=public.cycles,
            completed_on=public.completed_on,
        )
        for row, public in zip(rows, to_public(session=session, rows=rows), strict=True)
    ]


def _past_snapshots(
    session: Session, principal: Principal, filters: CommitmentFilters, on: date
) -> list[Snapshot]:
    until = end_of(on)
    statement = page_query(principal).where(
        *unrecorded_conditions(filters, principal), *visible_to(principal, past_at=until)
    )
    by_id = {id_of(row[0]): PageRow(*row) for row in session.execute(statement)}
    pasts = past_commitments(
        session=session, until=until, commitments=[row.commitment for row in by_id.values()]
    )
    return [
        _snapshot(by_id[key], past)
        for key, past in pasts.items()
        if not past.archived and matches_past(filters, past)
    ]


def _snapshot(row: PageRow, past: PastCommitment) -> Snapshot:
    return Snapshot(
        row=row,
        status=past.status,
        due_date=past.due_date,
        parties=past.parties,
        kind=past.kind,
        counterparts=past.counterparts,
        topics=past.topics,
        assessments=past.assessments,
        areas=past.areas,
        leads=past.leads,
        last_note_on=past.last_note_on,
        cycles=past.cycles_in_due_order(),
        completed_on=past.completed_on
        or (local_date(past.completed_at) if past.completed_at else None),
    )


def _overdue(s: Snapshot, on: date) -> bool:
    return overdue(s.status, s.due_date, on)


def _due_soon(s: Snapshot, on: date, days: int) -> bool:
    return due_soon(s.status, s.due_date, on, days)


def _tally(items: Iterable[Snapshot], on: date, due_soon_days: int) -> Tally:
    items = list(items)
    by_status = {status.value: 0 for status in CommitmentStatus}
    for item in items:
        by_status[item.status] += 1
    return Tally(
        total=len(items),
        by_status=by_status,
        overdue=sum(_overdue(i, on) for i in items),
        due_soon=sum(_due_soon(i, on, due_soon_days) for i in items),
        completed_share=round(by_status["completed"] / len(items), 4) if items else 0.0,
    )


def _by_assessment(s: Snapshot) -> list[tuple[str | None, str]]:
    """One group per obligor and its completion level: "US: substantial"."""
    groups: list[tuple[str | None, str]] = []
    for party in s.parties:
        level = (s.assessments.get(party) or {}).get("completion") or "not_assessed"
        groups.append((f"{party}:{level}", f"{party}: {level}"))
    return groups or [(None, "(no obligor)")]


def _group_keys(
    session: Session, group_by: GroupBy, items: list[Snapshot]
) -> Callable[[Snapshot], list[tuple[str | None, str]]]:
    """(key, label) of the groups each commitment belongs to."""
    if group_by is GroupBy.status:
        return lambda s: [(s.status, s.status)]
    if group_by in (GroupBy.party, GroupBy.obligor):
        return lambda s: [(code, code) for code in s.parties] or [(None, "(no party)")]
    if group_by is GroupBy.kind:
        return lambda s: [(s.kind, s.kind)]
    if group_by is GroupBy.counterpart:
        return lambda s: [(c, c) for c in s.counterparts] or [(None, "(no counterpart)")]
    if group_by is GroupBy.topic:
        return lambda s: [(t, t) for t in s.topics] or [(None, "(no topic)")]
    if group_by is GroupBy.assessment:
        return _by_assessment
    if group_by is GroupBy.document:
        return lambda s: [(s.row.document_slug, s.row.document_title or "(no source document)")]
    if group_by is GroupBy.meeting:
        return lambda s: [(s.row.meeting_key, s.row.meeting_key or "(no meeting)")]
    if group_by is GroupBy.area:
        names = dict(session.execute(select(col(PriorityArea.slug), col(PriorityArea.name))).all())
        return lambda s: (
            [(slug, names.get(slug, slug)) for slug in s.areas] or [(None, "(no area)")]
        )
    ids = {contact_id for s in items for contact_id in s.leads.values()}
    contacts = {id_of(c): c for c in session.exec(select(Contact).where(col(Contact.id).in_(ids)))}
    return lambda s: (
        [
            (f"{party}:{contact_id}", f"{party}: {contacts[contact_id].name}")
            for party, contact_id in sorted(s.leads.items())
            if contact_id in contacts
        ]
        or [(None, "(no lead)")]
    )


def summary_report(
    *,
    session: Session,
    principal: Principal,
    group_by: GroupBy,
    filters: CommitmentFilters,
    on: date,
    past: bool,
    due_soon_days: int,
) -> SummaryReport:
    items = snapshots(session=session, principal=principal, filters=filters, on=on, past=past)
    keys_of = _group_keys(session, group_by, items)
    groups: dict[tuple[str | None, str], list[Snapshot]] = defaultdict(list)
    for item in items:
        for key in keys_of(item):
            groups[key].append(item)
    return SummaryReport(
        group_by=group_by,
        as_of=on,
        due_soon_days=due_soon_days,
        totals=_tally(items, on, due_soon_days),
        groups=[
            SummaryGroup(key=key, label=label, **_tally(members, on, due_soon_days).model_dump())
            for (key, label), members in sorted(
                groups.items(), key=lambda g: (g[0][0] is None, g[0][1])
            )
        ],
    )


def _compliance(items: list[CycleItem]) -> Compliance:
    counted = [i for i in items if i.outcome is not Outcome.withdrawn]
    on_time = sum(i.outcome is Outcome.on_time for i in counted)
    return Compliance(
        due=len(counted),
        on_time=on_time,
        late=sum(i.outcome is Outcome.late for i in counted),
        not_done=sum(i.outcome is Outcome.not_done for i in counted),
        on_time_share=round(on_time / len(counted), 4) if counted else 0.0,
    )


def _outcome(status: str, due: date, completed_on: date | None) -> Outcome:
    if status == CommitmentStatus.completed.value:
        return Outcome.on_time if completed_on is not None and completed_on <= due else Outcome.late
    if open_status(status):
        return Outcome.not_done
    return Outcome.withdrawn


def cycle_report(
    *, session: Session, principal: Principal, meeting_key: str, on: date, past: bool
) -> CycleReport:
    """What fell due before a meeting (since the previous one of its series), and what was
    done on time, late, or not at all."""
    meeting = session.exec(select(Meeting).where(col(Meeting.key) == meeting_key.upper())).first()
    if meeting is None:
        raise NotFoundError(f"No meeting {meeting_key!r}.")
    if meeting.held_on is None:
        raise ConflictError(f"{meeting.key} has no date yet: nothing can be due before it.")
    held_on = meeting.held_on
    previous = session.exec(
        select(col(Meeting.held_on))
        .where(col(Meeting.series_id) == meeting.series_id, col(Meeting.held_on) < held_on)
        .order_by(col(Meeting.held_on).desc())
    ).first()

    def in_window(due: date | None) -> bool:
        return due is not None and due <= held_on and (previous is None or due > previous)

    items: list[CycleItem] = []
    for s in snapshots(
        session=session, principal=principal, filters=CommitmentFilters(), on=on, past=past
    ):
        commitment = s.row.commitment
        entries: list[tuple[str | None, date | None, str, date | None]] = (
            [(c.key, c.due_date, c.status, c.completed_on) for c in s.cycles]
            if commitment.recurrence is not None
            else [(None, s.due_date, s.status, s.completed_on)]
        )
        for cycle, due, status, completed_on in entries:
            if due is None or not in_window(due):
                continue
            items.append(
                CycleItem(
                    ref=commitment.ref,
                    title=commitment.title,
                    cycle=cycle,
                    due_date=due,
                    status=CommitmentStatus(status),
                    completed_on=completed_on,
                    outcome=_outcome(status, due, completed_on),
                    parties=s.parties,
                    areas=s.areas,
                )
            )
    items.sort(key=lambda i: (i.due_date, i.ref, i.cycle or ""))
    by_party: dict[str, list[CycleItem]] = defaultdict(list)
    by_area: dict[str, list[CycleItem]] = defaultdict(list)
    for item in items:
        for party in item.parties:
            by_party[party].append(item)
        for area in item.areas:
            by_area[area].append(item)
    return CycleReport(
        meeting=meeting.key,
        held_on=held_on,
        window_start=previous,
        as_of=on,
        items=items,
        totals=_compliance(items),
        by_party={key: _compliance(value) for key, value in sorted(by_party.items())},
        by_area={key: _compliance(value) for key, value in sorted(by_area.items())},
    )
