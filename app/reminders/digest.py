"""A party's weekly digest: what it owes that is overdue, falls due soon, is stale or has no
lead, mailed to the party's digest address once a week (PartyDigestSent)."""

import html
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlmodel import Session, col

from app.commitments import (
    Commitment,
    CommitmentLead,
    CommitmentParty,
    CommitmentReleasability,
    due_soon_on,
    is_open,
    overdue_on,
    stale_on,
)
from app.core.config import Settings
from app.core.validation import one_line
from app.reference import Contact, Party
from app.reminders.claims import Hold, claim
from app.reminders.enums import Mailing
from app.reminders.mail import mail_of, recipient
from app.reminders.models import PartyDigestSent
from app.reminders.service import week_of
from app.reminders.wording import Wording, wording_for

SHOWN_PER_SECTION = 100


@dataclass(frozen=True)
class Line:
    ref: str
    title: str
    due_date: date | None
    leads: tuple[str, ...]


@dataclass(frozen=True)
class Section:
    """How many commitments a section holds, and the first SHOWN_PER_SECTION of them."""

    total: int = 0
    shown: tuple[Line, ...] = ()


@dataclass
class PartyDigest:
    party_id: int
    code: str
    email: str
    language: str | None
    week: str
    on: date
    horizon_days: int
    stale_days: int
    open: int = 0
    overdue: Section = Section()
    due_soon: Section = Section()
    stale: Section = Section()
    unled: Section = Section()


def _parties_due(session: Session, week: str) -> list[Any]:
    """The parties with a digest address not yet mailed this week (another run may be
    sending one: claiming it tells)."""
    mailed = (
        select(col(PartyDigestSent.id))
        .where(
            col(PartyDigestSent.party_id) == col(Party.id),
            col(PartyDigestSent.week) == week,
            col(PartyDigestSent.state) == Mailing.sent.value,
        )
        .exists()
    )
    return list(
        session.execute(
            select(col(Party.id), col(Party.code), col(Party.digest_email), col(Party.language))
            .where(col(Party.digest_email).is_not(None), ~mailed)
            .order_by(col(Party.code))
        )
    )


def _owed(party_id: int) -> list[ColumnElement[bool]]:
    """The party's open commitments (it must act) that it may see."""
    obligor = (
        select(col(CommitmentParty.commitment_id))
        .where(
            col(CommitmentParty.commitment_id) == col(Commitment.id),
            col(CommitmentParty.party_id) == party_id,
        )
        .exists()
    )
    releasable = (
        select(col(CommitmentReleasability.commitment_id))
        .where(
            col(CommitmentReleasability.commitment_id) == col(Commitment.id),
            col(CommitmentReleasability.party_id) == party_id,
        )
        .exists()
    )
    return [obligor, releasable, is_open(), col(Commitment.archived_at).is_(None)]


def _sections(digest: PartyDigest) -> tuple[ColumnElement[bool], ...]:
    """What puts a commitment in each section: overdue, due soon, stale, without a lead."""
    led = (
        select(col(CommitmentLead.commitment_id))
        .join(Contact, col(Contact.id) == col(CommitmentLead.contact_id))
        .where(
            col(CommitmentLead.commitment_id) == col(Commitment.id),
            col(CommitmentLead.party_id) == digest.party_id,
            col(Contact.archived_at).is_(None),
        )
        .exists()
    )
    return (
        overdue_on(digest.on),
        due_soon_on(digest.on, digest.horizon_days),
        stale_on(digest.on, digest.stale_days),
        ~led,
    )


def _leads(session: Session, party_id: int, ids: list[int]) -> dict[int, tuple[str, ...]]:
    leads: dict[int, list[str]] = defaultdict(list)
    for commitment, name in session.execute(
        select(col(CommitmentLead.commitment_id), col(Contact.name))
        .join(Contact, col(Contact.id) == col(CommitmentLead.contact_id))
        .where(
            col(CommitmentLead.party_id) == party_id,
            col(CommitmentLead.commitment_id).in_(ids),
            col(Contact.archived_at).is_(None),
        )
        .order_by(col(Contact.name))
    ):
        leads[commitment].append(name)
    return {commitment: tuple(names) for commitment, names in leads.items()}


