"""A reminder as a mail (plain text with an HTML alternative) and its delivery over SMTP,
retried with backoff."""

import contextlib
import html
import smtplib
import ssl
import time
from email.errors import HeaderParseError, NonASCIILocalPartDefect
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import make_msgid
from types import TracebackType
from typing import TYPE_CHECKING, Any

from app.core.config import Settings
from app.core.validation import one_line
from app.reminders.wording import wording_for

if TYPE_CHECKING:
    from app.reminders.service import Reminder

ATTEMPTS = 3
FIRST_WAIT_SECONDS = 1.0


# RFC 5322's limit on a line, not its recommended 78 characters.
LONGEST_LINE = 998
ADDRESS_HEADERS = frozenset({"from", "sender", "reply-to", "to", "cc", "bcc"})


class _MailPolicy(EmailPolicy):
    """The default policy, except that an address header is folded only past RFC 5322's
    longest line: Python's folder drops the quotes of a display name it breaks, so that
    "Doe, Jane <x@example.org>" would reach the recipient as two addresses."""

    def fold(self, name: str, value: Any) -> str:
        policy = self._wide() if name.lower() in ADDRESS_HEADERS else self
        folded: str = EmailPolicy.fold(policy, name, value)
        return folded

    def fold_binary(self, name: str, value: Any) -> bytes:
        policy = self._wide() if name.lower() in ADDRESS_HEADERS else self
        return EmailPolicy.fold_binary(policy, name, value)

    def _wide(self) -> EmailPolicy:
        wide: EmailPolicy = self.clone(max_line_length=LONGEST_LINE)
        return wide


MAIL_POLICY = _MailPolicy()
# A contact's name, as long as its column holds: a longer one (stored before the bound) is cut
# so that the address header stays within a line.
LONGEST_DISPLAY_NAME = 200


class UnaddressableError(Exception):
    """A recipient's address (or name) that no mail header can carry: this mail is not sent,
    the run goes on with the others."""


def recipient(name: str | None, address: str) -> Address:
    """A recipient as a mail header has it: a name stored with line breaks or control
    characters (before names had to be single lines) is mailed with spaces in their place."""
    display_name = one_line(name or "").strip()[:LONGEST_DISPLAY_NAME]
    try:
        try:
            return Address(display_name=display_name, addr_spec=address)
        except NonASCIILocalPartDefect:
            # An internationalized mailbox (RFC 6531): it goes where the server speaks
            # SMTPUTF8, and is refused, for this recipient alone, where it does not.
            username, _, domain = address.rpartition("@")
            return Address(display_name=display_name, username=username, domain=domain)
    except (ValueError, HeaderParseError) as error:
        raise UnaddressableError(one_line(str(error))) from error


def mail_of(
    subject: str, to: Address, *, plain: str, markup: str, language: str, settings: Settings
) -> EmailMessage:
    """A mail of plain text with its HTML alternative, in `language`."""
    message = EmailMessage(policy=MAIL_POLICY)
    message["Subject"] = one_line(subject)
    message["From"] = settings.smtp_from
    message["To"] = to
    message["Message-ID"] = make_msgid(domain="alliance-commitments")
    message.set_content(plain)
    message.add_alternative(f'<div lang="{language}">{markup}</div>', subtype="html")
    # Said last: the body's parts would otherwise take the header with them.
    message["Content-Language"] = language
    return message


