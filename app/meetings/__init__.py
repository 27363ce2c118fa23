"""The recurring meetings, and the deadlines that follow them when their dates change."""

from app.meetings import service
from app.meetings.service import extend_interval_cycles

__all__ = [
    "extend_interval_cycles",
    "service",
]
