"""Reminders to the leads of commitments, by e-mail."""

from app.reminders.service import due_reminders, send_reminders

__all__ = ["due_reminders", "send_reminders"]
