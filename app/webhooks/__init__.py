"""Webhooks: every change, as it happens, to the endpoints of the parties that may see it.

Names load on first use: the webhooks' tables are part of every command's metadata, and
delivery (an HTTP client) is wanted only by the worker."""

from typing import TYPE_CHECKING

from app.core.exports import lazy_exports

_HOME = {
    "prune_webhooks": "service",
    "send_webhooks": "delivery",
}

if TYPE_CHECKING:
    from app.webhooks.delivery import send_webhooks
    from app.webhooks.service import prune_webhooks

__getattr__ = lazy_exports(__name__, _HOME)

__all__ = [
    "prune_webhooks",
    "send_webhooks",
]