def compose(reminder: "Reminder", settings: Settings) -> EmailMessage:
    language, words = wording_for(reminder.language)
    board = f"{settings.public_url}/board/commitments"
    to = recipient(reminder.name, reminder.email)
    # What the plain text says of a caller's values stays on its own line.
    greeting = words.greeting.format(name=one_line(reminder.name).strip())
    as_lead = words.as_lead.format(party=reminder.party)
    lines = [greeting, "", as_lead, ""]
    for item in reminder.items:
        lines += [f"- {item.ref}: {one_line(item.title)}", f"  {words.reason(item.occasion)}"]
        if item.quote:
            lines.append(f"  “{one_line(item.quote)}”")
        lines += [f"  {board}/{item.ref}", ""]
    everything = f"{settings.public_url}/board/register?lead={reminder.contact_id}"
    more = words.more.format(count=reminder.more) if reminder.more else ""
    if more:
        lines += [more, everything, ""]
    lines.append(words.closing)
    entries = "".join(
        f'<li><p><a href="{html.escape(board)}/{html.escape(item.ref)}">'
        f"{html.escape(item.ref)}</a>: {html.escape(item.title)}<br>"
        f"<strong>{html.escape(words.reason(item.occasion))}</strong></p>"
        + (f"<blockquote>{html.escape(item.quote)}</blockquote>" if item.quote else "")
        + "</li>"
        for item in reminder.items
    )
    markup = (
        f"<p>{html.escape(greeting)}</p><p>{html.escape(as_lead)}</p><ul>{entries}</ul>"
        + (f'<p><a href="{html.escape(everything)}">{html.escape(more)}</a></p>' if more else "")
        + f"<p>{html.escape(words.closing)}</p>"
    )
    return mail_of(
        words.subject(len(reminder.items) + reminder.more),
        to,
        plain="\n".join(lines),
        markup=markup,
        language=language,
        settings=settings,
    )


class UndeliverableError(Exception):
    """The server refused this mail for good (a 5xx answer for its recipient or content):
    the run goes on with the others, and this one is tried again at the next run."""


def _refused_for_good(error: Exception) -> bool:
    # SMTPNotSupportedError: an address of non-ASCII characters, to a server without SMTPUTF8.
    if isinstance(error, smtplib.SMTPRecipientsRefused | smtplib.SMTPNotSupportedError):
        return True
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500


def _tls(settings: Settings) -> ssl.SSLContext:
    """A context that verifies the server's certificate and name."""
    authority = str(settings.smtp_ca_file) if settings.smtp_ca_file else None
    return ssl.create_default_context(cafile=authority)


class Mailer:
    """One SMTP connection for a run, opened again when a send fails."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.connection: smtplib.SMTP | None = None

    def __enter__(self) -> "Mailer":
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._close()

    def _open(self) -> smtplib.SMTP:
        settings = self.settings
        assert settings.smtp_host is not None
        host, port, timeout = settings.smtp_host, settings.smtp_port, settings.smtp_timeout_seconds
        connection: smtplib.SMTP
        if settings.smtp_ssl:
            connection = smtplib.SMTP_SSL(host, port, timeout=timeout, context=_tls(settings))
        else:
            connection = smtplib.SMTP(host, port, timeout=timeout)
            if settings.smtp_starttls:
                connection.starttls(context=_tls(settings))
        if settings.smtp_username and settings.smtp_password:
            connection.login(settings.smtp_username, settings.smtp_password.get_secret_value())
        return connection

    def _close(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self.connection.quit()
            self.connection = None

    def send(self, message: EmailMessage) -> None:
        """Send `message`, retrying with backoff what may pass later (a dropped connection,
        a 4xx answer); raises UndeliverableError when the server refused it for good, and the
        last error when the server stays unreachable (or refuses the login)."""
        wait = FIRST_WAIT_SECONDS
        for attempt in range(1, ATTEMPTS + 1):
            try:
                if self.connection is None:
                    self.connection = self._open()
                self.connection.send_message(message)
                return
            except smtplib.SMTPAuthenticationError:
                self._close()
                raise
            except (smtplib.SMTPException, OSError) as error:
                if _refused_for_good(error) and self.connection is not None:
                    raise UndeliverableError(describe_refusal(error)) from error
                self._close()
                if attempt == ATTEMPTS:
                    raise
                time.sleep(wait)
                wait *= 2


def _text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else reply


def describe_refusal(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{address}: {code} {_text(reply)}"
            for address, (code, reply) in error.recipients.items()
        )
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{error.smtp_code} {_text(error.smtp_error)}"
    return str(error)
