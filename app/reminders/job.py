"""The reminders job: each lead's reminders and each party's weekly digest, mailed once."""

import smtplib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from functools import partial

from app.core.config import Settings
from app.core.validation import one_line
from app.jobs.service import JobContext
from app.reminders.digest import PartyDigest, compose_digest, due_digests, record_digest
from app.reminders.mail import Mailer, UnaddressableError, UndeliverableError, compose
from app.reminders.service import Calendar, Reminder, due_reminders, record_reminder


@dataclass(frozen=True)
class Outgoing:
    """A mail, and how to record that it went."""

    message: EmailMessage
    recipient: str
    # Called with the session of a transaction of its own, once the server took the mail.
    record: Callable[..., None]
    commitments: int
    to_party: bool


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


def _reminder_mail(reminder: Reminder, settings: Settings, at: datetime) -> Outgoing:
    return Outgoing(
        compose(reminder, settings),
        reminder.email,
        partial(record_reminder, reminder=reminder, at=at),
        len(reminder.items),
        False,
    )


def _digest_mail(digest: PartyDigest, settings: Settings, at: datetime) -> Outgoing:
    return Outgoing(
        compose_digest(digest, settings),
        digest.email,
        partial(record_digest, digest=digest, at=at),
        0,
        True,
    )


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


def _summary(mails: list[Outgoing]) -> str:
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


def _mail(context: JobContext, mails: list[Outgoing]) -> str:
    sent: list[Outgoing] = []
    refused: list[str] = []
    with Mailer(context.settings) as mailer:
        for mail in mails:
            try:
                mailer.send(mail.message)
            except UndeliverableError as refusal:
                refused.append(f"{one_line(mail.recipient)} ({one_line(str(refusal))})")
                continue
            except (smtplib.SMTPException, OSError) as error:
                raise RemindersInterruptedError(
                    f"mailed {len(sent)} of {len(mails)}, then the SMTP server failed "
                    f"({type(error).__name__}: {error}); the rest go at the next run"
                ) from error
            # Recorded as soon as it is sent: a failure later in the run mails no one twice.
            with context.database.transaction() as session:
                mail.record(session=session)
            sent.append(mail)
    detail = f"mailed {_summary(sent)}"
    if refused:
        detail += f"; refused by the server, tried again next run: {', '.join(refused)}"
    return detail
