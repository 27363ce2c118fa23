"""Reminders to leads and weekly digests to parties, by e-mail."""

from app.reminders.job import send_reminders
from app.reminders.service import due_reminders

__all__ = ["due_reminders", "send_reminders"]
