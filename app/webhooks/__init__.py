"""Webhooks: every change, as it happens, to the endpoints of the parties that may see it."""

from app.webhooks.delivery import send_webhooks
from app.webhooks.service import record_event

__all__ = ["record_event", "send_webhooks"]
