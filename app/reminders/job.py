"""The reminders job: each lead's reminders and each party's weekly digest, mailed once
however many workers run: each mail is claimed before it is sent (app.reminders.claims)."""

import smtplib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from functools import partial
from typing import Protocol

from sqlmodel import Session

from app.core.config import Settings
from app.core.job_context import JobContext
from app.core.time import utcnow
from app.core.validation import one_line
from app.reminders.claims import Hold, Record, mark_sent, release
from app.reminders.digest import PartyDigest, claim_digest, compose_digest, due_digests
from app.reminders.mail import Mailer, UnaddressableError, UndeliverableError, compose
from app.reminders.models import PartyDigestSent, ReminderSent
from app.reminders.service import Calendar, Reminder, claim_reminder, due_reminders


@dataclass(frozen=True)
class Claimed:
    """What of a mail this run claimed, composed."""

    message: EmailMessage
    commitments: int
    to_party: bool


@dataclass(frozen=True)
class Outgoing:
    """A mail as the run found it due, and how to claim it."""

    message: EmailMessage
    recipient: str
    commitments: int
    to_party: bool
    record: Record
    # Claims, in the session given, what of the mail no other run holds or sent, and composes
    # that; None when nothing is left.
    claim: Callable[[Session, Hold], Claimed | None]


class RemindersInterruptedError(Exception):
    """The SMTP server stopped answering mid-run; what was sent stays recorded."""


@dataclass
class Run:
    """The mails of a run, and the recipients no mail could be addressed to."""

    mails: list[Outgoing] = field(default_factory=list)
    unaddressable: list[str] = field(default_factory=list)

    def add(self, who: str, address: str, compose: Callable[[], Outgoing]) -> None:
        try:
            self.mails.append(compose())
        except UnaddressableError as error:
            # Told by its address as stored, on one line: it goes to the run's outcome.
            self.unaddressable.append(f"{who} <{one_line(address)}> ({error})")

    def outcome(self, detail: str) -> str:
        if self.unaddressable:
            detail += "; not mailed, the address cannot be written in a mail header: " + ", ".join(
                self.unaddressable
            )
        return detail


def _claim_reminder(
    reminder: Reminder, settings: Settings, at: datetime, session: Session, hold: Hold
) -> Claimed | None:
    claimed = claim_reminder(session=session, reminder=reminder, at=at, hold=hold)
    if claimed is None:
        return None
    return Claimed(compose(claimed, settings), len(claimed.items), False)


def _reminder_mail(reminder: Reminder, settings: Settings, at: datetime) -> Outgoing:
    return Outgoing(
        compose(reminder, settings),
        reminder.email,
        len(reminder.items),
        False,
        ReminderSent,
        partial(_claim_reminder, reminder, settings, at),
    )


def _claim_digest(
    digest: PartyDigest, message: EmailMessage, at: datetime, session: Session, hold: Hold
) -> Claimed | None:
    if not claim_digest(session=session, digest=digest, at=at, hold=hold):
        return None
    return Claimed(message, 0, True)


def _digest_mail(digest: PartyDigest, settings: Settings, at: datetime) -> Outgoing:
    message = compose_digest(digest, settings)
    claimed = partial(_claim_digest, digest, message, at)
    return Outgoing(message, digest.email, 0, True, PartyDigestSent, claimed)


def _outgoing(context: JobContext) -> Run:
    settings, at = context.settings, context.now
    on = at.astimezone(settings.zone).date()
    calendar = Calendar(on, settings.reminder_days, settings.stale_days, settings.digest_weekday)
    with context.database.transaction(write=False) as session:
        reminders = due_reminders(session=session, calendar=calendar)
        digests = due_digests(session=session, on=on, settings=settings)
    run = Run()
    for reminder in reminders:
        who = f"contact {reminder.contact_id}"
        run.add(who, reminder.email, partial(_reminder_mail, reminder, settings, at))
    for digest in digests:
        run.add(f"party {digest.code}", digest.email, partial(_digest_mail, digest, settings, at))
    return run


class Counted(Protocol):
    @property
    def commitments(self) -> int: ...

    @property
    def to_party(self) -> bool: ...


def _summary(mails: Sequence[Counted]) -> str:
    leads = [mail for mail in mails if not mail.to_party]
    commitments = sum(mail.commitments for mail in leads)
    return (
        f"{len(leads)} lead(s) about {commitments} commitment(s), "
        f"{len(mails) - len(leads)} party digest(s)"
    )


def send_reminders(context: JobContext) -> str:
    """Mail each lead once for this run, and each party its weekly digest; a dry run prints
    the mails."""
    run = _outgoing(context)
    mails = run.mails
    if context.dry_run:
        for mail in mails:
            context.echo(mail.message.as_string())
        return run.outcome(f"would mail {_summary(mails)}")
    if context.settings.smtp_host is None:
        return run.outcome(f"to mail: {_summary(mails)}; no SMTP host set, nothing sent")
    return run.outcome(_mail(context, mails))


@dataclass
class Tally:
    """What a run mailed, what the server refused, and what other runs hold."""

    sent: list[Claimed] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    elsewhere: int = 0

    def detail(self) -> str:
        detail = f"mailed {_summary(self.sent)}"
        if self.elsewhere:
            detail += f"; {self.elsewhere} mail(s) skipped, claimed by another run"
        if self.refused:
            detail += f"; refused by the server, tried again next run: {', '.join(self.refused)}"
        return detail


def _held(context: JobContext, mail: Outgoing) -> tuple[Hold, Claimed] | None:
    """The mail claimed in a transaction of its own, or None when another run has it."""
    hold = Hold.taken(utcnow(), context.settings.reminder_lease_seconds)
    with context.database.transaction() as session:
        claimed = mail.claim(session, hold)
    return None if claimed is None else (hold, claimed)


def _mail(context: JobContext, mails: list[Outgoing]) -> str:
    tally = Tally()
    with Mailer(context.settings) as mailer:
        for mail in mails:
            held = _held(context, mail)
            if held is None:
                tally.elsewhere += 1
                continue
            hold, claimed = held
            try:
                mailer.send(claimed.message)
            except BaseException as error:
                # Not sent: due again at the next run, whatever stopped this one.
                with context.database.transaction() as session:
                    release(session=session, record=mail.record, hold=hold)
                if isinstance(error, UndeliverableError):
                    tally.refused.append(f"{one_line(mail.recipient)} ({one_line(str(error))})")
                    continue
                if isinstance(error, smtplib.SMTPException | OSError):
                    raise RemindersInterruptedError(
                        f"mailed {len(tally.sent)} of {len(mails)}, then the SMTP server failed "
                        f"({type(error).__name__}: {error}); the rest go at the next run"
                    ) from error
                raise
            # Marked as soon as it is sent: a failure later in the run mails no one twice.
            with context.database.transaction() as session:
                mark_sent(session=session, record=mail.record, hold=hold)
            tally.sent.append(claimed)
    return tally.detail()
