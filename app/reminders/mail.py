"""A reminder as a mail (plain text with an HTML alternative) and its delivery over SMTP,
retried with backoff."""

import contextlib
import html
import smtplib
import time
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from types import TracebackType
from typing import TYPE_CHECKING

from app.core.config import Settings

if TYPE_CHECKING:
    from app.reminders.service import Reminder

ATTEMPTS = 3
FIRST_WAIT_SECONDS = 1.0


def compose(reminder: "Reminder", settings: Settings) -> EmailMessage:
    board = f"{settings.public_url}/board/commitments"
    count = len(reminder.items)
    message = EmailMessage()
    message["Subject"] = f"{count} commitment{'s' if count != 1 else ''} you lead need attention"
    message["From"] = settings.smtp_from
    message["To"] = formataddr((reminder.name, reminder.email))
    message["Message-ID"] = make_msgid(domain="alliance-commitments")
    lines = [f"Dear {reminder.name},", "", f"As the {reminder.party} lead:", ""]
    for item in reminder.items:
        lines += [f"- {item.ref}: {item.title}", f"  {item.reason}"]
        if item.quote:
            lines.append(f"  “{item.quote}”")
        lines += [f"  {board}/{item.ref}", ""]
    lines.append("Record progress on the board, where each link leads.")
    message.set_content("\n".join(lines))
    entries = "".join(
        f'<li><p><a href="{html.escape(board)}/{html.escape(item.ref)}">'
        f"{html.escape(item.ref)}</a>: {html.escape(item.title)}<br>"
        f"<strong>{html.escape(item.reason)}</strong></p>"
        + (f"<blockquote>{html.escape(item.quote)}</blockquote>" if item.quote else "")
        + "</li>"
        for item in reminder.items
    )
    message.add_alternative(
        f"<p>Dear {html.escape(reminder.name)},</p>"
        f"<p>As the {html.escape(reminder.party)} lead:</p><ul>{entries}</ul>"
        "<p>Record progress on the board, where each link leads.</p>",
        subtype="html",
    )
    return message


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
        connection = smtplib.SMTP(
            settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_seconds
        )
        if settings.smtp_starttls:
            connection.starttls()
        if settings.smtp_username and settings.smtp_password:
            connection.login(settings.smtp_username, settings.smtp_password.get_secret_value())
        return connection

    def _close(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self.connection.quit()
            self.connection = None

    def send(self, message: EmailMessage) -> None:
        wait = FIRST_WAIT_SECONDS
        for attempt in range(1, ATTEMPTS + 1):
            try:
                if self.connection is None:
                    self.connection = self._open()
                self.connection.send_message(message)
                return
            except (smtplib.SMTPException, OSError):
                self._close()
                if attempt == ATTEMPTS:
                    raise
                time.sleep(wait)
                wait *= 2