def _fill(session: Session, digest: PartyDigest) -> PartyDigest:
    """Counted in one statement; each section's first lines in one statement each, and the
    leads of those in one more (a party may owe hundreds of thousands: none is loaded whole)."""
    owed, sections = _owed(digest.party_id), _sections(digest)
    counted = session.execute(
        select(
            func.count(),
            *(func.coalesce(func.sum(case((met, 1), else_=0)), 0) for met in sections),
        ).where(*owed)
    ).one()
    firsts = [
        session.execute(
            select(
                col(Commitment.id),
                col(Commitment.ref),
                col(Commitment.title),
                col(Commitment.due_date),
            )
            .where(*owed, met)
            .order_by(col(Commitment.due_date), col(Commitment.ref))
            .limit(SHOWN_PER_SECTION)
        ).all()
        for met in sections
    ]
    leads = _leads(session, digest.party_id, sorted({row[0] for rows in firsts for row in rows}))
    digest.open = int(counted[0])
    digest.overdue, digest.due_soon, digest.stale, digest.unled = (
        Section(
            int(total),
            tuple(Line(ref, title, due, leads.get(cid, ())) for cid, ref, title, due in rows),
        )
        for rows, total in zip(firsts, counted[1:], strict=True)
    )
    return digest


def due_digests(*, session: Session, on: date, settings: Settings) -> list[PartyDigest]:
    """The digests a run on `on` mails: none but on the digest weekday, then one per party
    with a digest address, once a week."""
    if on.weekday() != settings.digest_weekday:
        return []
    week = week_of(on)
    horizon = max(settings.reminder_days)
    return [
        _fill(
            session,
            PartyDigest(party, code, email, language, week, on, horizon, settings.stale_days),
        )
        for party, code, email, language in _parties_due(session, week)
    ]


def claim_digest(*, session: Session, digest: PartyDigest, at: datetime, hold: Hold) -> bool:
    """Whether `hold` claimed the digest (app.reminders.claims): not when another run holds or
    has sent it."""
    keys = [(digest.party_id, digest.week)]
    return bool(claim(session=session, record=PartyDigestSent, keys=keys, at=at, hold=hold))


def _titled(digest: PartyDigest, words: Wording) -> list[tuple[str, Section]]:
    return [
        (words.digest_overdue, digest.overdue),
        (words.digest_due_soon.format(days=digest.horizon_days), digest.due_soon),
        (words.digest_stale.format(days=digest.stale_days), digest.stale),
        (words.digest_unled, digest.unled),
    ]


def _describe(line: Line, words: Wording) -> str:
    due = str(line.due_date) if line.due_date else words.no_due_date
    leads = f"; {words.leads}: {', '.join(line.leads)}" if line.leads else ""
    # One line of the plain text, whatever the title and names stored.
    return one_line(f"{line.title} ({due}{leads})")


def compose_digest(digest: PartyDigest, settings: Settings) -> EmailMessage:
    to = recipient(None, digest.email)
    language, words = wording_for(digest.language)
    board = f"{settings.public_url}/board/commitments"
    subject = words.digest_subject.format(
        party=digest.code, week=digest.week, open=digest.open, overdue=digest.overdue.total
    )
    intro = words.digest_intro.format(party=digest.code, on=digest.on)
    totals = words.digest_totals.format(
        open=digest.open,
        overdue=digest.overdue.total,
        due_soon=digest.due_soon.total,
        days=digest.horizon_days,
        stale=digest.stale.total,
        unled=digest.unled.total,
    )
    sections = [(title, section) for title, section in _titled(digest, words) if section.total]
    plain = [intro, totals, ""]
    markup = [f"<p>{html.escape(intro)}</p><p>{html.escape(totals)}</p>"]
    for title, section in sections:
        shown = section.shown
        plain += [f"{title} ({section.total})"]
        plain += [f"- {line.ref}: {_describe(line, words)} {board}/{line.ref}" for line in shown]
        plain.append("")
        items = "".join(
            f'<li><a href="{html.escape(board)}/{html.escape(line.ref)}">'
            f"{html.escape(line.ref)}</a>: {html.escape(_describe(line, words))}</li>"
            for line in shown
        )
        markup.append(f"<h2>{html.escape(title)} ({section.total})</h2><ul>{items}</ul>")
    if not sections:
        plain.append(words.digest_nothing)
        markup.append(f"<p>{html.escape(words.digest_nothing)}</p>")
    return mail_of(
        subject,
        to,
        plain="\n".join(plain),
        markup="".join(markup),
        language=language,
        settings=settings,
    )
