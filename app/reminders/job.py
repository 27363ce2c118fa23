"""The reminders job: each lead's reminders and each party's weekly digest, mailed once."""

import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from functools import partial

from app.jobs.service import JobContext
from app.reminders.digest import compose_digest, due_digests, record_digest
from app.reminders.mail import Mailer, UndeliverableError, compose
from app.reminders.service import Calendar, due_reminders, record_reminder


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


def _outgoing(context: JobContext) -> list[Outgoing]:
    settings, at = context.settings, context.now
    on = at.astimezone(settings.zone).date()
    calendar = Calendar(on, settings.reminder_days, settings.stale_days, settings.digest_weekday)
    with context.database.transaction(write=False) as session:
        reminders = due_reminders(session=session, calendar=calendar)
        digests = due_digests(session=session, on=on, settings=settings)
    mails = [
        Outgoing(
            compose(reminder, settings),
            reminder.email,
            partial(record_reminder, reminder=reminder, at=at),
            len(reminder.items),
            False,
        )
        for reminder in reminders
    ]
    return mails + [
        Outgoing(
            compose_digest(digest, settings),
            digest.email,
            partial(record_digest, digest=digest, at=at),
            0,
            True,
        )
        for digest in digests
    ]


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
    mails = _outgoing(context)
    if context.dry_run:
        for mail in mails:
            context.echo(mail.message.as_string())
        return f"would mail {_summary(mails)}"
    if context.settings.smtp_host is None:
        return f"to mail: {_summary(mails)}; no SMTP host set, nothing sent"
    return _mail(context, mails)


def _mail(context: JobContext, mails: list[Outgoing]) -> str:
    sent: list[Outgoing] = []
    refused: list[str] = []
    with Mailer(context.settings) as mailer:
        for mail in mails:
            try:
                mailer.send(mail.message)
            except UndeliverableError as refusal:
                refused.append(f"{mail.recipient} ({refusal})")
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
