"""Reminders to leads and weekly digests to parties, by e-mail.

Names load on first use: the reminders' tables are part of every command's metadata, and the
job (mail, SMTP) is wanted only by the worker."""

from typing import TYPE_CHECKING

from app.core.exports import lazy_exports

_HOME = {
    "due_reminders": "service",
    "prune_reminders_sent": "service",
    "send_reminders": "job",
}

if TYPE_CHECKING:
    from app.reminders.job import send_reminders
    from app.reminders.service import due_reminders, prune_reminders_sent

__getattr__ = lazy_exports(__name__, _HOME)

__all__ = [
    "due_reminders",
    "prune_reminders_sent",
    "send_reminders",
]
