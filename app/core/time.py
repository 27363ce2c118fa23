from datetime import UTC, date, datetime

from app.core.config import get_settings


def utcnow() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    """The calendar day in the configured timezone: what "overdue" is measured against."""
    return utcnow().astimezone(get_settings().zone).date()
