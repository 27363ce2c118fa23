"""A party's weekly digest: what it owes that is overdue, falls due soon, is stale or has no
lead, mailed to the party's digest address once a week (PartyDigestSent)."""

import html
from collections import defaultdict
from dataclasses import dataclass
from dataclasses import field as default
from datetime import date, datetime
from email.message import EmailMessage
from typing import Any

from sqlalchemy import insert, select
from sqlmodel import Session, col

from app.commitments import (
    Commitment,
    CommitmentLead,
    CommitmentParty,
    CommitmentReleasability,
)
from app.contacts.models import Contact
from app.core.changes import UNCHANGED
from app.core.config import Settings
from app.deadlines.conditions import due_soon_on, is_open, overdue_on, stale_on
from app.parties.models import Party
from app.reminders.mail import message_to, with_body
from app.reminders.models import PartyDigestSent
from app.reminders.wording import Wording, wording_for

SHOWN_PER_SECTION = 100


@dataclass(frozen=True)
class Line:
    ref: str
    title: str
    due_date: date | None
    leads: tuple[str, ...]


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
    overdue: list[Line] = default(default_factory=list)
    due_soon: list[Line] = default(default_factory=list)
    stale: list[Line] = default(default_factory=list)
    unled: list[Line] = default(default_factory=list)


def week_of(on: date) -> str:
    week = on.isocalendar()
    return f"{week.year}-W{week.week:02}"


def _parties_due(session: Session, week: str) -> list[Any]:
    """The parties with a digest address not yet mailed this week."""
    mailed = (
        select(col(PartyDigestSent.id))
        .where(col(PartyDigestSent.party_id) == col(Party.id), col(PartyDigestSent.week) == week)
        .exists()
    )
    return list(
        session.execute(
            select(col(Party.id), col(Party.code), col(Party.digest_email), col(Party.language))
            .where(col(Party.digest_email).is_not(None), ~mailed)
            .order_by(col(Party.code))
        )
    )


def _owed(session: Session, digest: PartyDigest) -> list[Any]:
    """The party's open commitments (it must act) that it may see, with their standing."""
    releasable = (
        select(col(CommitmentReleasability.commitment_id))
        .where(
            col(CommitmentReleasability.commitment_id) == col(Commitment.id),
            col(CommitmentReleasability.party_id) == digest.party_id,
        )
        .exists()
    )
    return list(
        session.execute(
            select(
                col(Commitment.id),
                col(Commitment.ref),
                col(Commitment.title),
                col(Commitment.due_date),
                overdue_on(digest.on).label("overdue"),
                due_soon_on(digest.on, digest.horizon_days).label("due_soon"),
                stale_on(digest.on, digest.stale_days).label("stale"),
            )
            .join(CommitmentParty, col(CommitmentParty.commitment_id) == col(Commitment.id))
            .where(
                col(CommitmentParty.party_id) == digest.party_id,
                is_open(),
                col(Commitment.archived_at).is_(None),
                releasable,
            )
            .order_by(col(Commitment.due_date), col(Commitment.ref))
        )
    )


def _leads(session: Session, party_id: int) -> dict[int, list[str]]:
    leads: dict[int, list[str]] = defaultdict(list)
    for commitment, name in session.execute(
        select(col(CommitmentLead.commitment_id), col(Contact.name))
        .join(Contact, col(Contact.id) == col(CommitmentLead.contact_id))
        .where(col(CommitmentLead.party_id) == party_id, col(Contact.archived_at).is_(None))
        .order_by(col(Contact.name))
    ):
        leads[commitment].append(name)
    return leads


def _fill(session: Session, digest: PartyDigest) -> PartyDigest:
    leads = _leads(session, digest.party_id)
    for commitment, ref, title, due, is_overdue, is_due_soon, is_stale in _owed(session, digest):
        line = Line(ref, title, due, tuple(leads.get(commitment, ())))
        digest.open += 1
        for wanted, section in (
            (is_overdue, digest.overdue),
            (is_due_soon, digest.due_soon),
            (is_stale, digest.stale),
            (not line.leads, digest.unled),
        ):
            if wanted:
                section.append(line)
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


def record_digest(*, session: Session, digest: PartyDigest, at: datetime) -> None:
    session.execute(
        insert(PartyDigestSent).values(party_id=digest.party_id, week=digest.week, sent_at=at),
        execution_options={UNCHANGED: True},
    )


def _sections(digest: PartyDigest, words: Wording) -> list[tuple[str, list[Line]]]:
    return [
        (words.digest_overdue, digest.overdue),
        (words.digest_due_soon.format(days=digest.horizon_days), digest.due_soon),
        (words.digest_stale.format(days=digest.stale_days), digest.stale),
        (words.digest_unled, digest.unled),
    ]


def _describe(line: Line, words: Wording) -> str:
    due = str(line.due_date) if line.due_date else words.no_due_date
    leads = f"; {words.leads}: {', '.join(line.leads)}" if line.leads else ""
    return f"{line.title} ({due}{leads})"


def compose_digest(digest: PartyDigest, settings: Settings) -> EmailMessage:
    language, words = wording_for(digest.language)
    board = f"{settings.public_url}/board/commitments"
    subject = words.digest_subject.format(
        party=digest.code, week=digest.week, open=digest.open, overdue=len(digest.overdue)
    )
    message = message_to(subject, digest.email, settings)
    intro = words.digest_intro.format(party=digest.code, on=digest.on)
    totals = words.digest_totals.format(
        open=digest.open,
        overdue=len(digest.overdue),
        due_soon=len(digest.due_soon),
        days=digest.horizon_days,
        stale=len(digest.stale),
        unled=len(digest.unled),
    )
    sections = [(title, lines) for title, lines in _sections(digest, words) if lines]
    plain = [intro, totals, ""]
    markup = [f"<p>{html.escape(intro)}</p><p>{html.escape(totals)}</p>"]
    for title, lines in sections:
        shown = lines[:SHOWN_PER_SECTION]
        plain += [f"{title} ({len(lines)})"]
        plain += [f"- {line.ref}: {_describe(line, words)} {board}/{line.ref}" for line in shown]
        plain.append("")
        items = "".join(
            f'<li><a href="{html.escape(board)}/{html.escape(line.ref)}">'
            f"{html.escape(line.ref)}</a>: {html.escape(_describe(line, words))}</li>"
            for line in shown
        )
        markup.append(f"<h2>{html.escape(title)} ({len(lines)})</h2><ul>{items}</ul>")
    if not sections:
        plain.append(words.digest_nothing)
        markup.append(f"<p>{html.escape(words.digest_nothing)}</p>")
    return with_body(message, "\n".join(plain), "".join(markup), language)
