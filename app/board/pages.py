"""What each page shows, gathered from the services the API calls (no second copy of any
rule): plain data for the templates."""

from dataclasses import dataclass, field
from datetime import date
from itertools import islice

from sqlmodel import Session

import app.commitments as commitments
from app.areas import service as areas
from app.commitments import (
    DEFAULT_DUE_SOON_DAYS,
    DEFAULT_STALE_DAYS,
    CommitmentFilters,
    CommitmentPublic,
    count_by_status,
)
from app.contacts import service as contacts
from app.core.security import Principal
from app.documents import service as documents
from app.history import HistoryEntry
from app.ingest import CandidatePublic
from app.ingest import service as ingest
from app.progress import NotePublic
from app.reference import AreaDetail, ContactPublic
from app.reports import DeadlineItem, OverdueGroup
from app.reports import service as reports
from app.users import service as users
from app.vocabulary import CommitmentSort, CommitmentStatus

WORK_LIST = 25
OVERDUE_ON_PAGE = 500
STALE_DAYS = DEFAULT_STALE_DAYS
DUE_SOON_DAYS = DEFAULT_DUE_SOON_DAYS


@dataclass(frozen=True)
class WorkPage:
    party: str | None
    contact_id: int | None
    led: list[CommitmentPublic]
    overdue: list[CommitmentPublic]
    due_soon: list[CommitmentPublic]
    stale: list[CommitmentPublic]
    by_status: dict[str, int]


def _listed(
    session: Session, principal: Principal, filters: CommitmentFilters
) -> list[CommitmentPublic]:
    page = commitments.list_commitments(
        session=session,
        filters=filters,
        principal=principal,
        sort=CommitmentSort.due_date,
        limit=WORK_LIST,
    )
    return page.model().items


def my_work(*, session: Session, principal: Principal, on: date) -> WorkPage:
    """What the officer leads, and what their party owes (an administrator: the whole
    register)."""
    party = principal.party_code
    mine = CommitmentFilters(obligor=party, as_of=on)
    tally = count_by_status(session=session, filters=mine, principal=principal)
    contact_id = users.contact_of(session=session, user_id=principal.user_id)
    led = CommitmentFilters(lead=contact_id, as_of=on) if contact_id else None
    return WorkPage(
        party=party,
        contact_id=contact_id,
        led=_listed(session, principal, led) if led else [],
        overdue=_listed(session, principal, mine.model_copy(update={"overdue": True})),
        due_soon=_listed(
            session, principal, mine.model_copy(update={"due_within_days": DUE_SOON_DAYS})
        ),
        stale=_listed(session, principal, mine.model_copy(update={"stale_days": STALE_DAYS})),
        by_status={status.value: tally.get(status.value, 0) for status in CommitmentStatus},
    )


@dataclass(frozen=True)
class Source:
    """The statement a commitment comes from: its paragraph, cut around the quote."""

    before: str
    quote: str
    after: str
    paragraph: int | None
    found: bool


def _source(commitment: CommitmentPublic, paragraphs: list[str] | None) -> Source | None:
    quote = commitment.source.quote
    if not quote:
        return None
    number = commitment.source.locator.paragraph
    if paragraphs and number is not None and 0 < number <= len(paragraphs):
        text = paragraphs[number - 1]
        start = text.find(quote)
        if start >= 0:
            return Source(text[:start], quote, text[start + len(quote) :], number, True)
    locator = commitment.source.locator
    return Source(locator.before or "", quote, locator.after or "", number, False)


@dataclass(frozen=True)
class CommitmentPage:
    commitment: CommitmentPublic
    source: Source | None
    notes: list[NotePublic]
    history: list[HistoryEntry]
    next_statuses: list[str]
    contacts: dict[str, list[ContactPublic]]
    changed_since: list[HistoryEntry] = field(default_factory=list)


def commitment_page(
    *, session: Session, ref: str, principal: Principal, seen_version: int | None = None
) -> CommitmentPage:
    """A commitment with its source, notes and history; with `seen_version`, also what
    others changed since the officer's page showed that version."""
    public = CommitmentPublic.model_validate(
        commitments.one_public(session=session, ref=ref, principal=principal)
    )
    paragraphs = None
    if public.source.document:
        paragraphs = documents.find_document(
            session=session, slug=public.source.document, principal=principal
        ).paragraphs
    history = commitments.list_history(session=session, ref=ref, principal=principal)
    known = contacts.list_contacts(session=session)
    return CommitmentPage(
        commitment=public,
        source=_source(public, paragraphs),
        notes=sorted(
            commitments.list_notes(session=session, ref=ref, principal=principal),
            key=lambda note: (note.as_of, note.created_at),
            reverse=True,
        ),
        history=list(reversed(history)),
        next_statuses=commitments.allowed_next(public.status),
        contacts={
            party: [contact for contact in known if contact.party == party]
            for party in sorted(public.parties)
        },
        changed_since=[
            entry for entry in history if seen_version is not None and entry.version > seen_version
        ],
    )


@dataclass(frozen=True)
class OverduePage:
    on: date
    groups: list[OverdueGroup]
    shown: int
    cut: bool


def overdue_page(
    *, session: Session, principal: Principal, on: date, link_base: str
) -> OverduePage:
    """The overdue report grouped by party and lead, its first OVERDUE_ON_PAGE items (the
    rest is in its download)."""
    groups: list[OverdueGroup] = []
    items = islice(
        (
            (piece.party, piece.lead, item)
            for piece in reports.overdue_slices(
                session=session, principal=principal, on=on, link_base=link_base
            )
            for item in piece.items
        ),
        OVERDUE_ON_PAGE + 1,
    )
    shown = 0
    for party, lead, item in items:
        if shown == OVERDUE_ON_PAGE:
            return OverduePage(on, groups, shown, True)
        if not groups or (groups[-1].party, groups[-1].lead) != (party, lead):
            groups.append(
                OverdueGroup(party=party, lead=lead, count=0, max_days_overdue=0, items=[])
            )
        _add(groups[-1], item)
        shown += 1
    return OverduePage(on, groups, shown, False)


def _add(group: OverdueGroup, item: DeadlineItem) -> None:
    group.items.append(item)
    group.count += 1
    group.max_days_overdue = max(group.max_days_overdue, item.days_overdue or 0)


@dataclass(frozen=True)
class ReviewPage:
    slug: str
    title: str
    paragraphs: list[str]
    candidates: list[CandidatePublic]


def review_page(*, session: Session, slug: str, principal: Principal) -> ReviewPage:
    listed = ingest.list_candidates(session=session, slug=slug, principal=principal)
    document = documents.find_document(
        session=session, slug=slug, principal=principal, reviewing=True
    )
    return ReviewPage(slug, document.title, document.paragraphs or [], listed.items)


def areas_page(*, session: Session, principal: Principal) -> list[AreaDetail]:
    """Every priority area with its leads and what it holds (a few areas: one read each)."""
    return [
        areas.get_area(session=session, slug=area.slug, principal=principal)
        for area in areas.list_areas(session=session, principal=principal)
    ]
